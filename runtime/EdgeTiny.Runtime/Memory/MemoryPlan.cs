namespace EdgeTiny.Runtime.Memory
{
    /// <summary>What the planner decided: every number here is heap bytes as the ledger will account them.</summary>
    public sealed class MemoryPlan
    {
        public long BudgetBytes;        // 0 = unlimited
        public long MinimumBytes;       // the least this model could run in (smallest context, int8 KV, one-row chunk)
        public int Context;
        public bool KvInt8;
        public int ChunkBytes;
        public int CacheBytes;
        public int CacheBlockBytes;
        /// <summary>Packed FFNs: bundle-cache bytes per layer.</summary>
        public int FfnCacheBytesPerLayer;

        public long CommittedBytes;     // already held before planning (directory, tokenizer)
        public long StateBytes;         // activations, norms, sampler
        public long KvBytes;
        public long StreamBytes;        // chunk buffers
        public long CacheHeldBytes;
        public long ResidentWeightBytes;
        /// <summary>LoRA adapters the model carries (with gradient buffers when it is tuned).</summary>
        public long AdapterBytes;
        /// <summary>Tuning's saved activations, activation gradients, scratch and optimizer state.</summary>
        public long TuningBytes;
        /// <summary>Stored bytes of the tensors that stream (read from storage every token, or a row per token for an embedding).</summary>
        public long StreamedWeightBytes;

        /// <summary>Section names of tensors that stream; every other tensor is resident.</summary>
        public string[] Streamed = new string[0];

        public long TotalBytes
        {
            get { return CommittedBytes + StateBytes + KvBytes + StreamBytes + CacheHeldBytes + ResidentWeightBytes + AdapterBytes + TuningBytes; }
        }

        public bool IsResident(string name)
        {
            for (int i = 0; i < Streamed.Length; i++) if (Streamed[i] == name) return false;
            return true;
        }
    }
}
