using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Memory
{
    /// <summary>
    /// Decides, from a RAM budget, how a model runs: the KV-cache context and precision, the streaming chunk, which
    /// weight matrices stay resident, and the block cache. Order of preference when RAM is short: keep the context
    /// (switching the KV cache to int8 first, then capping the context), then a chunk big enough to amortise an SD
    /// command, then residency (largest matrices first: each resident byte is a byte not read every token), then cache.
    /// Without a budget everything is resident.
    /// </summary>
    public static class MemoryPlanner
    {
        /// <summary>Largest chunk the planner picks on its own: beyond this an SD read gains little.</summary>
        public const int MaxAutoChunkBytes = 32768;
        /// <summary>Largest cache the planner picks on its own (it helps small repeated reads, such as embedding rows).</summary>
        public const int MaxAutoCacheBytes = 16384;
        public const int UnlimitedChunkBytes = 4096;

        public static MemoryPlan Plan(EtbReader reader, ModelConfig c, long committedBytes, RuntimeOptions o)
        {
            bool[] packedLayers = LlamaWeights.PackedLayers(reader, c);
            int packedCount = 0, firstPacked = -1;
            for (int l = 0; l < c.Layers; l++)
                if (packedLayers[l])
                {
                    if (firstPacked < 0) firstPacked = l;
                    packedCount++;
                }
            bool packed = packedCount > 0;
            string[] matrices = LlamaWeights.MatrixNames(c, packedLayers);
            long norms = 0;
            string[] normNames = LlamaWeights.NormNames(c);
            for (int i = 0; i < normNames.Length; i++) norms += Tensor.ResidentBytes(reader.Require(normNames[i]));
            bool anyF32 = false;
            int maxRow = 0;
            for (int i = 0; i < matrices.Length; i++)
            {
                SectionEntry e = reader.Require(matrices[i]);
                if (e.Codec == Codec.F32) anyF32 = true;
                int row = Codec.RowBytes(e.Codec, e.Param, e.Cols, e.GroupSize);
                if (row > maxRow) maxRow = row;
            }

            MemoryPlan p = new MemoryPlan();
            p.BudgetBytes = o.BudgetBytes;
            p.FfnCacheBytesPerLayer = packed ? o.FfnCacheBytes / packedCount : 0;
            int bundleBytes = packed ? (int)(reader.Require(TensorNames.Layer(firstPacked, TensorNames.FfnBundles)).Length / c.HiddenDim) : 0;
            // Packed FFN state (activations, active list; when streamed also the read planner and bundle cache): the
            // planner reserves the streamed case, Finish settles the exact figure once residency is known.
            long ffnWorst = packed ? packedCount * FfnBundles.StateBytes(c.HiddenDim, bundleBytes, true, p.FfnCacheBytesPerLayer) : 0;
            p.CommittedBytes = committedBytes;
            p.CacheBlockBytes = o.CacheBlockBytes;
            int wanted = o.ContextLength <= 0 || o.ContextLength > c.SeqLen ? c.SeqLen : o.ContextLength;
            int minContext = o.MinContextLength < wanted ? o.MinContextLength : wanted;
            long fixedBytes = norms + Sampler.HeldBytesFor(c.VocabSize, o.Temperature, o.TopP) + ffnWorst;
            int minChunk = RoundUp(maxRow > EtbLayout.SectorBytes ? maxRow : EtbLayout.SectorBytes, EtbLayout.SectorBytes);
            bool int8Allowed = o.KvPrecision != RuntimeOptions.KvFloat;
            p.MinimumBytes = Base(p, c, fixedBytes, minContext, int8Allowed, minChunk, anyF32);

            if (o.BudgetBytes <= 0)
            {
                p.Context = wanted;
                p.KvInt8 = o.KvPrecision == RuntimeOptions.KvInt8;
                p.ChunkBytes = o.ChunkBytes > 0 ? o.ChunkBytes : UnlimitedChunkBytes;
                p.CacheBytes = o.CacheBytes > 0 ? o.CacheBytes : 0;
                Finish(p, reader, c, matrices, fixedBytes, anyF32, long.MaxValue, o, ffnWorst, bundleBytes);
                return p;
            }

            // 1. Context and KV precision: the full context if it fits, int8 before shortening it.
            int context = wanted;
            bool int8 = o.KvPrecision == RuntimeOptions.KvInt8;
            if (o.KvPrecision == RuntimeOptions.KvAuto && Base(p, c, fixedBytes, context, false, minChunk, anyF32) > o.BudgetBytes) int8 = true;
            while (context > minContext && Base(p, c, fixedBytes, context, int8, minChunk, anyF32) > o.BudgetBytes) context--;
            if (Base(p, c, fixedBytes, context, int8, minChunk, anyF32) > o.BudgetBytes)
                throw new MemoryBudgetException(p.MinimumBytes, o.BudgetBytes, "context " + minContext.ToString()
                    + (int8Allowed ? ", int8 KV cache" : ", float KV cache") + ", a " + minChunk.ToString() + "-byte streaming chunk");
            p.Context = context;
            p.KvInt8 = int8;

            // 2. A chunk that amortises the per-command latency (about 4× the break-even transfer), as RAM allows.
            int chunk = o.ChunkBytes > 0 ? RoundUp(o.ChunkBytes > minChunk ? o.ChunkBytes : minChunk, EtbLayout.SectorBytes) : TargetChunk(o, minChunk);
            while (chunk > minChunk && Base(p, c, fixedBytes, context, int8, chunk, anyF32) > o.BudgetBytes) chunk -= EtbLayout.SectorBytes;
            if (chunk < minChunk) chunk = minChunk;
            p.ChunkBytes = chunk;

            // 3. Residency with what is left; 4. the cache with the rest.
            long left = o.BudgetBytes - Base(p, c, fixedBytes, context, int8, chunk, anyF32);
            int cache = o.CacheBytes >= 0 ? o.CacheBytes : MaxAutoCacheBytes;
            p.CacheBytes = cache;
            Finish(p, reader, c, matrices, fixedBytes, anyF32, left, o, ffnWorst, bundleBytes);
            return p;
        }

        /// <summary>Heap bytes before any weight matrix is resident or any cache is held.</summary>
        private static long Base(MemoryPlan p, ModelConfig c, long fixedBytes, int context, bool int8, int chunk, bool anyF32)
        {
            return p.CommittedBytes + fixedBytes + Transformer.StateBytes(c, context) + KvCache.Bytes(c, context, int8)
                + WeightStream.Bytes(chunk, anyF32) + IO.BlockCache.Bytes(p.CacheBlockBytes, 0);
        }

        /// <summary>Fills in residency (largest matrices first, an embedding that is only looked up last) and the cache.</summary>
        private static void Finish(MemoryPlan p, EtbReader reader, ModelConfig c, string[] matrices, long fixedBytes, bool anyF32, long left,
            RuntimeOptions o, long ffnWorst, int bundleBytes)
        {
            p.StateBytes = fixedBytes + Transformer.StateBytes(c, p.Context);
            p.KvBytes = KvCache.Bytes(c, p.Context, p.KvInt8);
            p.StreamBytes = WeightStream.Bytes(p.ChunkBytes, anyF32);

            int n = matrices.Length;
            SectionEntry[] order = new SectionEntry[n];
            for (int i = 0; i < n; i++) order[i] = reader.Require(matrices[i]);
            // Insertion sort by priority (no Array.Sort on nanoFramework; n is a few dozen).
            for (int i = 1; i < n; i++)
            {
                SectionEntry e = order[i];
                int j = i;
                while (j > 0 && Before(e, order[j - 1], c)) { order[j] = order[j - 1]; j--; }
                order[j] = e;
            }
            string[] streamed = new string[n];
            int count = 0;
            for (int i = 0; i < n; i++)
            {
                long cost = Tensor.ResidentBytes(order[i]);
                bool forced = o.StreamFfn && LlamaWeights.IsFfn(order[i].Name) && !(o.FfnGatesResident && LlamaWeights.IsGate(order[i].Name));
                if (!forced && cost <= left)
                {
                    left -= cost;
                    p.ResidentWeightBytes += cost;
                }
                else
                {
                    streamed[count++] = order[i].Name;
                    p.StreamedWeightBytes += order[i].Length;
                }
            }
            p.Streamed = new string[count];
            System.Array.Copy(streamed, p.Streamed, count);
            if (ffnWorst > 0)
            {
                // Settle the packed FFN state now that we know which bundle tensors stream (resident ones need no planner or cache).
                long actual = 0;
                for (int l = 0; l < c.Layers; l++)
                {
                    if (reader.Find(TensorNames.Layer(l, TensorNames.FfnBundles)) == null) continue;
                    bool streamedLayer = !p.IsResident(TensorNames.Layer(l, TensorNames.FfnBundles));
                    actual += FfnBundles.StateBytes(c.HiddenDim, bundleBytes, streamedLayer, p.FfnCacheBytesPerLayer);
                }
                p.StateBytes -= ffnWorst - actual;
                left += ffnWorst - actual;
            }

            if (count == 0)
            {
                // Nothing is read after load: the chunk is only load scratch, and a cache would never be used.
                p.CacheBytes = 0;
                if (p.ChunkBytes > UnlimitedChunkBytes) p.ChunkBytes = UnlimitedChunkBytes;
                p.StreamBytes = WeightStream.Bytes(p.ChunkBytes, anyF32);
            }
            // `left` already excludes an empty cache's bookkeeping; grow it while the extra bytes fit.
            long empty = IO.BlockCache.Bytes(p.CacheBlockBytes, 0);
            int cache = 0;
            while (cache + p.CacheBlockBytes <= p.CacheBytes
                && IO.BlockCache.Bytes(p.CacheBlockBytes, cache + p.CacheBlockBytes) - empty <= left)
                cache += p.CacheBlockBytes;
            p.CacheBytes = cache;
            p.CacheHeldBytes = IO.BlockCache.Bytes(p.CacheBlockBytes, cache);
        }

        /// <summary>
        /// True when <paramref name="a"/> should be made resident before <paramref name="b"/>: matrices read whole every
        /// token first (largest first), then neuron bundles (only the active ones are read, and the bundle cache serves
        /// them), and last an embedding that is only looked up (one row a token).
        /// </summary>
        private static bool Before(SectionEntry a, SectionEntry b, ModelConfig c)
        {
            bool aLookup = a.Name == TensorNames.TokenEmbedding && !c.SharedClassifier;
            bool bLookup = b.Name == TensorNames.TokenEmbedding && !c.SharedClassifier;
            if (aLookup != bLookup) return bLookup;
            bool aBundles = LlamaWeights.IsBundles(a.Name), bBundles = LlamaWeights.IsBundles(b.Name);
            if (aBundles != bBundles) return bBundles;
            return a.Length > b.Length;
        }

        private static int TargetChunk(RuntimeOptions o, int minChunk)
        {
            long target = o.Storage == null ? UnlimitedChunkBytes : 4 * o.Storage.BreakEvenGapBytes;
            if (target > MaxAutoChunkBytes) target = MaxAutoChunkBytes;
            if (target < minChunk) target = minChunk;
            return RoundUp((int)target, EtbLayout.SectorBytes);
        }

        private static int RoundUp(int value, int multiple)
        {
            return (value + multiple - 1) / multiple * multiple;
        }
    }
}
