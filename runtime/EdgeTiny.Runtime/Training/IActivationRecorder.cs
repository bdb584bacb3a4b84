namespace EdgeTiny.Runtime.Training
{
    /// <summary>What a layer's forward pass hands to a recorder, in order.</summary>
    public static class ActivationSlot
    {
        public const int LayerInput = 0;        // x entering the layer (dim)
        public const int AttentionNorm = 1;     // RMSNorm(x) fed to q, k, v (dim)
        public const int Query = 2;             // q after LoRA and RoPE (dim)
        public const int AttentionOutput = 3;   // concatenated head outputs fed to wo (dim)
        public const int AttentionResidual = 4; // x after the attention residual (dim)
        public const int FfnNorm = 5;           // RMSNorm(x) fed to gate and up (dim)
        public const int Gate = 6;              // w1·x (+ LoRA), before the activation (hidden)
        public const int Up = 7;                // w3·x (+ LoRA) (hidden)
        public const int Count = 8;
    }

    /// <summary>Keeps activations of the layers being trained, so the backward pass needs no second forward.</summary>
    public interface IActivationRecorder
    {
        bool Records(int layer);

        /// <summary>Copies <paramref name="values"/> (the slot's full length) for (layer, position, slot).</summary>
        void Save(int layer, int pos, int slot, float[] values);
    }
}
