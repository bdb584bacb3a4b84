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
/// (<see cref="Encode"/>). What the sweep holds: the layer inputs and final hidden states of the reference run (no
/// vocab-sized reference: KL is streamed, <see cref="StreamedKl"/>) and the jobs in flight, bounded in bytes by
/// <see cref="Memory"/>.
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
    /// <summary>
    /// [matrix, candidate]: true where <see cref="Sensitivity"/> was measured on the whole model, false where a fast
    /// table (<see cref="Estimate"/>) estimated it from the matrix's own output error.
    /// </summary>
    public bool[,] Measured { get; }
    public TimeSpan Elapsed { get; private set; }
    /// <summary>What the sweep did: candidates scored and forward passes run (reference passes included).</summary>
    public SweepCounts Counts { get; private set; }
    /// <summary>Which part of the sweep this table holds (<see cref="SweepShard.All"/> for a whole one).</summary>
    public SweepShard Shard { get; }
    /// <summary>The bound on jobs in flight, and the most they held at once (null for a merged table).</summary>
    public SweepMemory? Memory { get; }
    /// <summary>Bytes the reference run left for the sweep to resume from and measure against (0 for a merged table).</summary>
    public long ReferenceBytes => _pass?.HeldBytes ?? 0;

    private readonly long[,] _bytes;
    /// <summary>What measuring more entries resumes from (fast tables only; built tables keep it for <see cref="ReferenceBytes"/>).</summary>
    private readonly CalibrationPass? _pass;

    internal SensitivityTable(SourceModel source, DenseModel model, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        int groupSize, SensitivityMetric metric, IReadOnlyDictionary<string, float[]> norms, double[,] sensitivity,
        TimeSpan elapsed, SweepCounts counts, SweepShard shard, bool[,]? measured = null, CalibrationPass? pass = null, SweepMemory? memory = null)
    {
        Memory = memory;
        Source = source; Model = model; Calibration = calibration; Candidates = candidates; Matrices = LlamaWeights.MatrixNames(source.Config);
        GroupSize = groupSize; Metric = metric; InputNorms = norms; Sensitivity = sensitivity; Elapsed = elapsed; Counts = counts; Shard = shard;
        _pass = pass;
        Measured = measured ?? new bool[Matrices.Count, candidates.Count];
        if (measured is null)
            for (int job = 0; job < Matrices.Count * candidates.Count; job++) Measured[job / candidates.Count, job % candidates.Count] = shard.Owns(job);
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
        int groupSize, SensitivityMetric metric, IProgress<(int Done, int Total)>? progress = null, SweepShard? shard = null, SweepMemory? memory = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SweepShard part = shard ?? SweepShard.All;
        memory ??= SweepMemory.For(source);
        var model = new DenseModel(source);
        string[] matrices = LlamaWeights.MatrixNames(source.Config);
        CalibrationPass pass = CalibrationPass.ForSweep(model, calibration, metric);

        int N = matrices.Length, K = candidates.Count;
        var sensitivity = new double[N, K];
        int[] jobs = [.. Enumerable.Range(0, N * K).Where(part.Owns)];
        foreach (int job in Enumerable.Range(0, N * K).Where(j => !part.Owns(j))) sensitivity[job / K, job % K] = double.NaN;
        int forward = calibration.Sequences.Length + Score(source, model, calibration, pass, candidates, groupSize, metric, jobs, sensitivity, progress, 0, jobs.Length, memory);
        return new SensitivityTable(source, model, calibration, candidates, groupSize, metric, pass.InputNorms, sensitivity,
            clock.Elapsed, new SweepCounts(jobs.Length, forward), part, pass: pass, memory: memory);
    }

    /// <summary>
    /// Scores <paramref name="jobs"/> (matrix × candidate, matrix-major) into <paramref name="sensitivity"/> on all
    /// cores; returns the forward passes run. Each job is computed by one thread from start to end in a fixed order, so
    /// the values do not depend on how many cores ran them or in which order they finished.
    /// </summary>
    private static int Score(SourceModel source, DenseModel model, TokenSequences calibration, CalibrationPass pass, IReadOnlyList<Candidate> candidates,
        int groupSize, SensitivityMetric metric, IReadOnlyList<int> jobs, double[,] sensitivity, IProgress<(int Done, int Total)>? progress, int doneBefore, int total,
        SweepMemory memory)
    {
        string[] matrices = LlamaWeights.MatrixNames(source.Config);
        int K = candidates.Count, sequences = calibration.Sequences.Length, tokens = calibration.Tokens;
        int done = doneBefore, forward = 0;
        // KL scratch and activation buffers, handed from job to job (at most one set per job running at once): a job's
        // ~6 MB of them as fresh large objects each time piled up as ~60 MB of garbage between collections.
        var scratch = new System.Collections.Concurrent.ConcurrentBag<KlScratch>();
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            int i = job / K, k = job % K;
            if (candidates[k].Bits != 32)
            {
                SourceTensor t = source.Tensor(matrices[i]);
                using var held = memory.Reserve(SweepMemory.KlJobBytes(t, candidates[k], groupSize, source.Config, calibration.Sequences.Max(q => q.Length)));
                float[] w = candidates[k].Encode(t, pass.InputNorms.GetValueOrDefault(t.Name), groupSize).Decode();
                if (metric == SensitivityMetric.Kl)
                {
                    KlScratch mine = scratch.TryTake(out KlScratch? free) ? free : new KlScratch(model.Config, calibration.Sequences[0].Length);
                    sensitivity[i, k] = KlIncrease(model, calibration, pass, t.Name, w, mine) / tokens;
                    scratch.Add(mine);
                    Interlocked.Add(ref forward, sequences);
                }
                else sensitivity[i, k] = OutputMse(t, w, pass.MatrixInputs![t.Name]);
            }
            progress?.Report((Interlocked.Increment(ref done), total));
        });
        return forward;
    }

    /// <summary>The candidate a fast table measures on the whole model for every matrix, to scale its output errors to KL.</summary>
    public static readonly Candidate Anchor = new(4, 0);

    /// <summary>
    /// A fast table: every candidate scored on the matrix's own output (<see cref="LayerError"/>: cheap, no forward
    /// pass), and for each matrix one candidate (<see cref="Anchor"/>) measured on the whole model; the KL of the others
    /// is estimated as the anchor's KL scaled by their output error. Policies then measure exactly the candidates they
    /// weigh (<see cref="MeasureExactly"/>). Metric KL only.
    /// </summary>
    /// <param name="stage">Called at each of the two steps with its name and job count; returns where to report (done, total).</param>
    public static SensitivityTable Estimate(SourceModel source, TokenSequences calibration, IReadOnlyList<Candidate> candidates,
        int groupSize, Func<string, int, IProgress<(int Done, int Total)>?>? stage = null, SweepMemory? memory = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        memory ??= SweepMemory.For(source);
        var model = new DenseModel(source);
        string[] matrices = LlamaWeights.MatrixNames(source.Config);
        CalibrationPass pass = CalibrationPass.ForSweep(model, calibration, SensitivityMetric.Kl);
        int N = matrices.Length, K = candidates.Count, anchor = candidates.ToList().IndexOf(Anchor);
        if (anchor < 0) throw new ArgumentException($"a fast table needs the anchor candidate {Anchor}", nameof(candidates));
        var error = new double[N, K];
        int done = 0, total = N * K;
        IProgress<(int Done, int Total)>? progress = stage?.Invoke("layer output errors", total);
        Parallel.For(0, N * K, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            int i = job / K, k = job % K;
            SourceTensor t = source.Tensor(matrices[i]);
            float[]? norms = pass.InputNorms.GetValueOrDefault(t.Name);
            if (candidates[k].Bits != 32)
            {
                using var held = memory.Reserve(SweepMemory.EncodeBytes(t, candidates[k], groupSize));
                error[i, k] = LayerError.Of(t, candidates[k].Encode(t, norms, groupSize), norms);
            }
            progress?.Report((Interlocked.Increment(ref done), total));
        });
        var sensitivity = new double[N, K];
        var measured = new bool[N, K];
        int forward = calibration.Sequences.Length + Score(source, model, calibration, pass, candidates, groupSize, SensitivityMetric.Kl,
            [.. Enumerable.Range(0, N).Select(i => i * K + anchor)], sensitivity, stage?.Invoke($"whole-model KL at {Anchor} (anchors)", N), 0, N, memory);
        for (int i = 0; i < N; i++)
        {
            double scale = error[i, anchor] > 0 ? sensitivity[i, anchor] / error[i, anchor] : 0;
            for (int k = 0; k < K; k++)
            {
                measured[i, k] = k == anchor || candidates[k].Bits == 32;
                if (k != anchor) sensitivity[i, k] = scale * error[i, k];
            }
        }
        return new SensitivityTable(source, model, calibration, candidates, groupSize, SensitivityMetric.Kl, pass.InputNorms, sensitivity,
            clock.Elapsed, new SweepCounts(N * K, forward), SweepShard.All, measured, pass, memory);
    }

    /// <summary>Measures on the whole model those of <paramref name="entries"/> that are estimates; returns how many it measured.</summary>
    public int MeasureExactly(IEnumerable<(int Tensor, int Candidate)> entries, Func<string, int, IProgress<(int Done, int Total)>?>? stage = null)
    {
        int K = Candidates.Count;
        int[] jobs = [.. entries.Where(e => !Measured[e.Tensor, e.Candidate]).Select(e => e.Tensor * K + e.Candidate).Distinct().Order()];
        if (jobs.Length == 0) return 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var values = new double[Matrices.Count, K];
        int forward = Score(Source, Model, Calibration, _pass ?? throw new InvalidOperationException("only a fast table measures more"),
            Candidates, GroupSize, Metric, jobs, values, stage?.Invoke("whole-model KL of the knapsack's picks", jobs.Length), 0, jobs.Length,
            Memory ?? SweepMemory.For(Source));
        foreach (int job in jobs)
        {
            Sensitivity[job / K, job % K] = values[job / K, job % K];
            Measured[job / K, job % K] = true;
        }
        Counts = Counts with { ForwardPasses = Counts.ForwardPasses + forward };
        Elapsed += clock.Elapsed;
        return jobs.Length;
    }

    /// <summary>
    /// Σ over calibration tokens of KL(reference ‖ model with <paramref name="tensor"/> replaced), resuming at its layer;
    /// the reference's logits are recomputed from its final hidden states as the KL streams (<see cref="StreamedKl"/>).
    /// </summary>
    private static double KlIncrease(DenseModel model, TokenSequences calibration, CalibrationPass pass, string tensor, float[] weights, KlScratch scratch)
    {
        var swap = new Dictionary<string, float[]> { [tensor] = weights };
        int from = model.FirstLayerAffected(tensor);
        (StreamedKl streamed, ForwardBuffers buffers) = (scratch.Kl, scratch.Buffers);
        float[] referenceClassifier = model.Classifier(), classifier = model.Classifier(swap);
        double kl = 0;
        for (int s = 0; s < calibration.Sequences.Length; s++)
        {
            int[] tokens = calibration.Sequences[s];
            float[] hidden = from > 0
                ? model.FinalHidden(tokens, swap, cache: pass.Caches![s], fromLayer: from, buffers: buffers)
                : model.FinalHidden(tokens, swap, buffers: buffers);
            kl += streamed.Sum(pass.ReferenceHidden![s], referenceClassifier, hidden, classifier, tokens.Length);
        }
        return kl;
    }

    /// <summary>What one KL job works in: the streamed KL's tiles and the forward pass's activations.</summary>
    private sealed class KlScratch(ModelConfig c, int positions)
    {
        public StreamedKl Kl { get; } = new(c.Dim, c.VocabSize);
        public ForwardBuffers Buffers { get; } = new(c, positions);
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
