using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// A gated FFN stored for sparse, flash-friendly reading (LLM in a Flash + Ripple). The gate matrix is read whole —
    /// it decides which neurons matter — and each neuron's up row and down column sit side by side in one bundle, in
    /// the co-activation order the converter chose. Per token: act = act_fn(gate · x); neurons with |act| at or below
    /// the layer's threshold are inactive (calibrated to keep a set share of the FFN output energy); only active
    /// bundles are used — from RAM when resident, otherwise from the bundle cache or from storage in runs planned by
    /// the <see cref="ReadPlanner"/> (with access collapse when enabled).
    /// </summary>
    public sealed class FfnBundles : IFfn
    {
        public readonly Tensor Gate;      // (hidden, dim), rows in bundle order
        public readonly Tensor Bundles;   // (hidden, 2·dim): up row | down column, as stored rows in every codec (f32 too)
        public readonly float Threshold;
        private readonly int _activation;
        private readonly float[] _act;    // (hidden) activations, zeroed where inactive
        private readonly int[] _active;   // positions needed this token
        private readonly int[] _run;      // length of the run of consecutive needed positions each one belongs to
        private readonly ReadPlanner _planner;
        private readonly BundleCache _cache;
        private readonly bool _collapse;

        /// <summary>Active neurons and bundles actually read, summed over calls (for the per-token metrics).</summary>
        public long ActiveNeurons;
        public long Calls;

        public FfnBundles(Tensor gate, Tensor bundles, float threshold, int activation, SdTimingModel timing, bool collapse,
            int cacheBytes, MemoryLedger ledger, string name)
        {
            Gate = gate;
            Bundles = bundles;
            Threshold = threshold;
            _activation = activation;
            _collapse = collapse;
            int hidden = bundles.Rows;
            _act = ledger.Floats(name + ".act", hidden);
            _active = ledger.Ints(name + ".active", hidden);
            if (!bundles.IsResident)
            {
                SdTimingModel t = timing != null ? timing : new SdTimingModel(0, 1, EtbLayout.SectorBytes);
                _planner = new ReadPlanner(t, bundles.Offset, bundles.RowBytes, hidden, bundles.Stream.Chunk.Length / bundles.RowBytes, ledger, name + ".planner");
                _run = ledger.Ints(name + ".run", hidden);
                _cache = new BundleCache(hidden, bundles.RowBytes, cacheBytes, ledger, name + ".cache");
            }
        }

        public BundleCache Cache { get { return _cache; } }

        /// <summary>
        /// output (dim) = FFN(x) over the active neurons; <paramref name="x"/> is the normed input. Hooks have nothing to do
        /// here: adapters and backprop never cover a packed layer (<see cref="ForwardHooks"/> refuses them).
        /// </summary>
        public void Forward(IKernels k, int layer, int pos, float[] x, float[] output, ForwardHooks hooks)
        {
            int hidden = Bundles.Rows;
            int dim = Gate.Cols;
            Gate.MatVec(k, x, 0, _act, 0);
            int n = 0;
            for (int i = 0; i < hidden; i++)
            {
                float a = FfnActivation.Apply(_act[i], _activation);
                if ((a < 0f ? -a : a) <= Threshold)
                {
                    _act[i] = 0f;
                    continue;
                }
                _act[i] = a;
                _active[n++] = i;
            }
            ActiveNeurons += n;
            Calls++;
            System.Array.Clear(output, 0, dim);
            int bits = Codec.Bits(Bundles.Param);

            if (Bundles.IsResident)
            {
                // Runs of consecutive active positions share one kernel call; inactive ones have act 0 and are skipped.
                for (int i = 0; i < n;)
                {
                    int j = i + 1;
                    while (j < n && _active[j] == _active[j - 1] + 1) j++;
                    k.FfnBundles(Bundles.Data, _active[i] * Bundles.RowBytes, x, 0, _act, _active[i], output, 0, j - i, dim, Bundles.Codec, bits, Bundles.GroupSize);
                    i = j;
                }
                return;
            }

            // Cached bundles first; each one used is zeroed in act so a read covering it does not count it twice.
            int needed = 0;
            for (int i = 0; i < n; i++)
            {
                int p = _active[i];
                int at = _cache.Find(p);
                if (at < 0)
                {
                    _active[needed++] = p;
                    continue;
                }
                k.FfnBundles(_cache.Data, at, x, 0, _act, p, output, 0, 1, dim, Bundles.Codec, bits, Bundles.GroupSize);
                _act[p] = 0f;
            }

            // Run lengths of consecutive needed positions, for the cache's link-aware admission.
            for (int i = 0; i < needed;)
            {
                int j = i + 1;
                while (j < needed && _active[j] == _active[j - 1] + 1) j++;
                for (int q = i; q < j; q++) _run[q] = j - i;
                i = j;
            }

            byte[] chunk = Bundles.Stream.Chunk;
            int perChunk = chunk.Length / Bundles.RowBytes;
            int reads = _planner.Plan(_active, needed, _collapse);
            int next = 0; // first needed position not yet offered to the cache
            for (int r = 0; r < reads; r++)
            {
                int start = _planner.Start(r), end = start + _planner.Count(r);
                for (int s = start; s < end; s += perChunk) // one piece: the planner keeps reads within the chunk
                {
                    int m = end - s < perChunk ? end - s : perChunk;
                    Bundles.Stream.Source.ReadAt(Bundles.Offset + (long)s * Bundles.RowBytes, chunk, 0, m * Bundles.RowBytes);
                    k.FfnBundles(chunk, 0, x, 0, _act, s, output, 0, m, dim, Bundles.Codec, bits, Bundles.GroupSize);
                    for (; next < needed && _active[next] < s + m; next++)
                        _cache.Offer(_active[next], chunk, (_active[next] - s) * Bundles.RowBytes, _run[next]);
                }
            }
        }
    }
}
