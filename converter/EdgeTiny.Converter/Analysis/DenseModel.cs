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
        ModelConfig c = Config;
        int T = tokens.Length, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        float[] W(string name) => swaps is not null && swaps.TryGetValue(name, out float[]? s) ? s : _weights[name];

        float[] x;
        if (fromLayer > 0)
        {
            x = (float[])cache!.Inputs[fromLayer].Clone();
        }
        else
        {
            x = new float[T * dim];
            float[] emb = W(TensorNames.TokenEmbedding);
            for (int t = 0; t < T; t++) Array.Copy(emb, tokens[t] * dim, x, t * dim, dim);
        }
        var xb = new float[T * dim];
        var q = new float[T * dim];
        var k = new float[T * kv];
        var v = new float[T * kv];
        var att = new float[T * dim];
        var proj = new float[T * dim];
        var h1 = new float[T * hidden];
        var h3 = new float[T * hidden];

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
        string classifier = c.SharedClassifier ? TensorNames.TokenEmbedding : TensorNames.Classifier;
        capture?.Invoke(classifier, xb, dim);
        logits ??= new float[T * c.VocabSize];
        MatMul(xb, W(classifier), logits, T, c.VocabSize, dim);
        return logits;
    }

    /// <summary>The layer a tensor belongs to (0.. layers-1), or -1 for the embedding (which feeds every layer).</summary>
    public int FirstLayerAffected(string tensor)
    {
        if (tensor == TensorNames.TokenEmbedding) return Config.SharedClassifier ? -1 : 0;
        if (tensor == TensorNames.Classifier || tensor == TensorNames.RmsFinal) return Config.Layers;
        return int.Parse(tensor.AsSpan(1, tensor.IndexOf('.') - 1));
    }

    /// <summary>y (T × rows) = x (T × cols) · wᵀ, rows of w split across cores when the product is large.</summary>
    public static void MatMul(float[] x, float[] w, float[] y, int T, int rows, int cols)
    {
        void Row(int t)
        {
            ReadOnlySpan<float> xt = x.AsSpan(t * cols, cols);
            Span<float> yt = y.AsSpan(t * rows, rows);
            for (int r = 0; r < rows; r++) yt[r] = TensorPrimitives.Dot(xt, w.AsSpan(r * cols, cols));
        }
        if ((long)T * rows * cols < 1 << 18) for (int t = 0; t < T; t++) Row(t);
        else Parallel.For(0, T, Row);
    }

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

/// <summary>Residual-stream inputs of every layer (and of the final norm) for one sequence, from a reference run.</summary>
public sealed class LayerCache(int layers)
{
    public float[][] Inputs { get; } = new float[layers + 1][];
}
