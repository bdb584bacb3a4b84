using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// The compression policies. Each turns a <see cref="SensitivityTable"/> and a byte budget for the weight matrices
/// into a <see cref="CompressionPlan"/>:
/// <list type="bullet">
/// <item><c>luc</c>: minimise the summed sensitivity subject to the budget — a multiple-choice knapsack, solved
/// exactly by dynamic programming over whole sectors (every section is sector-aligned, so costs are whole sectors).</item>
/// <item><c>edge-llm</c>: Edge-LLM's rule — per-layer sparsity ∝ 1 − normalised sensitivity with a target mean, and
/// bits = B + 1 for layers of above-mean quantization sensitivity — with (B, target) chosen to fill the budget.</item>
/// <item><c>uniform</c>: one candidate for every matrix: the best one that fits.</item>
/// </list>
/// </summary>
public static class Policies
{
    public static CompressionPlan Uniform(SensitivityTable t, Candidate c)
    {
        int k = t.IndexOf(c);
        if (k < 0) throw new InputException("--bits", $"{c} is not one of the candidates ({string.Join(", ", t.Candidates)})");
        return new CompressionPlan("uniform", Enumerable.Range(0, t.Matrices.Count).Select(i => Choice(t, i, k)).ToList(), $"every matrix {c}");
    }

    /// <summary>
    /// Every matrix stored as <paramref name="c"/>, encoded directly: no sensitivity table (what a fixed bit width
    /// needs). <paramref name="inputNorms"/> are Wanda's activation norms when <paramref name="c"/> prunes, else null.
    /// </summary>
    public static CompressionPlan Uniform(SourceModel source, Candidate c, IReadOnlyDictionary<string, float[]>? inputNorms, int groupSize)
    {
        string[] matrices = LlamaWeights.MatrixNames(source.Config);
        var choices = new TensorChoice[matrices.Length];
        Parallel.For(0, matrices.Length, i => choices[i] = new TensorChoice(matrices[i], c.Bits, c.Sparsity,
            c.Encode(source.Tensor(matrices[i]), inputNorms?.GetValueOrDefault(matrices[i]), groupSize), double.NaN));
        return new CompressionPlan("uniform", choices, $"every matrix {c}");
    }

    /// <summary>The uniform candidate with the lowest summed sensitivity among those that fit.</summary>
    public static CompressionPlan Uniform(SensitivityTable t, long matrixBudget)
    {
        var fitting = Enumerable.Range(0, t.Candidates.Count)
            .Where(k => Enumerable.Range(0, t.Matrices.Count).Sum(i => t.Bytes(i, k)) <= matrixBudget)
            .OrderBy(k => Enumerable.Range(0, t.Matrices.Count).Sum(i => t.Sensitivity[i, k]))
            .ToList();
        if (fitting.Count == 0) throw Infeasible("uniform", matrixBudget, Enumerable.Range(0, t.Candidates.Count).Min(k => Enumerable.Range(0, t.Matrices.Count).Sum(i => t.Bytes(i, k))));
        return Uniform(t, t.Candidates[fitting[0]]);
    }

    /// <summary>
    /// uniform --budget on a fast table: choose on the estimates, measure the chosen candidate's column on the whole
    /// model, choose again — until the chosen column is measured (or <paramref name="rounds"/> rounds). The choice is
    /// then made on measured values for the winner and estimates for the rest (results/sweep-quality.json: the same
    /// candidate as the full table at every budget measured).
    /// </summary>
    public static CompressionPlan UniformMeasured(SensitivityTable t, long matrixBudget, int rounds = 6,
        Func<string, int, IProgress<(int Done, int Total)>?>? stage = null)
    {
        for (int round = 1; ; round++)
        {
            CompressionPlan plan = Uniform(t, matrixBudget);
            int k = t.IndexOf(new Candidate(plan.Choices[0].Bits, plan.Choices[0].Sparsity));
            int now = t.MeasureExactly(Enumerable.Range(0, t.Matrices.Count).Select(i => (i, k)),
                stage is null ? null : (name, n) => stage($"{name}, round {round}", n));
            if (now == 0 || round == rounds)
                return plan with { Detail = $"{plan.Detail}; fast sweep: the chosen candidate measured on the whole model in {round} rounds" };
        }
    }

    /// <summary>
    /// Edge-LLM on a fast table: the entries its rule reads (every matrix at q8 with 25/50/70% sparsity and dense below
    /// 8 bits) measured on the whole model first, so it decides on the same numbers as on the full table — the same
    /// plan, for 9 of the 19 candidates' passes.
    /// </summary>
    public static CompressionPlan EdgeLlmMeasured(SensitivityTable t, long matrixBudget, Func<string, int, IProgress<(int Done, int Total)>?>? stage = null)
    {
        int[] read = [.. t.Candidates.Select((c, k) => (c, k)).Where(x => x.c.Bits == 8 && x.c.Sparsity > 0 || x.c.Sparsity == 0 && x.c.Bits < 8).Select(x => x.k)];
        t.MeasureExactly(Enumerable.Range(0, t.Matrices.Count).SelectMany(i => read.Select(k => (i, k))), stage);
        CompressionPlan plan = EdgeLlm(t, matrixBudget);
        return plan with { Detail = $"{plan.Detail}; fast sweep: the {read.Length} candidates edge-llm reads measured on the whole model" };
    }

    public static CompressionPlan Luc(SensitivityTable t, long matrixBudget)
    {
        (int[] pick, string detail) = LucPicks(t, matrixBudget);
        return new CompressionPlan("luc", [.. Enumerable.Range(0, pick.Length).Select(i => Choice(t, i, pick[i]))], detail);
    }

    /// <summary>
    /// LUC on a fast table (<see cref="SensitivityTable.Estimate"/>): solve on the estimates, measure on the whole
    /// model the picks that were estimates, solve again — until every pick is measured or after
    /// <paramref name="rounds"/> rounds. So full-model KL is computed only for candidates the knapsack chose.
    /// </summary>
    /// <param name="stage">Progress per round of measuring (see <see cref="SensitivityTable.MeasureExactly"/>).</param>
    public static CompressionPlan LucMeasured(SensitivityTable t, long matrixBudget, int rounds = 6,
        Func<string, int, IProgress<(int Done, int Total)>?>? stage = null)
    {
        int measured = 0;
        for (int round = 1; ; round++)
        {
            (int[] pick, string detail) = LucPicks(t, matrixBudget);
            int now = t.MeasureExactly(pick.Select((k, i) => (i, k)), stage is null ? null : (name, n) => stage($"{name}, round {round}", n));
            measured += now;
            if (now == 0 || round == rounds)
                return new CompressionPlan("luc", [.. Enumerable.Range(0, pick.Length).Select(i => Choice(t, i, pick[i]))],
                    $"{detail}; fast sweep: layer output error for all, full-model KL for the anchor and {measured} picks in {round} rounds");
        }
    }

    /// <summary>LUC's choice (a candidate index per matrix) on the table as it stands, nothing encoded.</summary>
    internal static (int[] Pick, string Detail) LucPicks(SensitivityTable t, long matrixBudget)
    {
        int n = t.Matrices.Count, K = t.Candidates.Count, S = EtbLayout.SectorBytes;
        var units = new int[n, K];
        var cost = new double[n, K];
        long minimum = 0, maximum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < K; k++)
            {
                units[i, k] = (int)(t.Bytes(i, k) / S);
                cost[i, k] = t.Sensitivity[i, k];
            }
            minimum += Enumerable.Range(0, K).Min(k => units[i, k]);
            maximum += Enumerable.Range(0, K).Max(k => units[i, k]);
        }
        int cap = (int)Math.Min(matrixBudget / S, maximum);
        int[] pick = Knapsack.Solve(cost, units, cap) ?? throw Infeasible("luc", matrixBudget, minimum * S);
        return (pick, $"exact multiple-choice knapsack over {K} candidates × {n} matrices within {cap} sectors");
    }

    /// <summary>
    /// Edge-LLM (DAC 2024) layer-wise unified compression, following the paper's formulas: per layer l, a pruning
    /// sensitivity s_l (here: mean table sensitivity of the layer's matrices at q8 with 25/50/70% sparsity) and a
    /// quantization sensitivity (at B bits, dense); sparsity p_l = P·n·(1 − ŝ_l)/Σ(1 − ŝ_j) with ŝ min-max normalised,
    /// bits b_l = B + 1 when the quantization sensitivity is at or above the mean. The embedding (with an unshared
    /// classifier) counts as one more "layer". For the budget, each B the table profiles densely below 8 bits gets the
    /// largest P (≤ 0.95) that fits,
    /// and the B whose whole model has the lowest calibration KL wins.
    /// </summary>
    public static CompressionPlan EdgeLlm(SensitivityTable t, long matrixBudget)
    {
        ModelConfig c = t.Source.Config;
        string[][] groups = LayerGroups(c);
        int n = groups.Length;
        double[] prune = new double[n];
        for (int g = 0; g < n; g++)
            prune[g] = groups[g].SelectMany(m => new[] { 0.25, 0.5, 0.7 }.Select(s => t.Sensitivity[t.IndexOf(m), t.IndexOf(new Candidate(8, s))])).Average();
        double lo = prune.Min(), hi = prune.Max();
        double[] norm = prune.Select(s => hi > lo ? (s - lo) / (hi - lo) : 0).ToArray();
        double weightSum = norm.Sum(v => 1 - v);

        CompressionPlan? winner = null;
        double winnerKl = double.PositiveInfinity;
        foreach (int b in t.Candidates.Where(x => x.Sparsity == 0 && x.Bits < 8).Select(x => x.Bits).Order())
        {
            double[] quant = groups.Select(gr => gr.Average(m => t.Sensitivity[t.IndexOf(m), t.IndexOf(new Candidate(b, 0))])).ToArray();
            double mean = quant.Average();
            int[] bits = quant.Select(q => Math.Min(8, q >= mean ? b + 1 : b)).ToArray();
            double[] Sparsity(double P) => norm.Select(v => Math.Clamp(weightSum > 0 ? P * n * (1 - v) / weightSum : P, 0, 0.95)).ToArray();
            long Size(double P) => Bytes(t, groups, bits, Sparsity(P));
            if (Size(0.95) > matrixBudget) continue;
            double P = 0;
            if (Size(0) > matrixBudget)
            {
                double a = 0, z = 0.95;
                for (int it = 0; it < 40; it++)
                {
                    double mid = (a + z) / 2;
                    if (Size(mid) > matrixBudget) a = mid; else z = mid;
                }
                P = z;
            }
            CompressionPlan plan = Build(t, groups, bits, Sparsity(P), $"B={b}, target sparsity {P:F3}, bits per layer [{string.Join(",", bits)}]");
            double kl = new PlanEvaluator(t.Model, t.Calibration).Evaluate(plan).MeanKl;
            if (kl < winnerKl)
            {
                winner = plan;
                winnerKl = kl;
            }
        }
        return winner ?? throw Infeasible("edge-llm", matrixBudget, Bytes(t, groups, Enumerable.Repeat(2, n).ToArray(), Enumerable.Repeat(0.95, n).ToArray()));
    }

    /// <summary>The decoder layers' matrices, then the embedding (and separate classifier) as one more group.</summary>
    private static string[][] LayerGroups(ModelConfig c)
    {
        string[] perLayer = [TensorNames.Wq, TensorNames.Wk, TensorNames.Wv, TensorNames.Wo, TensorNames.W1, TensorNames.W2, TensorNames.W3];
        var groups = Enumerable.Range(0, c.Layers).Select(l => perLayer.Select(p => TensorNames.Layer(l, p)).ToArray()).ToList();
        groups.Add(c.SharedClassifier ? [TensorNames.TokenEmbedding] : [TensorNames.TokenEmbedding, TensorNames.Classifier]);
        return [.. groups];
    }

    /// <summary>File bytes of the matrices at these per-group settings, from the codec sizes (nothing encoded).</summary>
    private static long Bytes(SensitivityTable t, string[][] groups, int[] bits, double[] sparsity)
    {
        long total = 0;
        for (int g = 0; g < groups.Length; g++)
            foreach (string m in groups[g])
            {
                var src = t.Source.Tensor(m);
                total += EtbLayout.AlignToSector(CodecBytes(src.Rows, src.Cols, t.GroupSize, bits[g], sparsity[g]));
            }
        return total;
    }

    /// <summary>Bytes <see cref="Candidate.Encode"/> produces: the sparse codec when it is smaller than dense.</summary>
    public static long CodecBytes(int rows, int cols, int groupSize, int bits, double sparsity)
    {
        if (bits == 32) return (long)rows * cols * 4;
        long dense = Codec.PayloadBytes(Codec.Q, bits, rows, cols, groupSize);
        if (sparsity <= 0) return dense;
        long sparse = Codec.PayloadBytes(Codec.SparseQ, Codec.SparseParam(bits, Wanda.KeptPerRow(cols, sparsity)), rows, cols, groupSize);
        return Math.Min(dense, sparse);
    }

    private static CompressionPlan Build(SensitivityTable t, string[][] groups, int[] bits, double[] sparsity, string detail)
    {
        var choices = new List<TensorChoice>();
        foreach (string m in t.Matrices)
        {
            int g = Array.FindIndex(groups, gr => gr.Contains(m));
            var cand = new Candidate(bits[g], sparsity[g]);
            var src = t.Source.Tensor(m);
            choices.Add(new TensorChoice(m, bits[g], sparsity[g], cand.Encode(src, t.InputNorms.GetValueOrDefault(m), t.GroupSize), double.NaN));
        }
        return new CompressionPlan("edge-llm", choices, detail);
    }

    private static TensorChoice Choice(SensitivityTable t, int i, int k) =>
        new(t.Matrices[i], t.Candidates[k].Bits, t.Candidates[k].Sparsity, t.Encode(i, k), t.Sensitivity[i, k]);

    /// <summary>
    /// The fewest bytes any policy can store the matrices in (each as its smallest candidate), from the codec sizes
    /// alone: a budget below it is refused before anything is measured.
    /// </summary>
    public static long SmallestMatrixBytes(SourceModel source, int groupSize) =>
        LlamaWeights.MatrixNames(source.Config).Sum(m =>
        {
            SourceTensor t = source.Tensor(m);
            return Candidate.Grid.Min(c => EtbLayout.AlignToSector(CodecBytes(t.Rows, t.Cols, groupSize, c.Bits, c.Sparsity)));
        });

    internal static InputException Infeasible(string policy, long budget, long minimum) =>
        new("--budget", $"{policy}: {budget} bytes for the weight matrices is below the smallest this policy can make ({minimum} bytes)");
}
