using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Compression;

/// <summary>How sensitivity is measured.</summary>
public enum SensitivityMetric
{
    /// <summary>Increase of mean KL(reference ‖ model) on calibration tokens with only that tensor compressed.</summary>
    Kl,
    /// <summary>Edge-LLM's cheap identifier: mean squared error of the tensor's own output on its calibration inputs.</summary>
    Mse,
}

/// <summary>
/// For every weight matrix and every <see cref="Candidate"/>: the encoded tensor, its file bytes and its sensitivity.
/// Built once per conversion (or study) from calibration data; the policies only choose from it.
/// </summary>
public sealed class SensitivityTable
{
    public SourceModel Source { get; }
    public DenseModel Model { get; }
    public TokenSequences Calibration { get; }
    public IReadOnlyList<Candidate> Candidates { get; }
    public IReadOnlyList<string> Matrices { get; }
    public int GroupSize { get; }
    public SensitivityMetric Metric { get; }
    /// <summary>‖x_j‖ of each matrix's input columns over the calibration tokens (Wanda's activation norms).</summary>
    public IReadOnlyDictionary<string, float[]> InputNorms { get; }
    public double[,] Sensitivity { get; }
    public EncodedTensor[,] Encoded { get; }
    public TimeSpan Elapsed { get; }

    private SensitivityTable(SourceModel source, DenseModel model, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        IReadOnlyList<string> matrices, int groupSize, SensitivityMetric metric, IReadOnlyDictionary<string, float[]> norms,
        double[,] sensitivity, EncodedTensor[,] encoded, TimeSpan elapsed)
    {
        Source = source; Model = model; Calibration = calibration; Candidates = candidates; Matrices = matrices;
        GroupSize = groupSize; Metric = metric; InputNorms = norms; Sensitivity = sensitivity; Encoded = encoded; Elapsed = elapsed;
    }

    public int IndexOf(string tensor) => Matrices.ToList().IndexOf(tensor);
    public int IndexOf(Candidate c) => Candidates.ToList().IndexOf(c);
    public long Bytes(int tensor, int candidate) => Candidate.SectionBytes(Encoded[tensor, candidate]);

    /// <param name="progress">Reports (done, total) over the candidate evaluations.</param>
    public static SensitivityTable Build(SourceModel source, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        int groupSize, SensitivityMetric metric, IProgress<(int Done, int Total)>? progress = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = new DenseModel(source);
        ModelConfig c = source.Config;
        int vocab = c.VocabSize;
        string[] matrices = LlamaWeights.MatrixNames(c);

        // Reference pass: log-probabilities, per-layer inputs (to resume from), and every matrix's inputs.
        var sums = new Dictionary<string, double[]>();
        var inputs = metric == SensitivityMetric.Mse ? new Dictionary<string, List<float[]>>() : null;
        var caches = new LayerCache[calibration.Sequences.Length];
        var reference = new float[calibration.Sequences.Length][];
        for (int s = 0; s < calibration.Sequences.Length; s++)
        {
            caches[s] = new LayerCache(c.Layers);
            float[] logits = model.Forward(calibration.Sequences[s], capture: (name, x, cols) =>
            {
                if (!sums.TryGetValue(name, out double[]? acc)) sums[name] = acc = new double[cols];
                Wanda.AccumulateSquares(x, cols, acc);
                if (inputs is not null)
                {
                    if (!inputs.TryGetValue(name, out var list)) inputs[name] = list = [];
                    list.Add((float[])x.Clone());
                }
            }, cache: caches[s]);
            reference[s] = LogitMetrics.LogSoftmax(logits, vocab);
        }
        var norms = sums.ToDictionary(p => p.Key, p => p.Value.Select(v => (float)Math.Sqrt(v)).ToArray());
        if (!c.SharedClassifier) norms.Remove(TensorNames.TokenEmbedding); // a lookup table has no input features: plain magnitude

        int N = matrices.Length, K = candidates.Count;
        var sensitivity = new double[N, K];
        var encoded = new EncodedTensor[N, K];
        int done = 0, total = N * K;
        int tokens = calibration.Tokens;
        Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            int i = job / K, k = job % K;
            SourceTensor t = source.Tensor(matrices[i]);
            EncodedTensor e = candidates[k].Encode(t, norms.GetValueOrDefault(t.Name), groupSize);
            encoded[i, k] = e;
            if (candidates[k].Bits != 32)
            {
                float[] w = e.Decode();
                sensitivity[i, k] = metric == SensitivityMetric.Kl
                    ? KlIncrease(model, calibration, caches, reference, t.Name, w, vocab) / tokens
                    : OutputMse(t, w, inputs![t.Name]);
            }
            progress?.Report((Interlocked.Increment(ref done), total));
        });
        return new SensitivityTable(source, model, calibration, candidates, matrices, groupSize, metric, norms, sensitivity, encoded, clock.Elapsed);
    }

    /// <summary>Σ over calibration tokens of KL(reference ‖ model with <paramref name="tensor"/> replaced), resuming at its layer.</summary>
    private static double KlIncrease(DenseModel model, TokenSequences calibration, LayerCache[] caches, float[][] reference,
        string tensor, float[] weights, int vocab)
    {
        var swap = new Dictionary<string, float[]> { [tensor] = weights };
        int from = model.FirstLayerAffected(tensor);
        double kl = 0;
        for (int s = 0; s < calibration.Sequences.Length; s++)
        {
            float[] logits = from > 0
                ? model.Forward(calibration.Sequences[s], swap, cache: caches[s], fromLayer: from)
                : model.Forward(calibration.Sequences[s], swap);
            kl += LogitMetrics.KlSum(reference[s], logits, vocab);
        }
        return kl;
    }

    /// <summary>Mean over calibration inputs and output rows of (x·w − x·w')².</summary>
    private static double OutputMse(SourceTensor t, float[] compressed, List<float[]> inputs)
    {
        var delta = new float[t.Data.Length];
        System.Numerics.Tensors.TensorPrimitives.Subtract(t.Data, compressed, delta);
        double sum = 0;
        long count = 0;
        foreach (float[] x in inputs)
        {
            int T = x.Length / t.Cols;
            var y = new float[T * t.Rows];
            DenseModel.MatMul(x, delta, y, T, t.Rows, t.Cols);
            sum += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(y);
            count += y.Length;
        }
        return sum / count;
    }
}
