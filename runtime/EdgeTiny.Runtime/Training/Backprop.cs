using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Next-token cross-entropy and its backward pass through a window of consecutive layers, with the exit on the
    /// window's top (final RMSNorm + classifier). The forward pass runs the layers below as inference does (weights
    /// streamed if the plan says so) and keeps activations only inside the window; the backward pass stops at the
    /// window's bottom. What is trained is up to the <see cref="IParameterGradients"/> sink: LoRA adapters on the device,
    /// every weight on the desktop trainer. All buffers come from the ledger at construction; a pass allocates nothing.
    /// </summary>
    public sealed class Backprop : IActivationRecorder
    {
        /// <summary>Projection index of the classifier (at layer = n_layers) for <see cref="IParameterGradients.Linear"/>.</summary>
        public const int Classifier = AdapterSet.Projections;
        /// <summary>Norm indices for <see cref="IParameterGradients.NormGradient"/>.</summary>
        public const int AttentionNorm = 0, FfnNorm = 1, FinalNorm = 2;

        private readonly Transformer _t;
        private readonly LlamaWeights _w;
        private readonly ModelConfig _c;
        private readonly IKernels _k;
        private readonly int _maxWindow;
        private readonly int _seqLen;
        private int _bottom, _top;
        private IParameterGradients _grads;
        private readonly ForwardHooks _recording; // adapters (if any) + this recorder: ForwardBackward's forward pass
        private readonly ForwardHooks _plain;     // adapters only: Loss

        // Saved activations: [window slot][position * stride + slot offset]; slot sizes in SlotSize.
        private readonly float[][] _saved;
        private readonly int _stride;
        private readonly int[] _slotOffset = new int[ActivationSlot.Count];
        private readonly float[] _gTop;       // (T, dim) loss gradient w.r.t. the exit layer's output
        private readonly float[][] _dK;       // per window slot (T, kv_dim) gradients w.r.t. rotated keys
        private readonly float[][] _dV;       // per window slot (T, kv_dim)
        // Scratch (one position at a time).
        private readonly float[] _g, _dMid, _dxb, _da, _dq, _dk, _dv, _tmp, _xf;
        private readonly float[] _hb, _dhb, _dh1, _dh3;
        private readonly float[] _p, _dp;
        private readonly float[] _ropeCos, _ropeSin; // (head_size / 2) RoPE angles of the position being backpropagated
        private readonly float[] _dlogits;
        private float _penaltyScale; // ActivationL1 / positions, for this ForwardBackward

        /// <param name="adapters">LoRA adapters the forward pass adds on the window (the tuner's); null = the plain model (the trainer's).</param>
        public Backprop(Transformer model, LlamaWeights weights, AdapterSet adapters, int sequenceLength, int windowLayers, MemoryLedger ledger)
        {
            _t = model;
            _w = weights;
            _c = model.Config;
            _k = model.Kernels;
            if (model.KvInt8) throw new System.InvalidOperationException("training needs a float KV cache");
            if (sequenceLength < 2 || sequenceLength > model.ContextLength)
                throw new System.ArgumentOutOfRangeException("sequenceLength", "must be in 2.." + model.ContextLength.ToString());
            if (windowLayers < 1 || windowLayers > _c.Layers) throw new System.ArgumentOutOfRangeException("windowLayers");
            _seqLen = sequenceLength;
            _maxWindow = windowLayers;

            int dim = _c.Dim, hidden = _c.HiddenDim, kv = _c.KvDim;
            int at = 0;
            for (int s = 0; s < ActivationSlot.Count; s++)
            {
                _slotOffset[s] = at;
                at += SlotSize(_c, s);
            }
            _stride = at;
            _saved = new float[windowLayers][];
            _dK = new float[windowLayers][];
            _dV = new float[windowLayers][];
            for (int i = 0; i < windowLayers; i++)
            {
                _saved[i] = ledger.Floats("tune.saved", sequenceLength * _stride);
                _dK[i] = ledger.Floats("tune.dK", sequenceLength * kv);
                _dV[i] = ledger.Floats("tune.dV", sequenceLength * kv);
            }
            _gTop = ledger.Floats("tune.gTop", sequenceLength * dim);
            _g = ledger.Floats("tune.g", dim);
            _dMid = ledger.Floats("tune.dMid", dim);
            _dxb = ledger.Floats("tune.dxb", dim);
            _da = ledger.Floats("tune.da", dim);
            _dq = ledger.Floats("tune.dq", dim);
            _dk = ledger.Floats("tune.dk", kv);
            _dv = ledger.Floats("tune.dv", kv);
            _tmp = ledger.Floats("tune.tmp", dim);
            _xf = ledger.Floats("tune.xf", dim);
            _hb = ledger.Floats("tune.hb", hidden);
            _dhb = ledger.Floats("tune.dhb", hidden);
            _dh1 = ledger.Floats("tune.dh1", hidden);
            _dh3 = ledger.Floats("tune.dh3", hidden);
            _p = ledger.Floats("tune.p", sequenceLength);
            _dp = ledger.Floats("tune.dp", sequenceLength);
            _dlogits = ledger.Floats("tune.dlogits", _c.VocabSize);
            _ropeCos = ledger.Floats("tune.ropeCos", _c.HeadSize / 2);
            _ropeSin = ledger.Floats("tune.ropeSin", _c.HeadSize / 2);
            if (ledger.Measuring) return; // the memory planner only wanted the sizes
            _recording = new ForwardHooks(weights, adapters, this, null);
            _plain = new ForwardHooks(weights, adapters, null, null);
            SetWindow(_c.Layers - windowLayers, _c.Layers - 1);
        }

        private static int SlotSize(ModelConfig c, int slot)
        {
            return slot == ActivationSlot.Gate || slot == ActivationSlot.Up ? c.HiddenDim : c.Dim;
        }

        public int Bottom { get { return _bottom; } }
        public int Top { get { return _top; } }
        public int MaxWindow { get { return _maxWindow; } }
        public int SequenceLength { get { return _seqLen; } }

        /// <summary>Where parameter gradients go; must be set before <see cref="ForwardBackward"/>.</summary>
        public IParameterGradients Gradients { get { return _grads; } set { _grads = value; } }

        /// <summary>
        /// λ of an L1 penalty on the FFN activations, λ · mean over positions of Σ_layers Σ_i |act(gate_i)| (ProSparse's
        /// sparsity regulariser): with a ReLU gate it drives neurons to exact zeros, so fewer are read per token. Its
        /// gradient is added in the backward pass; the loss returned stays the plain cross-entropy. 0 = off.
        /// </summary>
        public float ActivationL1;

        /// <summary>Backpropagates through layers bottom..top with the exit at top (at most the window size given at construction).</summary>
        public void SetWindow(int bottom, int top)
        {
            if (bottom < 0 || top >= _c.Layers || top < bottom || top - bottom + 1 > _maxWindow)
                throw new System.ArgumentOutOfRangeException("bottom", "window " + bottom.ToString() + ".." + top.ToString() + " is not trainable");
            for (int l = bottom; l <= top; l++)
                if (_w.PackedFfn(l) != null)
                    throw new System.NotSupportedException(ForwardHooks.PackedLayerMessage(l));
            _bottom = bottom;
            _top = top;
            _recording.SetWindow(bottom, top);
            _plain.SetWindow(bottom, top);
        }

        public bool Records(int layer) { return layer >= _bottom && layer <= _top; }

        public void Save(int layer, int pos, int slot, float[] values)
        {
            System.Array.Copy(values, 0, _saved[layer - _bottom], pos * _stride + _slotOffset[slot], SlotSize(_c, slot));
        }

        /// <summary>Mean next-token loss of tokens[0..count) at this window's exit (no gradients).</summary>
        public float Loss(int[] tokens, int count)
        {
            if (count < 2 || count > _t.ContextLength) throw new System.ArgumentOutOfRangeException("count");
            float loss = 0f;
            int n = count - 1;
            for (int pos = 0; pos < n; pos++)
            {
                _t.Embed(tokens[pos], pos, _plain);
                _t.RunLayers(pos, 0, _top, _plain);
                loss += Backward.CrossEntropy(_t.Exit(_plain), _c.VocabSize, tokens[pos + 1], _dlogits, 1f);
            }
            return loss / n;
        }

        /// <summary>Multiplies the loss (and so every gradient) of the next <see cref="ForwardBackward(int[], int, float[])"/>: the weight of one term of a joint objective.</summary>
        public float LossWeight = 1f;

        /// <summary>
        /// Forward with recording, the mean next-token loss of tokens[0..count), and the backward pass, adding
        /// (1/(count−1)) · dLoss/dθ into the sink. Returns the mean loss.
        /// </summary>
        public float ForwardBackward(int[] tokens, int count)
        {
            return ForwardBackward(tokens, count, null);
        }

        /// <summary>
        /// As <see cref="ForwardBackward(int[], int)"/>, but with <paramref name="targets"/> ((count−1) × vocab probabilities)
        /// the loss at each position is KL(target ‖ model) instead of the next token's cross-entropy: distillation.
        /// </summary>
        public float ForwardBackward(int[] tokens, int count, float[] targets)
        {
            if (count < 2 || count > _seqLen) throw new System.ArgumentOutOfRangeException("count");
            if (_grads == null) throw new System.InvalidOperationException("no gradient sink");
            int n = count - 1, dim = _c.Dim;
            float scale = LossWeight / n;
            _penaltyScale = ActivationL1 * scale;
            float loss = 0f;
            float[] finalNormGrad = _grads.NormGradient(_c.Layers, FinalNorm);
            for (int pos = 0; pos < n; pos++)
            {
                _t.Embed(tokens[pos], pos, _recording);
                _t.RunLayers(pos, 0, _top, _recording);
                float[] logits = _t.Exit(_recording);
                loss += targets == null
                    ? Backward.CrossEntropy(logits, _c.VocabSize, tokens[pos + 1], _dlogits, scale)
                    : Backward.SoftCrossEntropy(logits, _c.VocabSize, targets, pos * _c.VocabSize, _dlogits, scale);
                // Through the classifier and final RMSNorm to the exit layer's output.
                System.Array.Clear(_tmp, 0, dim);
                _w.Classifier.MatTVecAdd(_k, _dlogits, 0, _tmp, 0);
                _k.RmsNorm(_t.Hidden, _w.RmsFinal.F32, 0, _xf, dim, _c.NormEps);
                _grads.Linear(_k, _c.Layers, Classifier, _xf, 0, _dlogits, 0, _tmp, 0);
                System.Array.Clear(_gTop, pos * dim, dim);
                Backward.RmsNorm(_t.Hidden, 0, _w.RmsFinal.F32, _tmp, 0, _gTop, pos * dim, finalNormGrad, dim, _c.NormEps);
            }

            for (int i = 0; i <= _top - _bottom; i++)
            {
                System.Array.Clear(_dK[i], 0, _dK[i].Length);
                System.Array.Clear(_dV[i], 0, _dV[i].Length);
            }
            // Positions last to first: when position t is reached, every later query has added its share to key/value t.
            for (int pos = n - 1; pos >= 0; pos--)
            {
                System.Array.Copy(_gTop, pos * dim, _g, 0, dim);
                Rope.Angles(pos, _t.RopeFrequencies, _ropeCos, _ropeSin);
                for (int l = _top; l >= _bottom; l--) LayerBackward(l, pos);
                if (_bottom == 0) _grads.Embedding(tokens[pos], _g);
            }
            return loss / n;
        }

        /// <summary>_g holds dL/d(layer output) at pos; on return it holds dL/d(layer input).</summary>
        private void LayerBackward(int l, int pos)
        {
            ModelConfig c = _c;
            IParameterGradients grads = _grads;
            int dim = c.Dim, hidden = c.HiddenDim, kv = c.KvDim, hs = c.HeadSize;
            float[] s = _saved[l - _bottom];
            int b = pos * _stride;
            int xIn = b + _slotOffset[ActivationSlot.LayerInput], xbA = b + _slotOffset[ActivationSlot.AttentionNorm];
            int q = b + _slotOffset[ActivationSlot.Query], a = b + _slotOffset[ActivationSlot.AttentionOutput];
            int xMid = b + _slotOffset[ActivationSlot.AttentionResidual], xbF = b + _slotOffset[ActivationSlot.FfnNorm];
            int h1 = b + _slotOffset[ActivationSlot.Gate], h3 = b + _slotOffset[ActivationSlot.Up];

            // FFN: f = W2·(act(h1) ⊙ h3), x_out = x_mid + f.
            System.Array.Copy(s, h1, _hb, 0, hidden);
            System.Array.Copy(s, h3, _dhb, 0, hidden); // the up activations, for the kernel's second operand only
            _k.GatedActivation(_hb, _dhb, hidden, c.FfnActivation);
            System.Array.Clear(_dhb, 0, hidden);
            _w.W2[l].MatTVecAdd(_k, _g, 0, _dhb, 0);
            grads.Linear(_k, l, AdapterSet.Down, _hb, 0, _g, 0, _dhb, 0);
            Backward.GatedActivation(s, h1, s, h3, _dhb, _dh1, _dh3, hidden, c.FfnActivation);
            if (_penaltyScale != 0f) Backward.AddActivationL1(s, h1, _dh1, hidden, c.FfnActivation, _penaltyScale);
            System.Array.Clear(_dxb, 0, dim);
            _w.W1[l].MatTVecAdd(_k, _dh1, 0, _dxb, 0);
            grads.Linear(_k, l, AdapterSet.Gate, s, xbF, _dh1, 0, _dxb, 0);
            _w.W3[l].MatTVecAdd(_k, _dh3, 0, _dxb, 0);
            grads.Linear(_k, l, AdapterSet.Up, s, xbF, _dh3, 0, _dxb, 0);
            System.Array.Copy(_g, _dMid, dim);
            Backward.RmsNorm(s, xMid, _w.RmsFfn[l].F32, _dxb, 0, _dMid, 0, grads.NormGradient(l, FfnNorm), dim, c.NormEps);

            // Attention output projection: x_mid = x_in + Wo·a.
            System.Array.Clear(_da, 0, dim);
            _w.Wo[l].MatTVecAdd(_k, _dMid, 0, _da, 0);
            grads.Linear(_k, l, AdapterSet.O, s, a, _dMid, 0, _da, 0);

            // Attention: recompute the probabilities of query pos over keys 0..pos with the forward pass's kernels.
            float[] keys = _t.Cache.Keys(l), values = _t.Cache.Values(l);
            float[] dK = _dK[l - _bottom], dV = _dV[l - _bottom];
            float sqrt = (float)System.Math.Sqrt(hs);
            System.Array.Clear(_dq, 0, dim);
            for (int h = 0; h < c.Heads; h++)
            {
                int qh = q + h * hs, dh = h * hs, kvOff = (h / c.KvMul) * hs;
                _k.AttentionScores(s, qh, keys, kvOff, _p, 0, pos + 1, hs, kv, sqrt);
                _k.Softmax(_p, 0, pos + 1);
                // out_h = Σ_u p_u v_u: dp_u = da_h · v_u (scores against the values, scale 1), dv_u += p_u da_h.
                _k.AttentionScores(_da, dh, values, kvOff, _dp, 0, pos + 1, hs, kv, 1f);
                _k.Ger(1f, _p, 0, _da, dh, dV, kvOff, pos + 1, hs, kv);
                Backward.Softmax(_p, 0, _dp, 0, pos + 1);
                // score_u = q_h · k_u / sqrt(hs): with ds_u = dp_u / sqrt(hs), dq_h = Σ_u ds_u k_u (dq_h is still 0:
                // a weighted sum of keys, as the forward pass's of values) and dk_u += ds_u q_h.
                for (int u = 0; u <= pos; u++) _dp[u] /= sqrt;
                _k.AttentionValues(_dp, 0, keys, kvOff, _dq, dh, pos + 1, hs, kv);
                _k.Ger(1f, _dp, 0, s, qh, dK, kvOff, pos + 1, hs, kv);
            }

            // Key and value of this position are complete now; undo RoPE on dq and dk, then through the projections.
            Rope.RotateInverse(_dq, 0, dim, hs, _ropeCos, _ropeSin);
            System.Array.Copy(dK, pos * kv, _dk, 0, kv);
            Rope.RotateInverse(_dk, 0, kv, hs, _ropeCos, _ropeSin);
            System.Array.Copy(dV, pos * kv, _dv, 0, kv);
            System.Array.Clear(_dxb, 0, dim);
            _w.Wq[l].MatTVecAdd(_k, _dq, 0, _dxb, 0);
            grads.Linear(_k, l, AdapterSet.Q, s, xbA, _dq, 0, _dxb, 0);
            _w.Wk[l].MatTVecAdd(_k, _dk, 0, _dxb, 0);
            grads.Linear(_k, l, AdapterSet.K, s, xbA, _dk, 0, _dxb, 0);
            _w.Wv[l].MatTVecAdd(_k, _dv, 0, _dxb, 0);
            grads.Linear(_k, l, AdapterSet.V, s, xbA, _dv, 0, _dxb, 0);

            // x_in feeds both the residual and the attention RMSNorm.
            System.Array.Copy(_dMid, _g, dim);
            Backward.RmsNorm(s, xIn, _w.RmsAtt[l].F32, _dxb, 0, _g, 0, grads.NormGradient(l, AttentionNorm), dim, c.NormEps);
        }
    }
}
