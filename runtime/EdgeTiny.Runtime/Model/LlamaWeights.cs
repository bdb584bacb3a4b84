using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>All weights of a Llama model, one <see cref="Tensor"/> each, indexed by layer.</summary>
    public sealed class LlamaWeights
    {
        public Tensor TokenEmbedding;   // (vocab, dim)
        public Tensor[] RmsAtt;         // per layer (1, dim)
        public Tensor[] Wq;             // per layer (dim, dim)
        public Tensor[] Wk;             // per layer (kv_dim, dim)
        public Tensor[] Wv;             // per layer (kv_dim, dim)
        public Tensor[] Wo;             // per layer (dim, dim)
        public Tensor[] RmsFfn;         // per layer (1, dim)
        public Tensor[] W1;             // per layer (hidden, dim): gate
        public Tensor[] W2;             // per layer (dim, hidden): down
        public Tensor[] W3;             // per layer (hidden, dim): up
        public Tensor RmsFinal;         // (1, dim)
        public Tensor Classifier;       // (vocab, dim); the embedding itself when shared
        /// <summary>
        /// Packed (bundled, sparse) FFNs per layer; null when no layer is packed, and null entries for layers stored as
        /// plain w1/w2/w3 (a file meant for on-device tuning keeps its tuned top layers dense: backprop needs them).
        /// </summary>
        public FfnBundles[] Ffn;

        /// <summary>The packed FFN of layer l, or null when that layer's FFN is plain matrices.</summary>
        public FfnBundles PackedFfn(int l)
        {
            return Ffn == null ? null : Ffn[l];
        }

        /// <summary>Whether the file stores any layer's FFN as neuron bundles.</summary>
        public static bool IsPacked(EtbReader reader, ModelConfig c)
        {
            for (int l = 0; l < c.Layers; l++) if (IsPackedLayer(reader, l)) return true;
            return false;
        }

        /// <summary>Whether the file stores layer l's FFN as neuron bundles.</summary>
        public static bool IsPackedLayer(EtbReader reader, int l)
        {
            return reader.Find(TensorNames.Layer(l, TensorNames.FfnBundles)) != null;
        }

        /// <summary>Per layer: whether its FFN is packed.</summary>
        public static bool[] PackedLayers(EtbReader reader, ModelConfig c)
        {
            bool[] packed = new bool[c.Layers];
            for (int l = 0; l < c.Layers; l++) packed[l] = IsPackedLayer(reader, l);
            return packed;
        }

        /// <summary>Section names of a layer's FFN matrices.</summary>
        public static bool IsFfn(string name)
        {
            return IsGate(name) || EndsWith(name, "." + TensorNames.W2) || EndsWith(name, "." + TensorNames.W3) || IsBundles(name);
        }

        /// <summary>A layer's FFN gate (w1), plain or packed.</summary>
        public static bool IsGate(string name)
        {
            return EndsWith(name, "." + TensorNames.W1);
        }

        /// <summary>A packed layer's neuron bundles.</summary>
        public static bool IsBundles(string name)
        {
            return EndsWith(name, "." + TensorNames.FfnBundles);
        }

        private static bool EndsWith(string s, string suffix)
        {
            if (s.Length < suffix.Length) return false;
            for (int i = 0; i < suffix.Length; i++) if (s[s.Length - suffix.Length + i] != suffix[i]) return false;
            return true;
        }

        /// <summary>Section names of every weight matrix (what may stream) of a plain model.</summary>
        public static string[] MatrixNames(ModelConfig c)
        {
            return MatrixNames(c, new bool[c.Layers]);
        }

        /// <summary>Section names of every weight matrix (what may stream); a packed layer has bundles instead of w2, w3.</summary>
        public static string[] MatrixNames(ModelConfig c, bool[] packedLayers)
        {
            string[] plain = { TensorNames.Wq, TensorNames.Wk, TensorNames.Wv, TensorNames.Wo, TensorNames.W1, TensorNames.W2, TensorNames.W3 };
            string[] bundled = { TensorNames.Wq, TensorNames.Wk, TensorNames.Wv, TensorNames.Wo, TensorNames.W1, TensorNames.FfnBundles };
            int count = c.SharedClassifier ? 1 : 2;
            for (int l = 0; l < c.Layers; l++) count += packedLayers[l] ? bundled.Length : plain.Length;
            string[] names = new string[count];
            int n = 0;
            names[n++] = TensorNames.TokenEmbedding;
            if (!c.SharedClassifier) names[n++] = TensorNames.Classifier;
            for (int l = 0; l < c.Layers; l++)
            {
                string[] perLayer = packedLayers[l] ? bundled : plain;
                for (int i = 0; i < perLayer.Length; i++) names[n++] = TensorNames.Layer(l, perLayer[i]);
            }
            return names;
        }

        /// <summary>Section names of the norm weights (always resident, float32).</summary>
        public static string[] NormNames(ModelConfig c)
        {
            string[] names = new string[2 * c.Layers + 1];
            for (int l = 0; l < c.Layers; l++)
            {
                names[2 * l] = TensorNames.Layer(l, TensorNames.RmsAtt);
                names[2 * l + 1] = TensorNames.Layer(l, TensorNames.RmsFfn);
            }
            names[2 * c.Layers] = TensorNames.RmsFinal;
            return names;
        }

        /// <summary>Opens every tensor the config calls for, resident or streamed as <paramref name="plan"/> says.</summary>
        public static LlamaWeights Load(EtbReader reader, ModelConfig c, MemoryPlan plan, WeightStream stream, RuntimeOptions options, MemoryLedger ledger)
        {
            Loader load = new Loader(reader, plan, stream, options.VerifyStreamedTensors, ledger);
            bool[] packedLayers = PackedLayers(reader, c);
            bool packed = IsPacked(reader, c);
            LlamaWeights w = new LlamaWeights();
            int L = c.Layers;
            w.TokenEmbedding = load.Matrix(TensorNames.TokenEmbedding, c.VocabSize, c.Dim);
            w.RmsAtt = new Tensor[L];
            w.Wq = new Tensor[L];
            w.Wk = new Tensor[L];
            w.Wv = new Tensor[L];
            w.Wo = new Tensor[L];
            w.RmsFfn = new Tensor[L];
            w.W1 = new Tensor[L];
            w.W2 = new Tensor[L];
            w.W3 = new Tensor[L];
            for (int l = 0; l < L; l++)
            {
                w.RmsAtt[l] = load.Norm(TensorNames.Layer(l, TensorNames.RmsAtt), c.Dim);
                w.Wq[l] = load.Matrix(TensorNames.Layer(l, TensorNames.Wq), c.Dim, c.Dim);
                w.Wk[l] = load.Matrix(TensorNames.Layer(l, TensorNames.Wk), c.KvDim, c.Dim);
                w.Wv[l] = load.Matrix(TensorNames.Layer(l, TensorNames.Wv), c.KvDim, c.Dim);
                w.Wo[l] = load.Matrix(TensorNames.Layer(l, TensorNames.Wo), c.Dim, c.Dim);
                w.RmsFfn[l] = load.Norm(TensorNames.Layer(l, TensorNames.RmsFfn), c.Dim);
                w.W1[l] = load.Matrix(TensorNames.Layer(l, TensorNames.W1), c.HiddenDim, c.Dim);
                if (packedLayers[l]) continue;
                w.W2[l] = load.Matrix(TensorNames.Layer(l, TensorNames.W2), c.Dim, c.HiddenDim);
                w.W3[l] = load.Matrix(TensorNames.Layer(l, TensorNames.W3), c.HiddenDim, c.Dim);
            }
            if (packed)
            {
                float[] thresholds = Thresholds(reader, c);
                w.Ffn = new FfnBundles[L];
                for (int l = 0; l < L; l++)
                {
                    if (!packedLayers[l]) continue;
                    Tensor bundles = load.Bundles(TensorNames.Layer(l, TensorNames.FfnBundles), c.HiddenDim, 2 * c.Dim);
                    w.Ffn[l] = new FfnBundles(w.W1[l], bundles, thresholds[l], c.FfnActivation, options.Storage, options.Ffn.Collapse,
                        plan.FfnCacheBytesPerLayer, ledger, TensorNames.Layer(l, "ffn"));
                }
            }
            w.RmsFinal = load.Norm(TensorNames.RmsFinal, c.Dim);
            w.Classifier = c.SharedClassifier ? w.TokenEmbedding : load.Matrix(TensorNames.Classifier, c.VocabSize, c.Dim);
            return w;
        }

        /// <summary>The per-layer activation thresholds of a packed model (one float32 per layer).</summary>
        public static float[] Thresholds(EtbReader reader, ModelConfig c)
        {
            SectionEntry e = reader.Require(TensorNames.FfnThresholds);
            if (e.Length != c.Layers * 4L) throw new ModelFormatException("section '" + e.Name + "': " + e.Length.ToString() + " bytes, expected one float per layer");
            byte[] b = reader.ReadSection(e);
            float[] t = new float[c.Layers];
            for (int l = 0; l < c.Layers; l++) t[l] = LittleEndian.ReadSingle(b, l * 4);
            return t;
        }

        /// <summary>Loads tensors one by one through the stream's chunk (the only scratch buffer the runtime has).</summary>
        private sealed class Loader
        {
            private readonly EtbReader _reader;
            private readonly MemoryPlan _plan;
            private readonly WeightStream _stream;
            private readonly bool _verify;
            private readonly MemoryLedger _ledger;

            public Loader(EtbReader reader, MemoryPlan plan, WeightStream stream, bool verify, MemoryLedger ledger)
            {
                _reader = reader;
                _plan = plan;
                _stream = stream;
                _verify = verify;
                _ledger = ledger;
            }

            public Tensor Matrix(string name, int rows, int cols)
            {
                return Tensor.Load(_reader, name, rows, cols, _plan.IsResident(name), false, _stream, _verify, _ledger, _stream.Chunk);
            }

            /// <summary>Neuron bundles stay as stored rows whatever their codec (see <see cref="FfnBundles"/>).</summary>
            public Tensor Bundles(string name, int rows, int cols)
            {
                return Tensor.Load(_reader, name, rows, cols, _plan.IsResident(name), true, _stream, _verify, _ledger, _stream.Chunk);
            }

            /// <summary>Norm weights are tiny and feed every token at full precision; the format keeps them float32.</summary>
            public Tensor Norm(string name, int dim)
            {
                Tensor t = Tensor.Load(_reader, name, 1, dim, true, false, _stream, _verify, _ledger, _stream.Chunk);
                if (t.Codec != Codec.F32)
                    throw new ModelFormatException("section '" + name + "': norm weights must be f32, found " + Codec.Name(t.Codec));
                return t;
            }
        }
    }
}
