using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Format;
using Xunit.Abstractions;

namespace EdgeTiny.Converter.Tests;

/// <summary>stories260K's sensitivity table (default calibration: 8 × 128 model-sampled tokens), built once for the class.</summary>
public sealed class Stories260KTable
{
    private readonly Lazy<SensitivityTable> _table = new(() =>
        SensitivityTable.Build(Source.Value, TokenSequences.SampleFromModel(Source.Value, 8, 128, 1234), Candidate.Grid, 64, SensitivityMetric.Kl));
    private readonly Lazy<PlanEvaluator> _heldOut = new(() =>
        new PlanEvaluator(new DenseModel(Source.Value), TokenSequences.SampleFromModel(Source.Value, 8, 128, 4321)));

    public static readonly Lazy<SourceModel> Source = new(() => Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512));
    public SensitivityTable Table => _table.Value;
    /// <summary>Quality on sequences the calibration never saw (another seed).</summary>
    public PlanEvaluator HeldOut => _heldOut.Value;
}

public sealed class CompressionPolicyTests(Stories260KTable fixture, ITestOutputHelper output) : IClassFixture<Stories260KTable>
{
    [SharedDataFact]
    public void Float_model_matches_the_reference_logits()
    {
        var model = new DenseModel(Stories260KTable.Source.Value);
        foreach (GoldenCase g in Golden.Cases)
        {
            float[] logits = model.Forward(g.Tokens[..g.Logits.Length]);
            for (int p = 0; p < g.Logits.Length; p++)
                for (int v = 0; v < 512; v++)
                    Assert.True(Math.Abs(logits[p * 512 + v] - g.Logits[p][v]) < 1e-4, $"{g} pos {p} token {v}");
        }
    }

    [SharedDataFact]
    public void Sensitivity_grows_as_compression_deepens()
    {
        SensitivityTable t = fixture.Table;
        for (int i = 0; i < t.Matrices.Count; i++)
        {
            double S(Candidate c) => t.Sensitivity[i, t.IndexOf(c)];
            Assert.Equal(0, S(Candidate.Float));
            Assert.True(S(new(8, 0)) < S(new(4, 0)) && S(new(4, 0)) < S(new(2, 0)), t.Matrices[i]);
            Assert.True(S(new(8, 0.25)) < S(new(8, 0.7)), t.Matrices[i]);
        }
        output.WriteLine($"sweep of {t.Matrices.Count} matrices × {t.Candidates.Count} candidates in {t.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// The claim, at the byte sizes of uniform q4 and uniform q3 (±2%): LUC's measured KL on held-out text is
    /// below uniform's and no worse than Edge-LLM's rule.
    /// </summary>
    [SharedDataTheory]
    [InlineData(4)]
    [InlineData(3)]
    public void Luc_beats_uniform_and_edge_llm_at_equal_bytes(int uniformBits)
    {
        SensitivityTable t = fixture.Table;
        CompressionPlan uniform = Policies.Uniform(t, new Candidate(uniformBits, 0));
        long budget = uniform.MatrixBytes;
        CompressionPlan luc = Policies.Luc(t, budget);
        CompressionPlan edge = Policies.EdgeLlm(t, budget);
        foreach (CompressionPlan p in new[] { luc, edge })
        {
            Assert.True(p.MatrixBytes <= budget, $"{p.Policy} {p.MatrixBytes} > {budget}");
            Assert.True(p.MatrixBytes >= 0.98 * budget, $"{p.Policy} uses {p.MatrixBytes} of {budget}: not equal bytes");
        }
        double u = fixture.HeldOut.Evaluate(uniform).MeanKl, l = fixture.HeldOut.Evaluate(luc).MeanKl, e = fixture.HeldOut.Evaluate(edge).MeanKl;
        output.WriteLine($"q{uniformBits} budget {budget} B: KL uniform {u:F4}, luc {l:F4} ({luc.MatrixBytes} B), edge-llm {e:F4} ({edge.MatrixBytes} B; {edge.Detail})");
        Assert.True(l < u, $"luc {l} !< uniform {u}");
        Assert.True(l <= e, $"luc {l} > edge-llm {e}");
    }

    [SharedDataFact]
    public void Luc_plan_fits_every_budget_and_gets_better_with_more_bytes()
    {
        SensitivityTable t = fixture.Table;
        double previous = double.PositiveInfinity;
        foreach (long budget in new long[] { 90_000, 130_000, 180_000, 260_000 })
        {
            CompressionPlan p = Policies.Luc(t, budget);
            Assert.True(p.MatrixBytes <= budget);
            Assert.True(p.PredictedSensitivity <= previous);
            previous = p.PredictedSensitivity;
        }
        var e = Assert.Throws<InputException>(() => Policies.Luc(t, 20_000));
        Assert.Equal("--budget", e.Subject);
    }

    [SharedDataFact]
    public void Edge_llm_sparsity_follows_the_papers_rule()
    {
        SensitivityTable t = fixture.Table;
        CompressionPlan p = Policies.EdgeLlm(t, Policies.Uniform(t, new Candidate(3, 0)).MatrixBytes);
        // Per layer, one sparsity and at most two bit widths (B and B + 1).
        var widths = p.Choices.Select(c => c.Bits).Distinct().ToArray();
        Assert.InRange(widths.Length, 1, 2);
        if (widths.Length == 2) Assert.Equal(1, Math.Abs(widths[0] - widths[1]));
        foreach (int l in Enumerable.Range(0, 5))
            Assert.Single(p.Choices.Where(c => c.Tensor.StartsWith($"L{l}.")).Select(c => c.Sparsity).Distinct());
    }

    [SharedDataFact]
    public void Mse_sensitivity_is_the_cheaper_option_and_ranks_like_kl()
    {
        SourceModel source = Stories260KTable.Source.Value;
        Candidate[] grid = [Candidate.Float, new(8, 0), new(4, 0), new(2, 0)];
        var mse = SensitivityTable.Build(source, TokenSequences.SampleFromModel(source, 4, 64, 7), grid, 64, SensitivityMetric.Mse);
        for (int i = 0; i < mse.Matrices.Count; i++)
        {
            Assert.True(mse.Sensitivity[i, 1] < mse.Sensitivity[i, 2] && mse.Sensitivity[i, 2] < mse.Sensitivity[i, 3]);
        }
    }
}
