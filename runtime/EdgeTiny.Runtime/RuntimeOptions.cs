using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime
{
    /// <summary>How to open a model: the RAM it may use, the context it should hold, and the storage it sits on.</summary>
    public sealed class RuntimeOptions
    {
        /// <summary>Bytes the model may use (a board's model budget); 0 = no limit (everything resident).</summary>
        public long BudgetBytes;

        /// <summary>Positions the KV cache should hold; 0 = the model's seq_len. The planner may cap it to fit.</summary>
        public int ContextLength;

        /// <summary>The smallest context the planner may cap to before it gives up.</summary>
        public int MinContextLength = 16;

        /// <summary>Auto (float unless it does not fit), Float or Int8.</summary>
        public KvPrecision KvPrecision = KvPrecision.Auto;

        /// <summary>Sampler settings, for sizing its buffers (nucleus sampling needs two vocabulary-sized arrays).</summary>
        public float Temperature;
        public float TopP = 0.9f;

        /// <summary>Bytes of the streaming chunk; 0 = chosen from the storage timing.</summary>
        public int ChunkBytes;

        /// <summary>Bytes of the block cache; -1 = chosen by the planner, 0 = none.</summary>
        public int CacheBytes = -1;

        public int CacheBlockBytes = 512;

        /// <summary>Read every streamed tensor once at load to check its CRC.</summary>
        public bool VerifyStreamedTensors = true;

        /// <summary>How FFN weights are read: streamed or not, packed-FFN read collapse and bundle cache.</summary>
        public FfnStreaming Ffn = new FfnStreaming();

        /// <summary>LoRA adapters the model will carry on its last <see cref="AdapterLayers"/> layers (0 = none), part of the plan.</summary>
        public int AdapterLayers;
        public int AdapterRank;

        /// <summary>Tuning on the device (adapters become trainable; backward buffers and optimizer state are planned); null = inference.</summary>
        public TuningShape Tuning;

        /// <summary>The board's storage timing; null = a plain file with no simulated time.</summary>
        public SdTimingModel Storage;

        /// <summary>A copy to adjust (a host fills in the board's budget and storage without touching the caller's options).</summary>
        public RuntimeOptions Copy()
        {
            RuntimeOptions o = (RuntimeOptions)MemberwiseClone();
            o.Ffn = Ffn.Copy();
            return o;
        }
    }

    /// <summary>How the KV cache keeps keys and values.</summary>
    public enum KvPrecision
    {
        /// <summary>Float unless the budget is short, then int8.</summary>
        Auto,
        Float,
        /// <summary>Int8 with one scale per (position, head): a quarter of the RAM.</summary>
        Int8,
    }

    /// <summary>How a model's FFN weights are read (see LLM in a Flash and Ripple in the research notes).</summary>
    public sealed class FfnStreaming
    {
        /// <summary>Stream the FFN matrices whatever the budget (to study flash-resident FFNs, as in LLM in a Flash).</summary>
        public bool Stream;

        /// <summary>
        /// With <see cref="Stream"/>: leave the FFN gates (w1) to the planner, so they stay in RAM when the budget has
        /// room. A packed FFN reads its whole gate every token to decide which bundles it needs; held in RAM the gate is
        /// what LLM in a Flash's DRAM-resident predictor is, and only neuron bundles come from the card.
        /// </summary>
        public bool GatesResident;

        /// <summary>Packed FFNs: bytes of neuron-bundle cache, split evenly over the layers; 0 = none.</summary>
        public int CacheBytes;

        /// <summary>Packed FFNs: merge nearby reads when reading the gap costs less than another command (Ripple's access collapse).</summary>
        public bool Collapse = true;

        public FfnStreaming Copy()
        {
            return (FfnStreaming)MemberwiseClone();
        }
    }

    /// <summary>
    /// What tuning on the device needs memory for: the backward window, the sequence length and the optimizer, and the
    /// session's data (the user's tokens, the base model's samples, the loss of each step). Made by
    /// <see cref="Training.TuneSettings.Shape"/>.
    /// </summary>
    public sealed class TuningShape
    {
        /// <summary>Layers the backward pass goes through (the window K).</summary>
        public int Window;
        /// <summary>Tokens per training sequence (the context tuning needs).</summary>
        public int SequenceLength;
        public Training.OptimizerKind Optimizer;
        /// <summary>Adaptation steps (one loss kept per step).</summary>
        public int Steps;
        /// <summary>Most tokens of user text (train and held-out) the session holds.</summary>
        public int TextTokens;
        /// <summary>Sequences the base model samples for rehearsal and base-domain loss.</summary>
        public int SampledSequences;
        /// <summary>Rehearsal by distillation: the base model's distributions over one sequence are kept.</summary>
        public bool Distill;
    }
}
