using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// The Llama forward pass, one token at a time, written top to bottom like llama2.c's run.c:
    /// embedding → per layer [RMSNorm → q,k,v → RoPE → grouped-query attention over the KV cache → wo → residual
    /// → RMSNorm → gated FFN → residual] → final RMSNorm → classifier.
    /// All activation buffers and the KV cache are allocated once here (through the ledger); Forward allocates nothing.
    /// </summary>
    public sealed class Transformer
    {
        private readonly ModelConfig _c;
        private readonly LlamaWeights _w;
        private readonly IKernels _kern;
        private readonly int _context;

        // Activations (llama2.c names). Shapes in comments.
        private readonly float[] _x;       // (dim) residual stream
        private readonly float[] _xb;      // (dim) normed input / attention output
        private readonly float[] _xb2;     // (dim) projection output
        private readonly float[] _hb;      // (hidden) FFN gate
        private readonly float[] _hb2;     // (hidden) FFN up
        private readonly float[] _q;       // (dim) query
        private readonly float[] _k;       // (kv_dim) key of this position, before it goes into the cache
        private readonly float[] _v;       // (kv_dim) value of this position
        private readonly float[] _att;     // (n_heads, context) attention scores
        private readonly float[] _logits;  // (vocab)
        private readonly KvCache _cache;
        private readonly float[] _ropeFreq;     // (head_size / 2) 1 / theta^(2i / head_size)
        private readonly float[] _ropeCos;      // (head_size / 2) at the current position
        private readonly float[] _ropeSin;

        public ModelConfig Config { get { return _c; } }
        public IKernels Kernels { get { return _kern; } }
        public int ContextLength { get { return _context; } }
        /// <summary>The logits of the last <see cref="Forward"/> call.</summary>
        public float[] Logits { get { return _logits; } }

        /// <param name="contextLength">Positions the KV cache holds (≤ the model's seq_len); bounds the RAM it takes.</param>
        /// <param name="kvInt8">Keep keys and values as int8 with per-head scales (a quarter of the RAM).</param>
        public Transformer(ModelConfig config, LlamaWeights weights, IKernels kernels, int contextLength, bool kvInt8, MemoryLedger ledger)
        {
            if (contextLength <= 0 || contextLength > config.SeqLen)
                throw new System.ArgumentOutOfRangeException("contextLength", "context length must be in 1.." + config.SeqLen.ToString());
            _c = config;
            _w = weights;
            _kern = kernels;
            _context = contextLength;
            int dim = config.Dim;
            _x = ledger.Floats("state.x", dim);
            _xb = ledger.Floats("state.xb", dim);
            _xb2 = ledger.Floats("state.xb2", dim);
            _hb = ledger.Floats("state.hb", config.HiddenDim);
            _hb2 = ledger.Floats("state.hb2", config.HiddenDim);
            _q = ledger.Floats("state.q", dim);
            _k = ledger.Floats("state.k", config.KvDim);
            _v = ledger.Floats("state.v", config.KvDim);
            _att = ledger.Floats("state.att", config.Heads * contextLength);
            _logits = ledger.Floats("state.logits", config.VocabSize);
            _cache = new KvCache(config, contextLength, kvInt8, ledger);
            int half = config.HeadSize / 2;
            _ropeFreq = ledger.Floats("rope.freq", half);
            _ropeCos = ledger.Floats("rope.cos", half);
            _ropeSin = ledger.Floats("rope.sin", half);
            for (int i = 0; i < half; i++)
                _ropeFreq[i] = 1f / (float)System.Math.Pow(config.RopeTheta, (2 * i) / (float)config.HeadSize);
        }

        /// <summary>Heap bytes of the activations and RoPE tables for this context (the KV cache is counted by <see cref="KvCache"/>).</summary>
        public static long StateBytes(ModelConfig c, int context)
        {
            long f = 0;
            f += 4 * MemoryLedger.ArrayCost(c.Dim * 4L);          // x, xb, xb2, q
            f += 2 * MemoryLedger.ArrayCost(c.KvDim * 4L);        // k, v
            f += 2 * MemoryLedger.ArrayCost(c.HiddenDim * 4L);    // hb, hb2
            f += MemoryLedger.ArrayCost((long)c.Heads * context * 4);
            f += MemoryLedger.ArrayCost(c.VocabSize * 4L);
            f += 3 * MemoryLedger.ArrayCost(c.HeadSize / 2 * 4L); // rope freq, cos, sin
            return f;
        }

        public bool KvInt8 { get { return _cache.Int8; } }

        /// <summary>Told where each forward pass is (for timing by layer type); null = nobody listens.</summary>
        public IForwardObserver Observer;

        private void Phase(int phase)
        {
            if (Observer != null) Observer.Phase(phase);
        }

        /// <summary>Runs one token at position <paramref name="pos"/> and returns the logits (a buffer reused by every call).</summary>
        public float[] Forward(int token, int pos)
        {
            Embed(token, pos);
            RunLayers(pos, 0, _c.Layers - 1);
            return Exit();
        }

        /// <summary>The residual stream of the current position (dim); what layers read and write.</summary>
        public float[] Hidden { get { return _x; } }

        /// <summary>Replaces the residual stream (dim values) — to continue another stream's pass from here.</summary>
        public void SetHidden(float[] source)
        {
            System.Array.Copy(source, _x, _c.Dim);
        }

        /// <summary>Puts the embedding of <paramref name="token"/> into the residual stream for position <paramref name="pos"/>.</summary>
        public void Embed(int token, int pos)
        {
            if (token < 0 || token >= _c.VocabSize) throw new System.ArgumentOutOfRangeException("token");
            if (pos < 0 || pos >= _context) throw new System.ArgumentOutOfRangeException("pos", "position is beyond the context length");
            Phase(ForwardPhase.Embedding);
            _w.TokenEmbedding.CopyRow(token, _x, 0);
        }

        /// <summary>Runs layers <paramref name="from"/>..<paramref name="to"/> (inclusive) on the residual stream at <paramref name="pos"/>.</summary>
        public void RunLayers(int pos, int from, int to)
        {
            ModelConfig c = _c;
            int dim = c.Dim;
            int kvDim = c.KvDim;
            int headSize = c.HeadSize;
            int hidden = c.HiddenDim;
            SetRopeAngles(pos);

            for (int l = from; l <= to; l++)
            {
                bool adapt = Adapters != null && l >= AdapterFrom && l <= AdapterTo && Adapters.Has(l);
                bool record = Recorder != null && Recorder.Records(l);
                if (record) Recorder.Save(l, pos, ActivationSlot.LayerInput, _x);

                // Attention block: q, k, v for this position; k is rotated, then both go into the cache.
                Phase(ForwardPhase.AttentionProjections);
                _kern.RmsNorm(_xb, _x, _w.RmsAtt[l].F32, 0, dim, c.NormEps);
                if (record) Recorder.Save(l, pos, ActivationSlot.AttentionNorm, _xb);
                _w.Wq[l].MatVec(_kern, _xb, 0, _q, 0);
                _w.Wk[l].MatVec(_kern, _xb, 0, _k, 0);
                _w.Wv[l].MatVec(_kern, _xb, 0, _v, 0);
                if (adapt)
                {
                    Adapters.Apply(l, AdapterSet.Q, _xb, _q);
                    Adapters.Apply(l, AdapterSet.K, _xb, _k);
                    Adapters.Apply(l, AdapterSet.V, _xb, _v);
                }

                // RoPE: rotate each (2i, 2i+1) pair of every query and key head by pos · freq_i.
                Rotate(_q, dim, headSize);
                Rotate(_k, kvDim, headSize);
                _cache.Store(l, pos, _k, _v);
                if (record) Recorder.Save(l, pos, ActivationSlot.Query, _q);

                // Grouped-query attention: query head h reads key/value head h / kv_mul.
                Phase(ForwardPhase.Attention);
                float scale = (float)System.Math.Sqrt(headSize);
                for (int h = 0; h < c.Heads; h++)
                {
                    int qOff = h * headSize;
                    int attOff = h * _context;
                    int kvHead = h / c.KvMul;
                    _cache.Scores(_kern, l, kvHead, _q, qOff, pos + 1, scale, _att, attOff);
                    _kern.Softmax(_att, attOff, pos + 1);
                    _cache.Values(_kern, l, kvHead, _att, attOff, pos + 1, _xb, qOff);
                }
                if (record) Recorder.Save(l, pos, ActivationSlot.AttentionOutput, _xb);
                Phase(ForwardPhase.AttentionProjections);
                _w.Wo[l].MatVec(_kern, _xb, 0, _xb2, 0);
                if (adapt) Adapters.Apply(l, AdapterSet.O, _xb, _xb2);
                _kern.Axpy(1f, _xb2, 0, _x, 0, dim);
                if (record) Recorder.Save(l, pos, ActivationSlot.AttentionResidual, _x);

                // FFN block: w2(act(w1 x) * w3 x).
                Phase(ForwardPhase.Ffn);
                _kern.RmsNorm(_xb, _x, _w.RmsFfn[l].F32, 0, dim, c.NormEps);
                if (record) Recorder.Save(l, pos, ActivationSlot.FfnNorm, _xb);
                FfnBundles packed = _w.PackedFfn(l);
                if (packed != null)
                {
                    // Packed FFN: only the active neurons' bundles are used (see FfnBundles).
                    packed.Apply(_kern, _xb, _xb2);
                    _kern.Axpy(1f, _xb2, 0, _x, 0, dim);
                    continue;
                }
                _w.W1[l].MatVec(_kern, _xb, 0, _hb, 0);
                _w.W3[l].MatVec(_kern, _xb, 0, _hb2, 0);
                if (adapt)
                {
                    Adapters.Apply(l, AdapterSet.Gate, _xb, _hb);
                    Adapters.Apply(l, AdapterSet.Up, _xb, _hb2);
                }
                if (record)
                {
                    Recorder.Save(l, pos, ActivationSlot.Gate, _hb);
                    Recorder.Save(l, pos, ActivationSlot.Up, _hb2);
                }
                _kern.GatedActivation(_hb, _hb2, hidden, c.FfnActivation);
                _w.W2[l].MatVec(_kern, _hb, 0, _xb, 0);
                if (adapt) Adapters.Apply(l, AdapterSet.Down, _hb, _xb);
                _kern.Axpy(1f, _xb, 0, _x, 0, dim);
            }
        }

        /// <summary>Final RMSNorm and classifier on the residual stream (left unchanged); returns the logits.</summary>
        public float[] Exit()
        {
            Phase(ForwardPhase.Classifier);
            _kern.RmsNorm(_xb, _x, _w.RmsFinal.F32, 0, _c.Dim, _c.NormEps);
            _w.Classifier.MatVec(_kern, _xb, 0, _logits, 0);
            Phase(ForwardPhase.Done);
            return _logits;
        }

        /// <summary>LoRA adapters added to the projections of layers AdapterFrom..AdapterTo; null = none.</summary>
        public Training.AdapterSet Adapters;
        public int AdapterFrom;
        public int AdapterTo = int.MaxValue;

        /// <summary>Keeps the activations of some layers for a backward pass (training); null = nobody.</summary>
        public Training.IActivationRecorder Recorder;

        /// <summary>The KV cache (float keys/values are what backward passes read).</summary>
        public KvCache Cache { get { return _cache; } }

        private void SetRopeAngles(int pos)
        {
            for (int i = 0; i < _ropeFreq.Length; i++)
            {
                float angle = pos * _ropeFreq[i];
                _ropeCos[i] = (float)System.Math.Cos(angle);
                _ropeSin[i] = (float)System.Math.Sin(angle);
            }
        }

        private void Rotate(float[] v, int length, int headSize)
        {
            for (int i = 0; i < length; i += 2)
            {
                int pair = (i % headSize) / 2;
                float c = _ropeCos[pair];
                float s = _ropeSin[pair];
                float v0 = v[i];
                float v1 = v[i + 1];
                v[i] = v0 * c - v1 * s;
                v[i + 1] = v0 * s + v1 * c;
            }
        }
    }
}
