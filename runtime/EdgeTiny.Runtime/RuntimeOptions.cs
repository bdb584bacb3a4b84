using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime
{
    /// <summary>How to open a model: the RAM it may use, the context it should hold, and the storage it sits on.</summary>
    public sealed class RuntimeOptions
    {
        public const int KvAuto = 0;
        public const int KvFloat = 1;
        public const int KvInt8 = 2;

        /// <summary>Bytes the model may use (a board's model budget); 0 = no limit (everything resident).</summary>
        public long BudgetBytes;

        /// <summary>Positions the KV cache should hold; 0 = the model's seq_len. The planner may cap it to fit.</summary>
        public int ContextLength;

        /// <summary>The smallest context the planner may cap to before it gives up.</summary>
        public int MinContextLength = 16;

        /// <summary>KvAuto (float unless it does not fit), KvFloat or KvInt8.</summary>
        public int KvPrecision = KvAuto;

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

        /// <summary>Packed FFNs: merge nearby reads when reading the gap costs less than another command (Ripple's access collapse).</summary>
        public bool FfnCollapse = true;

        /// <summary>Packed FFNs: bytes of neuron-bundle cache, split evenly over the layers; 0 = none.</summary>
        public int FfnCacheBytes;

        /// <summary>Stream the FFN matrices whatever the budget (to study flash-resident FFNs, as in LLM in a Flash).</summary>
        public bool StreamFfn;

        /// <summary>
        /// With <see cref="StreamFfn"/>: leave the FFN gates (w1) to the planner, so they stay in RAM when the budget has
        /// room. A packed FFN reads its whole gate every token to decide which bundles it needs; held in RAM the gate is
        /// what LLM in a Flash's DRAM-resident predictor is, and only neuron bundles come from the card.
        /// </summary>
        public bool FfnGatesResident;

        /// <summary>The board's storage timing; null = a plain file with no simulated time.</summary>
        public SdTimingModel Storage;
    }
}
