using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// The Llama forward pass, one token at a time, written top to bottom like llama2.c's run.c:
    /// embedding → per layer [attention block: RMSNorm → q,k,v → RoPE → grouped-query attention over the KV cache → wo
    /// → residual; FFN block: RMSNorm → the layer's FFN → residual] → final RMSNorm → classifier.
    /// All activation buffers and the KV cache are allocated once here (through the ledger); a pass allocates nothing.
    /// What a caller adds to a pass (adapters, an activation recorder, a phase observer) comes as <see cref="ForwardHooks"/>
    /// with each call (<see cref="ForwardHooks.None"/> for the plain model); the transformer itself keeps no hooks.
    /// </summary>
    public sealed class Transformer
    {
        private readonly ModelConfig _c;
        private readonly LlamaWeights _w;
        private readonly IKernels _kern;
        private readonly int _context;
        private readonly IFfn[] _ffn;      // per layer: dense or packed, chosen at load

        // Activations (llama2.c names). Shapes in comments.
        private readonly float[] _x;       // (dim) residual stream
        private readonly float[] _xb;      // (dim) normed input / attention output
        private readonly float[] _xb2;     // (dim) projection output
        private readonly float[] _hb;      // (hidden) FFN gate, used by the dense FFNs
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
        /// <summary>The logits of the last <see cref="Forward(int, int)"/> call.</summary>
        public float[] Logits { get { return _logits; } }
        /// <summary>The KV cache (float keys/values are what backward passes read).</summary>
        public KvCache Cache { get { return _cache; } }
        public bool KvInt8 { get { return _cache.Int8; } }
        /// <summary>RoPE's per-pair frequencies (head_size / 2), for a backward pass to rotate gradients back.</summary>
        public float[] RopeFrequencies { get { return _ropeFreq; } }
        /// <summary>The residual stream of the current position (dim); what layers read and write.</summary>
        public float[] Hidden { get { return _x; } }

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
            _ffn = new IFfn[config.Layers];
            if (ledger.Measuring) return; // sizes are all a measuring ledger wants
            Rope.Frequencies(config.HeadSize, config.RopeTheta, _ropeFreq);
            for (int l = 0; l < config.Layers; l++)
            {
                FfnBundles packed = weights.PackedFfn(l);
                _ffn[l] = packed != null ? (IFfn)packed : new DenseFfn(weights.W1[l], weights.W2[l], weights.W3[l], config.FfnActivation, _hb, _hb2);
            }
        }

        /// <summary>Runs one token at position <paramref name="pos"/> through the plain model; returns the logits (a reused buffer).</summary>
        public float[] Forward(int token, int pos)
        {
            return Forward(token, pos, ForwardHooks.None);
        }

        /// <summary>Runs one token at position <paramref name="pos"/> with <paramref name="hooks"/>; returns the logits.</summary>
        public float[] Forward(int token, int pos, ForwardHooks hooks)
        {
            Embed(token, pos, hooks);
            RunLayers(pos, 0, _c.Layers - 1, hooks);
            return Exit(hooks);
        }

        /// <summary>Layer <paramref name="layer"/>'s feed-forward block as loaded: dense, or packed bundles (with their cache).</summary>
        public IFfn Ffn(int layer)
        {
            return _ffn[layer];
        }

        /// <summary>Puts the embedding of <paramref name="token"/> into the residual stream for position <paramref name="pos"/>.</summary>
        public void Embed(int token, int pos, ForwardHooks hooks)
        {
            if (token < 0 || token >= _c.VocabSize) throw new System.ArgumentOutOfRangeException("token");
            if (pos < 0 || pos >= _context) throw new System.ArgumentOutOfRangeException("pos", "position is beyond the context length");
            hooks.Phase(ForwardPhase.Embedding);
            _w.TokenEmbedding.CopyRow(token, _x, 0);
        }

        /// <summary>Replaces the residual stream (dim values) — to continue another stream's pass from here.</summary>
        public void SetHidden(float[] source)
        {
            System.Array.Copy(source, _x, _c.Dim);
        }

        /// <summary>
        /// Runs layers <paramref name="from"/>..<paramref name="to"/> (inclusive) on the residual stream at <paramref name="pos"/>.
        /// The hooks' taps (Save, Adapt, Phase) cost a call each and do nothing unless the caller asked for them.
        /// </summary>
        public void RunLayers(int pos, int from, int to, ForwardHooks hooks)
        {
            ModelConfig c = _c;
            int dim = c.Dim;
            int headSize = c.HeadSize;
            Rope.Angles(pos, _ropeFreq, _ropeCos, _ropeSin);

            for (int l = from; l <= to; l++)
            {
                hooks.Save(l, pos, ActivationSlot.LayerInput, _x);

                // ---- Attention block: x += wo · attention(rope(wq · xb), rope(wk · xb), wv · xb), xb = rmsnorm(x).
                hooks.Phase(ForwardPhase.AttentionProjections);
                _kern.RmsNorm(_x, _w.RmsAtt[l].F32, 0, _xb, dim, c.NormEps);
                hooks.Save(l, pos, ActivationSlot.AttentionNorm, _xb);
                _w.Wq[l].MatVec(_kern, _xb, 0, _q, 0);
                _w.Wk[l].MatVec(_kern, _xb, 0, _k, 0);
                _w.Wv[l].MatVec(_kern, _xb, 0, _v, 0);
                hooks.Adapt(_kern, l, AdapterSet.Q, _xb, _q);
                hooks.Adapt(_kern, l, AdapterSet.K, _xb, _k);
                hooks.Adapt(_kern, l, AdapterSet.V, _xb, _v);
                // RoPE on every query and key head; then this position's key and value go into the cache.
                _kern.Rope(_ropeCos, _ropeSin, _q, 0, dim, headSize);
                _kern.Rope(_ropeCos, _ropeSin, _k, 0, c.KvDim, headSize);
                _cache.Store(l, pos, _k, _v);
                hooks.Save(l, pos, ActivationSlot.Query, _q);

                // Grouped-query attention: query head h reads key/value head h / kv_mul, positions 0..pos.
                hooks.Phase(ForwardPhase.Attention);
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
                hooks.Save(l, pos, ActivationSlot.AttentionOutput, _xb);
                hooks.Phase(ForwardPhase.AttentionProjections);
                _w.Wo[l].MatVec(_kern, _xb, 0, _xb2, 0);
                hooks.Adapt(_kern, l, AdapterSet.O, _xb, _xb2);
                _kern.Axpy(1f, _xb2, 0, _x, 0, dim);
                hooks.Save(l, pos, ActivationSlot.AttentionResidual, _x);

                // ---- FFN block: x += ffn(rmsnorm(x)), with the layer's FFN dense (w2(act(w1 x) ⊙ w3 x)) or packed.
                hooks.Phase(ForwardPhase.Ffn);
                _kern.RmsNorm(_x, _w.RmsFfn[l].F32, 0, _xb, dim, c.NormEps);
                hooks.Save(l, pos, ActivationSlot.FfnNorm, _xb);
                _ffn[l].Forward(_kern, l, pos, _xb, _xb2, hooks);
                _kern.Axpy(1f, _xb2, 0, _x, 0, dim);
            }
        }

        /// <summary>Final RMSNorm and classifier on the residual stream (left unchanged); returns the logits.</summary>
        public float[] Exit(ForwardHooks hooks)
        {
            hooks.Phase(ForwardPhase.Classifier);
            _kern.RmsNorm(_x, _w.RmsFinal.F32, 0, _xb, _c.Dim, _c.NormEps);
            _w.Classifier.MatVec(_kern, _xb, 0, _logits, 0);
            hooks.Phase(ForwardPhase.Done);
            return _logits;
        }
    }
}
