using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Training;

/// <summary>
/// The gradient sink for training a whole model: one float array per weight tensor, filled by the runtime's
/// <see cref="Backprop"/> (dW += dy·xᵀ for every projection and the classifier, norm weights, embedding rows).
/// Arrays are listed in the same order as <see cref="ParametersOf"/> lists the weights, for the optimizer.
/// </summary>
public sealed class ModelGradients : IParameterGradients
{
    private readonly ModelConfig _c;
    private readonly IKernels _k;
    private readonly float[] _embedding, _classifier, _finalNorm;
    private readonly float[][][] _proj;   // [layer][AdapterSet.Q .. Down]
    private readonly float[][] _attNorm, _ffnNorm;

    public ModelGradients(ModelConfig c, IKernels kernels)
    {
        _c = c;
        _k = kernels;
        _embedding = new float[c.VocabSize * c.Dim];
        _classifier = c.SharedClassifier ? _embedding : new float[c.VocabSize * c.Dim];
        _finalNorm = new float[c.Dim];
        _proj = new float[c.Layers][][];
        _attNorm = new float[c.Layers][];
        _ffnNorm = new float[c.Layers][];
        for (int l = 0; l < c.Layers; l++)
        {
            _proj[l] = new float[AdapterSet.Projections][];
            for (int p = 0; p < AdapterSet.Projections; p++) _proj[l][p] = new float[Rows(c, p) * Cols(c, p)];
            _attNorm[l] = new float[c.Dim];
            _ffnNorm[l] = new float[c.Dim];
        }
        Arrays = [.. Order(c, _embedding, _classifier, _finalNorm, _proj, _attNorm, _ffnNorm)];
    }

    /// <summary>Every gradient array, in the order of <see cref="ParametersOf"/>.</summary>
    public float[][] Arrays { get; }

    /// <summary>The weights' own arrays (resident float32 tensors of a model the runtime opened), in the order of <see cref="Arrays"/>.</summary>
    public static float[][] ParametersOf(LlamaWeights w, ModelConfig c)
    {
        float[][] p = [.. TensorsOf(w, c).Select(t => t.F32)];
        if (p.Any(a => a == null)) throw new InvalidOperationException("training needs every weight resident as float32");
        return p;
    }

    /// <summary>The weight tensors, in the order of <see cref="Arrays"/> (the classifier only when it is not the embedding).</summary>
    public static IEnumerable<Tensor> TensorsOf(LlamaWeights w, ModelConfig c)
    {
        var proj = new Tensor[c.Layers][];
        for (int l = 0; l < c.Layers; l++)
            proj[l] = [w.Wq[l], w.Wk[l], w.Wv[l], w.Wo[l], w.W1[l], w.W3[l], w.W2[l]];
        return Order(c, w.TokenEmbedding, w.Classifier, w.RmsFinal, proj, w.RmsAtt, w.RmsFfn);
    }

    /// <summary>Which arrays get weight decay: matrices yes, norm weights no (as in llama2.c's train.py: decay on ≥ 2-D tensors).</summary>
    public static bool[] DecayOf(ModelConfig c) =>
        [.. Order(c, Matrix, Matrix, Norm, Enumerable.Repeat(Enumerable.Repeat(Matrix, AdapterSet.Projections).ToArray(), c.Layers).ToArray(),
            Enumerable.Repeat(Norm, c.Layers).ToArray(), Enumerable.Repeat(Norm, c.Layers).ToArray())];

    private const bool Matrix = true, Norm = false;

    private static IEnumerable<T> Order<T>(ModelConfig c, T embedding, T classifier, T finalNorm, T[][] proj, T[] attNorm, T[] ffnNorm)
    {
        yield return embedding;
        if (!c.SharedClassifier) yield return classifier;
        yield return finalNorm;
        for (int l = 0; l < c.Layers; l++)
        {
            yield return attNorm[l];
            yield return ffnNorm[l];
            foreach (T p in proj[l]) yield return p;
        }
    }

    private static int Rows(ModelConfig c, int p) => p switch
    {
        AdapterSet.K or AdapterSet.V => c.KvDim,
        AdapterSet.Gate or AdapterSet.Up => c.HiddenDim,
        _ => c.Dim,
    };

    private static int Cols(ModelConfig c, int p) => p == AdapterSet.Down ? c.HiddenDim : c.Dim;

    public void Zero()
    {
        foreach (float[] a in Arrays) Array.Clear(a);
    }

    /// <summary>this += other (same model shape), array by array.</summary>
    public void Add(ModelGradients other)
    {
        for (int i = 0; i < Arrays.Length; i++) _k.Axpy(1f, other.Arrays[i], 0, Arrays[i], 0, Arrays[i].Length);
    }

    public void Scale(float s)
    {
        foreach (float[] a in Arrays)
            for (int i = 0; i < a.Length; i++) a[i] *= s;
    }

    public void Linear(IKernels k, int layer, int projection, float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff)
    {
        // dW += dy · xᵀ, one row per output; rows whose dy is exactly zero (ReLU-gated neurons that were off) cost nothing.
        float[] g;
        int rows, cols;
        if (projection == Backprop.Classifier)
        {
            g = _classifier;
            rows = _c.VocabSize;
            cols = _c.Dim;
        }
        else
        {
            g = _proj[layer][projection];
            rows = Rows(_c, projection);
            cols = Cols(_c, projection);
        }
        for (int r = 0; r < rows; r++)
        {
            float d = dy[dyOff + r];
            if (d != 0f) k.Axpy(d, x, xOff, g, r * cols, cols);
        }
    }

    public float[] NormGradient(int layer, int norm) => norm switch
    {
        Backprop.AttentionNorm => _attNorm[layer],
        Backprop.FfnNorm => _ffnNorm[layer],
        _ => _finalNorm,
    };

    public void Embedding(int token, float[] g) => _k.Axpy(1f, g, 0, _embedding, token * _c.Dim, _c.Dim);
}
