using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Memory
{
    /// <summary>
    /// What the runtime allocates besides resident weights, for the planner to weigh: each figure is measured by running
    /// the constructor that will allocate it later against a measuring ledger (<see cref="MemoryLedger.ForMeasuring"/>),
    /// so no size is written twice and the plan equals the ledger by construction. Cheap: a measuring ledger hands out
    /// empty arrays, so a measurement costs a few small objects.
    /// </summary>
    internal sealed class Footprint
    {
        private readonly ModelConfig _c;
        private readonly RuntimeOptions _o;
        private readonly bool[] _packed;
        private readonly bool _anyF32;
        private readonly int _bundleBytes;
        private readonly int _ffnCacheBytes;
        private readonly long _sampler, _adapters, _tuning;

        /// <summary>Norm weights: always resident, float32.</summary>
        public readonly long Norms;

        public Footprint(ModelConfig c, RuntimeOptions o, bool[] packedLayers, bool anyF32, long norms, int bundleBytes, int ffnCacheBytesPerLayer)
        {
            _c = c;
            _o = o;
            _packed = packedLayers;
            _anyF32 = anyF32;
            Norms = norms;
            _bundleBytes = bundleBytes;
            _ffnCacheBytes = ffnCacheBytesPerLayer;

            MemoryLedger m = MemoryLedger.ForMeasuring();
            new Sampler(c.VocabSize, o.Temperature, o.TopP, 1, null, m);
            _sampler = m.CurrentBytes;
            if (o.AdapterLayers <= 0) return;
            m = MemoryLedger.ForMeasuring();
            AdapterSet adapters = new AdapterSet(c, c.Layers - o.AdapterLayers, o.AdapterRank, 1f, o.Tuning != null, m);
            _adapters = m.CurrentBytes;
            if (o.Tuning == null) return;
            Transformer t = new Transformer(c, null, null, o.Tuning.SequenceLength, false, MemoryLedger.ForMeasuring());
            m = MemoryLedger.ForMeasuring();
            new TuningSession(t, null, adapters, TuneSettings.ForShape(o.Tuning), o.Tuning.TextTokens, m);
            _tuning = m.CurrentBytes;
        }

        /// <summary>
        /// Everything that does not depend on which weights are resident: activations, KV cache, sampler, the streaming
        /// chunk, an empty block cache, adapters and tuning buffers (norms and packed-FFN state are counted apart).
        /// </summary>
        public long Base(int context, bool int8, int chunk)
        {
            return Transformer(context, int8) + _sampler + Stream(chunk) + Cache(0) + _adapters + _tuning;
        }

        /// <summary>The forward pass's activations and KV cache for this context.</summary>
        public long Transformer(int context, bool int8)
        {
            MemoryLedger m = MemoryLedger.ForMeasuring();
            new Transformer(_c, null, null, context, int8, m);
            return m.CurrentBytes;
        }

        public long Kv(int context, bool int8)
        {
            MemoryLedger m = MemoryLedger.ForMeasuring();
            new KvCache(_c, context, int8, m);
            return m.CurrentBytes;
        }

        public long Stream(int chunk)
        {
            MemoryLedger m = MemoryLedger.ForMeasuring();
            new WeightStream(null, chunk, _anyF32, m);
            return m.CurrentBytes;
        }

        /// <summary>A block cache of this many bytes, with its bookkeeping.</summary>
        public long Cache(int bytes)
        {
            MemoryLedger m = MemoryLedger.ForMeasuring();
            new BlockCache(null, _o.CacheBlockBytes, bytes, m);
            return m.CurrentBytes;
        }

        /// <summary>
        /// The packed FFNs' per-layer state (activations, active list; for streamed bundles also the read planner and the
        /// bundle cache), with bundle residency as <paramref name="plan"/> decided; null = every bundle tensor streamed.
        /// </summary>
        public long FfnState(MemoryPlan plan)
        {
            MemoryLedger m = MemoryLedger.ForMeasuring();
            WeightStream stream = new WeightStream(null, 0, false, MemoryLedger.ForMeasuring());
            for (int l = 0; l < _c.Layers; l++)
            {
                if (!_packed[l]) continue;
                string name = TensorNames.Layer(l, TensorNames.FfnBundles);
                Tensor bundles = new Tensor();
                bundles.Name = name;
                bundles.Rows = _c.HiddenDim;
                bundles.Cols = 2 * _c.Dim;
                bundles.RowBytes = _bundleBytes;
                if (plan == null || !plan.IsResident(name)) bundles.Stream = stream;
                new FfnBundles(null, bundles, 0f, _c.FfnActivation, _o.Storage, _o.Ffn.Collapse, _ffnCacheBytes, m, TensorNames.Layer(l, "ffn"));
            }
            return m.CurrentBytes;
        }

        /// <summary>Writes the plan's byte breakdown for the context, KV precision, chunk, residency and cache it settled on.</summary>
        public void Settle(MemoryPlan p)
        {
            p.KvBytes = Kv(p.Context, p.KvInt8);
            p.StateBytes = Norms + _sampler + FfnState(p) + Transformer(p.Context, p.KvInt8) - p.KvBytes;
            p.StreamBytes = Stream(p.ChunkBytes);
            p.CacheHeldBytes = Cache(p.CacheBytes);
            p.AdapterBytes = _adapters;
            p.TuningBytes = _tuning;
        }
    }
}
