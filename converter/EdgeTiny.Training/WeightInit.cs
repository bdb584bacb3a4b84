using EdgeTiny.Training.Corpus;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Training;

/// <summary>
/// The starting point of training, as llama2.c's model.py initialises it: every matrix and the embedding
/// ~ N(0, 0.02²), the residual outputs (wo, w2) ~ N(0, (0.02/√(2·n_layers))²) so the residual stream's variance does
/// not grow with depth (GPT-2), norm weights 1. Deterministic in the seed.
/// </summary>
public static class WeightInit
{
    public const float Std = 0.02f;

    public static SourceModel Create(ModelConfig c, SourceTokenizer tokenizer, ulong seed)
    {
        var rng = new Gaussian(seed);
        float residualStd = Std / MathF.Sqrt(2 * c.Layers);
        var tensors = new List<SourceTensor>();
        SourceTensor Matrix(string name, int rows, int cols, float std) =>
            new(name, rows, cols, [.. Enumerable.Range(0, rows * cols).Select(_ => std * rng.Next())]);
        SourceTensor Ones(string name) => new(name, 1, c.Dim, [.. Enumerable.Repeat(1f, c.Dim)]);

        tensors.Add(Matrix(TensorNames.TokenEmbedding, c.VocabSize, c.Dim, Std));
        for (int l = 0; l < c.Layers; l++)
        {
            tensors.Add(Ones(TensorNames.Layer(l, TensorNames.RmsAtt)));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.Wq), c.Dim, c.Dim, Std));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.Wk), c.KvDim, c.Dim, Std));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.Wv), c.KvDim, c.Dim, Std));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.Wo), c.Dim, c.Dim, residualStd));
            tensors.Add(Ones(TensorNames.Layer(l, TensorNames.RmsFfn)));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.W1), c.HiddenDim, c.Dim, Std));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.W2), c.Dim, c.HiddenDim, residualStd));
            tensors.Add(Matrix(TensorNames.Layer(l, TensorNames.W3), c.HiddenDim, c.Dim, Std));
        }
        tensors.Add(Ones(TensorNames.RmsFinal));
        if (!c.SharedClassifier) tensors.Add(Matrix(TensorNames.Classifier, c.VocabSize, c.Dim, Std));
        return new SourceModel(c, tensors, tokenizer, "init", "");
    }

    /// <summary>Standard normal deviates (Box–Muller over the corpus generator's PRNG): the same on every machine and .NET version.</summary>
    private sealed class Gaussian(ulong seed)
    {
        private readonly StoryRandom _rng = new(seed);
        private double _spare = double.NaN;

        public float Next()
        {
            if (!double.IsNaN(_spare))
            {
                double s = _spare;
                _spare = double.NaN;
                return (float)s;
            }
            double u1 = (_rng.NextUInt64() >> 11) * (1.0 / (1UL << 53)), u2 = (_rng.NextUInt64() >> 11) * (1.0 / (1UL << 53));
            double r = Math.Sqrt(-2 * Math.Log(1 - u1));
            _spare = r * Math.Sin(2 * Math.PI * u2);
            return (float)(r * Math.Cos(2 * Math.PI * u2));
        }
    }
}
