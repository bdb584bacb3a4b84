using System.Numerics.Tensors;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Analysis;

/// <summary>
/// The converter's float model: the Llama forward pass over a whole token sequence at once (prefill style), used to
/// calibrate and to measure how much each compressed tensor changes the output. It runs on decoded float weights, so
/// "the model with tensor T compressed" is this model with T's weights swapped (see <see cref="Forward"/>).
/// Same math as the runtime's Transformer; the runtime stays the reference for what ships. It is written apart on
/// purpose (float MathF RoPE and activation, batched over positions): the tests check the runtime against it, which
/// would prove nothing if both called the runtime's Rope and FfnActivation helpers.
/// </summary>
public sealed class DenseModel
{
    private readonly Dictionary<string, float[]> _weights;

    public ModelConfig Config { get; }

    public DenseModel(SourceModel source)
    {
        Config = source.Config;
        _weights = source.Tensors.ToDictionary(t => t.Name, t => t.Data);
    }

    public float[] Weights(string name) => _weights[name];

    /// <summary>Capture key (per layer) of the FFN gate activations act(w1·x).</summary>
    public const string FfnActivations = "ffn_act";

    /// <summary>
    /// Logits (T × vocab) for <paramref name="tokens"/> (teacher forcing). <paramref name="swaps"/> replaces tensors'
    /// weights (by name); <paramref name="capture"/> receives every matrix's input activations (T × cols, by tensor name);
    /// <paramref name="cache"/> holds per-layer residual inputs: when given with <paramref name="fromLayer"/> &gt; 0, the
    /// run resumes from the cached input of that layer instead of recomputing the layers below it.
    /// </summary>
    /// <param name="logits">Where to write the logits (at least T × vocab; returned); null = a new array.</param>
    public float[] Forward(int[] tokens, IReadOnlyDictionary<string, float[]>? swaps = null, Action<string, float[], int>? capture = null,
        LayerCache? cache = null, int fromLayer = 0, float[]? logits = null)
    {
        float[] xb = FinalHidden(tokens, swaps, capture, cache, fromLayer);
        logits ??= new float[tokens.Length * Config.VocabSize];
        MatMul(xb, Classifier(swaps), logits, tokens.Length, Config.VocabSize, Config.Dim);
        return logits;
    }

    /// <summary>The classifier's weights (vocab × dim; the embedding when shared), swapped if <paramref name="swaps"/> replaces them.</summary>
    public float[] Classifier(IReadOnlyDictionary<string, float[]>? swaps = null)
    {
        string name = Config.SharedClassifier ? TensorNames.TokenEmbedding : TensorNames.Classifier;
        return swaps is not null && swaps.TryGetValue(name, out float[]? s) ? s : _weights[name];
    }

    /// <summary>
    /// As <see cref="Forward"/> without the classifier: the final-normed hidden states (T × dim) the logits are the
    /// product of (<see cref="Classifier"/> · row). What the sweep keeps of a reference run instead of T × vocab
    /// logits; <paramref name="capture"/> sees the classifier's input too.
    /// </summary>
    /// <param name="buffers">Activation buffers to reuse (the result is one of them: read it before the next call);
    /// null = new arrays, the result the caller's to keep.</param>
    public float[] FinalHidden(int[] tokens, IReadOnlyDictionary<string, float[]>? swaps = null, Action<string, float[], int>? capture = null,
        LayerCache? cache = null, int fromLayer = 0, ForwardBuffers? buffers = null)
    {
        ModelConfig c = Config;
        int T = tokens.Length, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        float[] W(string name) => swaps is not null && swaps.TryGetValue(name, out float[]? s) ? s : _weights[name];

        ForwardBuffers b = buffers is not null && buffers.Positions == T ? buffers : new ForwardBuffers(c, T);
        if (buffers is not null && !ReferenceEquals(b, buffers)) buffers.Take(b);
        float[] x = b.X, xb = b.Xb, q = b.Q, k = b.K, v = b.V, att = b.Att, proj = b.Proj, h1 = b.H1, h3 = b.H3;
        if (fromLayer > 0)
        {
            Array.Copy(cache!.Inputs[fromLayer], x, x.Length);
        }
        else
        {
            float[] emb = W(TensorNames.TokenEmbedding);
            for (int t = 0; t < T; t++) Array.Copy(emb, tokens[t] * dim, x, t * dim, dim);
        }

        for (int l = fromLayer; l < c.Layers; l++)
        {
            if (cache is not null && fromLayer == 0) cache.Inputs[l] = (float[])x.Clone();
            string L(string n) => TensorNames.Layer(l, n);

            RmsNorm(x, W(L(TensorNames.RmsAtt)), xb, T, dim, c.NormEps);
            capture?.Invoke(L(TensorNames.Wq), xb, dim);
            capture?.Invoke(L(TensorNames.Wk), xb, dim);
            capture?.Invoke(L(TensorNames.Wv), xb, dim);
            MatMul(xb, W(L(TensorNames.Wq)), q, T, dim, dim);
            MatMul(xb, W(L(TensorNames.Wk)), k, T, kv, dim);
            MatMul(xb, W(L(TensorNames.Wv)), v, T, kv, dim);
            Rope(q, T, dim, c);
            Rope(k, T, kv, c);
            Attention(q, k, v, att, T, c);
            capture?.Invoke(L(TensorNames.Wo), att, dim);
            MatMul(att, W(L(TensorNames.Wo)), proj, T, dim, dim);
            TensorPrimitives.Add(x, proj, x);

            RmsNorm(x, W(L(TensorNames.RmsFfn)), xb, T, dim, c.NormEps);
            capture?.Invoke(L(TensorNames.W1), xb, dim);
            capture?.Invoke(L(TensorNames.W3), xb, dim);
            MatMul(xb, W(L(TensorNames.W1)), h1, T, hidden, dim);
            MatMul(xb, W(L(TensorNames.W3)), h3, T, hidden, dim);
            for (int i = 0; i < h1.Length; i++)
            {
                float g = h1[i];
                h1[i] = c.FfnActivation == ModelConfig.ActivationSwiGlu ? g / (1f + MathF.Exp(-g)) : (g > 0 ? g : 0f);
            }
            // "L{l}.ffn_act": act(gate) per neuron, before the up projection multiplies in (what decides a neuron is active).
            capture?.Invoke(L(FfnActivations), h1, hidden);
            TensorPrimitives.Multiply(h1, h3, h1);
            capture?.Invoke(L(TensorNames.W2), h1, hidden);
            MatMul(h1, W(L(TensorNames.W2)), proj, T, dim, hidden);
            TensorPrimitives.Add(x, proj, x);
        }
        if (cache is not null && fromLayer == 0) cache.Inputs[c.Layers] = (float[])x.Clone();

        RmsNorm(x, W(TensorNames.RmsFinal), xb, T, dim, c.NormEps);
        capture?.Invoke(c.SharedClassifier ? TensorNames.TokenEmbedding : TensorNames.Classifier, xb, dim);
        return xb;
    }

    /// <summary>The layer a tensor belongs to (0.. layers-1), or -1 for the embedding (which feeds every layer).</summary>
    public int FirstLayerAffected(string tensor)
    {
        if (tensor == TensorNames.TokenEmbedding) return Config.SharedClassifier ? -1 : 0;
        if (tensor == TensorNames.Classifier || tensor == TensorNames.RmsFinal) return Config.Layers;
        return int.Parse(tensor.AsSpan(1, tensor.IndexOf('.') - 1));
    }

    /// <summary>
    /// y (T × rows) = x (T × cols) · wᵀ, a tile of <see cref="TilePositions"/> positions at a time: each row of w is read
    /// once per tile and dotted with every position in it (w streams from memory T / tile times, not T times), tiles
    /// split across cores when the product is large. Every y is one <see cref="TensorPrimitives.Dot"/> of a row of x and a
    /// row of w, so the order changes no value.
    /// </summary>
    public static void MatMul(float[] x, float[] w, float[] y, int T, int rows, int cols)
    {
        void Tile(int tile)
        {
            int t0 = tile * TilePositions, t1 = Math.Min(T, t0 + TilePositions);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> wr = w.AsSpan(r * cols, cols);
                for (int t = t0; t < t1; t++) y[t * rows + r] = TensorPrimitives.Dot(x.AsSpan(t * cols, cols), wr);
            }
        }
        int tiles = (T + TilePositions - 1) / TilePositions;
        if ((long)T * rows * cols < 1 << 18) for (int i = 0; i < tiles; i++) Tile(i);
        else Parallel.For(0, tiles, Tile);
    }

    /// <summary>Positions per tile of <see cref="MatMul"/>: 16 rows of x (dim 576: 37 KB) stay in the L1/L2 cache while w streams.</summary>
    public const int TilePositions = 16;

    private static void RmsNorm(float[] x, float[] w, float[] o, int T, int dim, float eps)
    {
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<float> xt = x.AsSpan(t * dim, dim);
            float ss = TensorPrimitives.Dot(xt, xt) / dim + eps;
            float inv = 1f / MathF.Sqrt(ss);
            Span<float> ot = o.AsSpan(t * dim, dim);
            for (int i = 0; i < dim; i++) ot[i] = w[i] * (inv * xt[i]);
        }
    }

    private static void Rope(float[] v, int T, int width, ModelConfig c)
    {
        int hs = c.HeadSize;
        for (int t = 0; t < T; t++)
            for (int i = 0; i < width; i += 2)
            {
                float freq = 1f / MathF.Pow(c.RopeTheta, (i % hs) / (float)hs);
                float angle = t * freq, cos = MathF.Cos(angle), sin = MathF.Sin(angle);
                int at = t * width + i;
                float v0 = v[at], v1 = v[at + 1];
                v[at] = v0 * cos - v1 * sin;
                v[at + 1] = v0 * sin + v1 * cos;
            }
    }

    private static void Attention(float[] q, float[] k, float[] v, float[] output, int T, ModelConfig c)
    {
        int hs = c.HeadSize, dim = c.Dim, kv = c.KvDim;
        float scale = MathF.Sqrt(hs);
        Parallel.For(0, c.Heads, h =>
        {
            var scores = new float[T];
            int kvOff = h / c.KvMul * hs;
            for (int t = 0; t < T; t++)
            {
                ReadOnlySpan<float> qt = q.AsSpan(t * dim + h * hs, hs);
                for (int s = 0; s <= t; s++) scores[s] = TensorPrimitives.Dot(qt, k.AsSpan(s * kv + kvOff, hs)) / scale;
                Span<float> p = scores.AsSpan(0, t + 1);
                TensorPrimitives.SoftMax(p, p);
                Span<float> o = output.AsSpan(t * dim + h * hs, hs);
                o.Clear();
                for (int s = 0; s <= t; s++) TensorPrimitives.MultiplyAdd(v.AsSpan(s * kv + kvOff, hs), p[s], o, o);
            }
        });
    }
}

/// <summary>
/// A forward pass's activations for <see cref="Positions"/> positions, to reuse across the passes of one sweep job (each
/// pass would otherwise leave ~2 MB of large-object garbage at stories15M's shape and 128 positions).
/// </summary>
public sealed class ForwardBuffers
{
    public int Positions { get; private set; }
    internal float[] X = [], Xb = [], Q = [], K = [], V = [], Att = [], Proj = [], H1 = [], H3 = [];

    public ForwardBuffers(ModelConfig c, int positions)
    {
        Positions = positions;
        X = new float[positions * c.Dim]; Xb = new float[positions * c.Dim]; Q = new float[positions * c.Dim];
        K = new float[positions * c.KvDim]; V = new float[positions * c.KvDim];
        Att = new float[positions * c.Dim]; Proj = new float[positions * c.Dim];
        H1 = new float[positions * c.HiddenDim]; H3 = new float[positions * c.HiddenDim];
    }

    /// <summary>Bytes these buffers take for <paramref name="positions"/> positions (what a sweep job reserves for them).</summary>
    public static long Bytes(ModelConfig c, int positions) => (long)positions * (6L * c.Dim + 2L * c.KvDim + 2L * c.HiddenDim) * sizeof(float);

    /// <summary>Adopts <paramref name="other"/>'s arrays (a sequence of another length came by).</summary>
    internal void Take(ForwardBuffers other)
    {
        Positions = other.Positions;
        (X, Xb, Q, K, V, Att, Proj, H1, H3) = (other.X, other.Xb, other.Q, other.K, other.V, other.Att, other.Proj, other.H1, other.H3);
    }
}

/// <summary>Residual-stream inputs of every layer (and of the final norm) for one sequence, from a reference run.</summary>
public sealed class LayerCache(int layers)
{
    public float[][] Inputs { get; } = new float[layers + 1][];
}
