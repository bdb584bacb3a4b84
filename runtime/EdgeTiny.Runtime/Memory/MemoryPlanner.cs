using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

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

        /// <summary>Bytes of one neuron bundle of a packed layer, from its section (checked: the planner divides by it).</summary>
        private static int BundleRowBytes(EtbReader reader, ModelConfig c, int layer)
        {
            SectionEntry b = reader.Require(TensorNames.Layer(layer, TensorNames.FfnBundles));
            if (b.Kind != SectionKind.Tensor || b.Rows != c.HiddenDim || b.Cols != 2 * c.Dim)
                throw new ModelFormatException("section '" + b.Name + "': FFN bundles must be a " + c.HiddenDim.ToString() + "x"
                    + (2 * c.Dim).ToString() + " tensor, found " + SectionKind.Name(b.Kind) + " " + b.Rows.ToString() + "x" + b.Cols.ToString());
            return Codec.RowBytes(b.Codec, b.Param, b.Cols, b.GroupSize);
        }

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
            p.FfnCacheBytesPerLayer = packedCount > 0 ? o.Ffn.CacheBytes / packedCount : 0;
            p.CommittedBytes = committedBytes;
            p.CacheBlockBytes = o.CacheBlockBytes;
            Footprint f = new Footprint(c, o, packedLayers, anyF32, norms, packedCount > 0 ? BundleRowBytes(reader, c, firstPacked) : 0,
                p.FfnCacheBytesPerLayer);
            int wanted = o.ContextLength <= 0 || o.ContextLength > c.SeqLen ? c.SeqLen : o.ContextLength;
            int minContext = o.MinContextLength < wanted ? o.MinContextLength : wanted;
            // Tuning backpropagates through whole sequences: the context may not be capped below one.
            if (o.Tuning != null && minContext < o.Tuning.SequenceLength) minContext = o.Tuning.SequenceLength < wanted ? o.Tuning.SequenceLength : wanted;
            // Norms, and the packed FFNs' state reserved for the streamed case (Finish settles it once residency is known).
            long fixedBytes = f.Norms + f.FfnState(null);
            int minChunk = RoundUp(maxRow > EtbLayout.SectorBytes ? maxRow : EtbLayout.SectorBytes, EtbLayout.SectorBytes);
            bool int8Allowed = o.KvPrecision != KvPrecision.Float && o.Tuning == null;
            p.MinimumBytes = committedBytes + fixedBytes + f.Base(minContext, int8Allowed, minChunk);

            if (o.BudgetBytes <= 0)
            {
                p.Context = wanted;
                p.KvInt8 = o.KvPrecision == KvPrecision.Int8;
                p.ChunkBytes = o.ChunkBytes > 0 ? o.ChunkBytes : UnlimitedChunkBytes;
                p.CacheBytes = o.CacheBytes > 0 ? o.CacheBytes : 0;
                Finish(p, f, reader, c, matrices, long.MaxValue, o);
                return p;
            }

            // 1. Context and KV precision: the full context if it fits, int8 before shortening it.
            long room = o.BudgetBytes - committedBytes - fixedBytes;
            int context = wanted;
            bool int8 = o.KvPrecision == KvPrecision.Int8;
            if (int8Allowed && o.KvPrecision == KvPrecision.Auto && f.Base(context, false, minChunk) > room) int8 = true;
            if (f.Base(context, int8, minChunk) > room)
            {
                // The largest context in [minContext, wanted) that fits: bytes grow with the context, so a binary search
                // finds it with a handful of measurements (each one runs the constructors against a measuring ledger).
                int lo = minContext, hi = wanted - 1;
                while (lo < hi)
                {
                    int mid = lo + (hi - lo + 1) / 2;
                    if (f.Base(mid, int8, minChunk) <= room) lo = mid;
                    else hi = mid - 1;
                }
                context = lo;
            }
            if (f.Base(context, int8, minChunk) > room)
                throw new MemoryBudgetException(p.MinimumBytes, o.BudgetBytes, "context " + minContext.ToString()
                    + (int8Allowed ? ", int8 KV cache" : ", float KV cache") + ", a " + minChunk.ToString() + "-byte streaming chunk"
                    + (o.AdapterLayers > 0 ? ", adapters" : "") + (o.Tuning != null ? ", tuning" : ""));
            p.Context = context;
            p.KvInt8 = int8;

            // 2. A chunk that amortises the per-command latency (about 4× the break-even transfer), as RAM allows.
            int chunk = o.ChunkBytes > 0 ? RoundUp(o.ChunkBytes > minChunk ? o.ChunkBytes : minChunk, EtbLayout.SectorBytes) : TargetChunk(o, minChunk);
            while (chunk > minChunk && f.Base(context, int8, chunk) > room) chunk -= EtbLayout.SectorBytes;
            if (chunk < minChunk) chunk = minChunk;
            p.ChunkBytes = chunk;

            // 3. Residency with what is left; 4. the cache with the rest.
            p.CacheBytes = o.CacheBytes >= 0 ? o.CacheBytes : MaxAutoCacheBytes;
            Finish(p, f, reader, c, matrices, room - f.Base(context, int8, chunk), o);
            return p;
        }

        /// <summary>Fills in residency (largest matrices first, an embedding that is only looked up last) and the cache.</summary>
        private static void Finish(MemoryPlan p, Footprint f, EtbReader reader, ModelConfig c, string[] matrices, long left, RuntimeOptions o)
        {
            long ffnWorst = f.FfnState(null);
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
                bool forced = o.Ffn.Stream && LlamaWeights.IsFfn(order[i].Name) && !(o.Ffn.GatesResident && LlamaWeights.IsGate(order[i].Name));
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
            // The packed FFNs' state now that we know which bundle tensors stream (resident ones need no planner or cache).
            left += ffnWorst - f.FfnState(p);

            if (count == 0)
            {
                // Nothing is read after load: the chunk is only load scratch, and a cache would never be used.
                p.CacheBytes = 0;
                if (p.ChunkBytes > UnlimitedChunkBytes) p.ChunkBytes = UnlimitedChunkBytes;
            }
            // `left` already excludes an empty cache's bookkeeping; grow it while the extra bytes fit.
            long empty = f.Cache(0);
            int cache = 0;
            while (cache + p.CacheBlockBytes <= p.CacheBytes && f.Cache(cache + p.CacheBlockBytes) - empty <= left)
                cache += p.CacheBlockBytes;
            p.CacheBytes = cache;
            f.Settle(p);
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
