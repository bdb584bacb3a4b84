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
/// For every weight matrix and every <see cref="Candidate"/>: its file bytes and its sensitivity. Built once per
/// conversion (or study) from calibration data — in one process, or as shards (<see cref="SweepShard"/>) that any job
/// runner schedules and <see cref="SensitivityParts"/> merges; the policies only choose from it. Only numbers are
/// kept: a candidate is encoded while it is scored and dropped, and a policy encodes its choice again
/// (<see cref="Encode"/>), so memory stays at about one candidate per core whatever the model.
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
    /// <summary>[matrix, candidate]; NaN where this table's shard did not score it.</summary>
    public double[,] Sensitivity { get; }
    public TimeSpan Elapsed { get; }
    /// <summary>What the sweep did: candidates scored and forward passes run (reference passes included).</summary>
    public SweepCounts Counts { get; }
    /// <summary>Which part of the sweep this table holds (<see cref="SweepShard.All"/> for a whole one).</summary>
    public SweepShard Shard { get; }

    private readonly long[,] _bytes;

    internal SensitivityTable(SourceModel source, DenseModel model, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        int groupSize, SensitivityMetric metric, IReadOnlyDictionary<string, float[]> norms, double[,] sensitivity,
        TimeSpan elapsed, SweepCounts counts, SweepShard shard)
    {
        Source = source; Model = model; Calibration = calibration; Candidates = candidates; Matrices = LlamaWeights.MatrixNames(source.Config);
        GroupSize = groupSize; Metric = metric; InputNorms = norms; Sensitivity = sensitivity; Elapsed = elapsed; Counts = counts; Shard = shard;
        _bytes = new long[Matrices.Count, candidates.Count];
        for (int i = 0; i < Matrices.Count; i++)
        {
            SourceTensor t = source.Tensor(Matrices[i]);
            for (int k = 0; k < candidates.Count; k++)
                _bytes[i, k] = Runtime.Format.EtbLayout.AlignToSector(Policies.CodecBytes(t.Rows, t.Cols, groupSize, candidates[k].Bits, candidates[k].Sparsity));
        }
    }

    public int IndexOf(string tensor) => Matrices.ToList().IndexOf(tensor);
    public int IndexOf(Candidate c) => Candidates.ToList().IndexOf(c);

    /// <summary>File bytes of matrix <paramref name="tensor"/> stored as candidate <paramref name="candidate"/> (whole sectors), from the codec sizes.</summary>
    public long Bytes(int tensor, int candidate) => _bytes[tensor, candidate];

    /// <summary>Matrix <paramref name="tensor"/> stored as candidate <paramref name="candidate"/> (encoded now; the table keeps no weights).</summary>
    public EncodedTensor Encode(int tensor, int candidate)
    {
        SourceTensor t = Source.Tensor(Matrices[tensor]);
        return Candidates[candidate].Encode(t, InputNorms.GetValueOrDefault(t.Name), GroupSize);
    }

    /// <param name="progress">Reports (done, total) over this shard's candidate evaluations.</param>
    /// <param name="shard">Which jobs (matrix × candidate) to score; the others stay NaN. Null = all.</param>
    public static SensitivityTable Build(SourceModel source, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        int groupSize, SensitivityMetric metric, IProgress<(int Done, int Total)>? progress = null, SweepShard? shard = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SweepShard part = shard ?? SweepShard.All;
        var model = new DenseModel(source);
        int vocab = source.Config.VocabSize;
        string[] matrices = LlamaWeights.MatrixNames(source.Config);
        CalibrationPass pass = CalibrationPass.ForSweep(model, calibration, metric);

        int N = matrices.Length, K = candidates.Count, sequences = calibration.Sequences.Length;
        var sensitivity = new double[N, K];
        int[] jobs = [.. Enumerable.Range(0, N * K).Where(part.Owns)];
        foreach (int job in Enumerable.Range(0, N * K).Where(j => !part.Owns(j))) sensitivity[job / K, job % K] = double.NaN;
        int done = 0, forward = sequences;
        int tokens = calibration.Tokens;
        // Each job is computed by one thread from start to end in a fixed order, so the table does not depend on how
        // many cores ran it or in which order the jobs finished.
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            int i = job / K, k = job % K;
            if (candidates[k].Bits != 32)
            {
                SourceTensor t = source.Tensor(matrices[i]);
                float[] w = candidates[k].Encode(t, pass.InputNorms.GetValueOrDefault(t.Name), groupSize).Decode();
                if (metric == SensitivityMetric.Kl)
                {
                    sensitivity[i, k] = KlIncrease(model, calibration, pass, t.Name, w, vocab) / tokens;
                    Interlocked.Add(ref forward, sequences);
                }
                else sensitivity[i, k] = OutputMse(t, w, pass.MatrixInputs![t.Name]);
            }
            progress?.Report((Interlocked.Increment(ref done), jobs.Length));
        });
        return new SensitivityTable(source, model, calibration, candidates, groupSize, metric, pass.InputNorms, sensitivity,
            clock.Elapsed, new SweepCounts(jobs.Length, forward), part);
    }

    /// <summary>Σ over calibration tokens of KL(reference ‖ model with <paramref name="tensor"/> replaced), resuming at its layer.</summary>
    private static double KlIncrease(DenseModel model, TokenSequences calibration, CalibrationPass pass, string tensor, float[] weights, int vocab)
    {
        var swap = new Dictionary<string, float[]> { [tensor] = weights };
        int from = model.FirstLayerAffected(tensor);
        double kl = 0;
        for (int s = 0; s < calibration.Sequences.Length; s++)
        {
            float[] logits = from > 0
                ? model.Forward(calibration.Sequences[s], swap, cache: pass.Caches![s], fromLayer: from)
                : model.Forward(calibration.Sequences[s], swap);
            kl += LogitMetrics.KlSum(pass.ReferenceLogProbs![s], logits, vocab);
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
