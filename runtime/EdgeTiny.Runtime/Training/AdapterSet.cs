using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// LoRA adapters on the seven projections (q, k, v, o, gate, up, down) of layers FirstLayer..Layers-1.
    /// Serialized form (the payload of an .eta file): u32 first layer | u32 layers | u32 rank | f32 alpha | u32 dim |
    /// u32 hidden | u32 kv_dim | u32 window | then per layer and projection: A (rank × in) and B (out × rank) float32.
    /// The window is how many top layers the last exit was tuned with: inference applies adapters to those.
    /// </summary>
    public sealed class AdapterSet : IParameterGradients
    {
        public const int Q = 0, K = 1, V = 2, O = 3, Gate = 4, Up = 5, Down = 6, Projections = 7;

        public readonly int FirstLayer;
        public readonly int Layers;
        public readonly int Rank;
        public readonly float Alpha;
        /// <summary>Whether the adapters carry gradient buffers (a tuning set) or only weights (an inference set).</summary>
        public readonly bool Trainable;
        /// <summary>Layers of the top window (inference applies adapters to layers Layers-Window .. Layers-1).</summary>
        public int Window;
        private readonly int _dim, _hidden, _kvDim;
        private readonly LoraAdapter[] _adapters; // [(layer - FirstLayer) * 7 + projection]

        /// <param name="trainable">Give every adapter gradient buffers (for tuning); adapters only applied need none.</param>
        public AdapterSet(ModelConfig c, int firstLayer, int rank, float alpha, bool trainable, MemoryLedger ledger)
        {
            if (firstLayer < 0 || firstLayer >= c.Layers) throw new System.ArgumentOutOfRangeException("firstLayer");
            if (rank < 1) throw new System.ArgumentOutOfRangeException("rank");
            FirstLayer = firstLayer;
            Layers = c.Layers;
            Rank = rank;
            Alpha = alpha;
            _dim = c.Dim;
            _hidden = c.HiddenDim;
            _kvDim = c.KvDim;
            Window = c.Layers - firstLayer;
            Trainable = trainable;
            _adapters = new LoraAdapter[(c.Layers - firstLayer) * Projections];
            float[] product = ledger.Floats("lora.product", _hidden > _dim ? _hidden : _dim); // the widest output: hidden or dim (≥ kv_dim)
            for (int l = firstLayer; l < c.Layers; l++)
                for (int p = 0; p < Projections; p++)
                    _adapters[(l - firstLayer) * Projections + p] = new LoraAdapter(InputsOf(p), OutputsOf(p), rank, alpha, trainable, ledger,
                        "lora." + TensorNames.Layer(l, ProjectionName(p)), product);
        }

        /// <summary>Trainable parameters (A and B of every adapter).</summary>
        public static long Parameters(ModelConfig c, int layers, int rank)
        {
            long perLayer = (long)rank * (2 * (c.Dim + c.Dim) + 2 * (c.Dim + c.KvDim) + 2 * (c.Dim + c.HiddenDim) + (c.HiddenDim + c.Dim));
            return perLayer * layers;
        }

        public bool Has(int layer) { return layer >= FirstLayer && layer < Layers; }
        public int Count { get { return _adapters.Length; } }
        public LoraAdapter At(int index) { return _adapters[index]; }
        public LoraAdapter Get(int layer, int projection) { return _adapters[(layer - FirstLayer) * Projections + projection]; }

        /// <summary>y += LoRA(x) for one projection of one layer, on the pass's kernels.</summary>
        public void Apply(IKernels k, int layer, int projection, float[] x, float[] y)
        {
            Get(layer, projection).Forward(k, x, 0, y, 0);
        }

        public void Initialize(ulong seed)
        {
            ulong s = seed == 0 ? 1UL : seed;
            for (int i = 0; i < _adapters.Length; i++) _adapters[i].Initialize(ref s);
        }

        public void ZeroGrad()
        {
            for (int i = 0; i < _adapters.Length; i++) _adapters[i].ZeroGrad();
        }

        /// <summary>A0, B0, A1, B1, ... (for the optimizer; one new array of references).</summary>
        public float[][] ParameterArrays()
        {
            float[][] p = new float[_adapters.Length * 2][];
            for (int i = 0; i < _adapters.Length; i++) { p[2 * i] = _adapters[i].A; p[2 * i + 1] = _adapters[i].B; }
            return p;
        }

        /// <summary>Lengths of A0, B0, A1, B1, ... (what the optimizer sizes its state by, even for a measuring ledger's empty arrays).</summary>
        public int[] ParameterLengths()
        {
            int[] n = new int[_adapters.Length * 2];
            for (int i = 0; i < _adapters.Length; i++)
            {
                n[2 * i] = _adapters[i].Rank * _adapters[i].In;
                n[2 * i + 1] = _adapters[i].Out * _adapters[i].Rank;
            }
            return n;
        }

        /// <summary>GradA0, GradB0, ... in the order of <see cref="ParameterArrays"/>.</summary>
        public float[][] GradientArrays()
        {
            float[][] g = new float[_adapters.Length * 2][];
            for (int i = 0; i < _adapters.Length; i++) { g[2 * i] = _adapters[i].GradA; g[2 * i + 1] = _adapters[i].GradB; }
            return g;
        }

        // As a gradient sink: the adapter of (layer, projection) adds its part of dx and its gradients; the classifier,
        // norms and embedding have no adapters and stay frozen.
        void IParameterGradients.Linear(IKernels k, int layer, int projection, float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff)
        {
            if (projection < Projections && Has(layer)) Get(layer, projection).Backward(k, x, xOff, dy, dyOff, dx, dxOff);
        }

        float[] IParameterGradients.NormGradient(int layer, int norm) { return null; }

        void IParameterGradients.Embedding(int token, float[] g) { }

        public int InputsOf(int p) { return p == Down ? _hidden : (p == O ? _dim : _dim); }
        public int OutputsOf(int p)
        {
            switch (p)
            {
                case K: case V: return _kvDim;
                case Gate: case Up: return _hidden;
                default: return _dim;
            }
        }

        public static string ProjectionName(int p)
        {
            switch (p)
            {
                case Q: return TensorNames.Wq;
                case K: return TensorNames.Wk;
                case V: return TensorNames.Wv;
                case O: return TensorNames.Wo;
                case Gate: return TensorNames.W1;
                case Up: return TensorNames.W3;
                default: return TensorNames.W2;
            }
        }

        public const int HeaderBytes = 32;

        /// <summary>Bytes of the serialized payload.</summary>
        public int SerializedBytes
        {
            get
            {
                long n = HeaderBytes;
                for (int i = 0; i < _adapters.Length; i++) n += (_adapters[i].A.Length + _adapters[i].B.Length) * 4L;
                return (int)n;
            }
        }

        public void Serialize(byte[] dest, int at)
        {
            LittleEndian.WriteInt32(dest, at, FirstLayer);
            LittleEndian.WriteInt32(dest, at + 4, Layers);
            LittleEndian.WriteInt32(dest, at + 8, Rank);
            PutFloat(dest, at + 12, Alpha);
            LittleEndian.WriteInt32(dest, at + 16, _dim);
            LittleEndian.WriteInt32(dest, at + 20, _hidden);
            LittleEndian.WriteInt32(dest, at + 24, _kvDim);
            LittleEndian.WriteInt32(dest, at + 28, Window);
            int p = at + HeaderBytes;
            for (int i = 0; i < _adapters.Length; i++)
            {
                p = PutFloats(dest, p, _adapters[i].A);
                p = PutFloats(dest, p, _adapters[i].B);
            }
        }

        /// <summary>Reads a payload written by <see cref="Serialize"/> for this model; throws naming what does not match.</summary>
        public static AdapterSet Deserialize(byte[] src, int at, int length, ModelConfig c, bool trainable, MemoryLedger ledger)
        {
            int first, rank, window;
            float alpha;
            ReadHeader(src, at, length, c, out first, out rank, out alpha, out window);
            AdapterSet set = new AdapterSet(c, first, rank, alpha, trainable, ledger);
            set.Window = window;
            if (length != set.SerializedBytes) throw new ModelFormatException("adapters: " + length.ToString() + " bytes, expected " + set.SerializedBytes.ToString());
            int p = at + HeaderBytes;
            for (int i = 0; i < set._adapters.Length; i++)
            {
                p = GetFloats(src, p, set._adapters[i].A);
                p = GetFloats(src, p, set._adapters[i].B);
            }
            return set;
        }

        /// <summary>The layers a serialized set covers (from its first layer to the top) and its rank; checks the header.</summary>
        public static void ReadShape(byte[] src, int at, int length, ModelConfig c, out int adaptedLayers, out int rank)
        {
            int first, window;
            float alpha;
            ReadHeader(src, at, length, c, out first, out rank, out alpha, out window);
            adaptedLayers = c.Layers - first;
        }

        private static void ReadHeader(byte[] src, int at, int length, ModelConfig c, out int first, out int rank, out float alpha, out int window)
        {
            if (length < HeaderBytes) throw new ModelFormatException("adapters: truncated header");
            first = LittleEndian.ReadInt32(src, at);
            int layers = LittleEndian.ReadInt32(src, at + 4);
            rank = LittleEndian.ReadInt32(src, at + 8);
            alpha = LittleEndian.ReadSingle(src, at + 12);
            if (layers != c.Layers || LittleEndian.ReadInt32(src, at + 16) != c.Dim || LittleEndian.ReadInt32(src, at + 20) != c.HiddenDim
                || LittleEndian.ReadInt32(src, at + 24) != c.KvDim)
                throw new ModelFormatException("adapters were trained for a different model shape");
            if (first < 0 || first >= layers || rank < 1 || rank > 4096)
                throw new ModelFormatException("adapters: first layer " + first.ToString() + " / rank " + rank.ToString() + " out of range");
            // Checked before anything is allocated: the declared rank sizes every adapter, and the payload must hold them all.
            long expected = HeaderBytes + 4 * Parameters(c, layers - first, rank);
            if (length != expected) throw new ModelFormatException("adapters: " + length.ToString() + " bytes, expected " + expected.ToString());
            window = LittleEndian.ReadInt32(src, at + 28);
            if (window < 1 || window > layers - first) throw new ModelFormatException("adapters: window " + window.ToString() + " out of range");
        }

        private static void PutFloat(byte[] b, int at, float v)
        {
            LittleEndian.WriteInt32(b, at, Protocol.FloatBits.ToBits(v)); // no array per value, unlike BitConverter.GetBytes
        }

        private static int PutFloats(byte[] b, int at, float[] v)
        {
            for (int i = 0; i < v.Length; i++) PutFloat(b, at + i * 4, v[i]);
            return at + v.Length * 4;
        }

        private static int GetFloats(byte[] b, int at, float[] v)
        {
            for (int i = 0; i < v.Length; i++) v[i] = LittleEndian.ReadSingle(b, at + i * 4);
            return at + v.Length * 4;
        }
    }
}
