using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Tests;

/// <summary>
/// A conversion does only the work its policy needs: a given bit width encodes directly (no calibration, no sensitivity
/// table) with the same bytes the table-based path stored, pruning calibrates only for Wanda's norms, and the policies
/// that choose per matrix sweep every candidate once.
/// </summary>
public sealed class ConversionWorkTests(Stories260KTable fixture) : IClassFixture<Stories260KTable>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [SharedDataFact]
    public void Uniform_q8_runs_no_forward_pass_and_stores_what_the_table_path_stored()
    {
        SourceModel source = Stories260KTable.Source.Value;
        ConversionReport r = ModelConverter.Convert(source, new ConvertOptions { Policy = "uniform", Bits = 8 }, _dir.File("q8.etb"));
        Assert.Equal(new ConversionCounts(0, false, 0, 0, 36), r.Counts);
        AssertSamePayloads(Policies.Uniform(fixture.Table, new Candidate(8, 0)), Policies.Uniform(source, new Candidate(8, 0), null, 64));
        Assert.Equal(36, r.Tensors.Count(t => t.Codec.StartsWith('q')));
    }

    /// <summary>Wanda needs activation norms: one reference pass per calibration sequence, still no table.</summary>
    [SharedDataFact]
    public void Uniform_pruned_calibrates_once_for_the_norms_and_stores_what_the_table_path_stored()
    {
        SourceModel source = Stories260KTable.Source.Value;
        var q4at50 = new Candidate(4, 0.5);
        ConversionReport r = ModelConverter.Convert(source, new ConvertOptions { Policy = "uniform", Bits = 4, Sparsity = 0.5 }, _dir.File("q4s.etb"));
        Assert.Equal(new ConversionCounts(8, false, 0, 8, 36), r.Counts);
        CalibrationPass norms = CalibrationPass.Norms(new DenseModel(source), fixture.Table.Calibration);
        AssertSamePayloads(Policies.Uniform(fixture.Table, q4at50), Policies.Uniform(source, q4at50, norms.InputNorms, 64));
    }

    /// <summary>The table keeps no weights: its byte counts are the codec sizes, equal to what encoding produces.</summary>
    [SharedDataFact]
    public void Table_bytes_equal_the_encoded_section_sizes()
    {
        SensitivityTable t = fixture.Table;
        for (int i = 0; i < t.Matrices.Count; i++)
            for (int k = 0; k < t.Candidates.Count; k++)
                Assert.Equal(Candidate.SectionBytes(t.Encode(i, k)), t.Bytes(i, k));
    }

    [Fact]
    public void Luc_full_sweep_scores_every_matrix_and_candidate_once_on_the_whole_model()
    {
        SourceModel source = Tiny();
        int matrices = LlamaWeights.MatrixNames(source.Config).Length;
        ConversionReport r = ModelConverter.Convert(source, new ConvertOptions { Policy = "luc", Sweep = "full", BudgetBytes = 48 * 1024 }, _dir.File("luc.etb"));
        int scoredWithWork = matrices * (Candidate.Grid.Length - 1); // the float candidate costs nothing
        Assert.Equal(new ConversionCounts(8, true, matrices * Candidate.Grid.Length, 8 + 8 * scoredWithWork, matrices), r.Counts);
    }

    /// <summary>
    /// The fast sweep: whole-model KL for one anchor per matrix and for the picks, every pick measured when the
    /// knapsack is done; estimates elsewhere (stories260K: Spearman 0.99 with the full table, results/sweep-quality.json).
    /// </summary>
    [Fact]
    public void Luc_fast_sweep_measures_every_pick_on_the_whole_model()
    {
        SourceModel source = Tiny();
        TokenSequences calibration = TokenSequences.SampleFromModel(source, 2, 32, 5);
        SensitivityTable table = SensitivityTable.Estimate(source, calibration, Candidate.Grid, 64);
        int N = table.Matrices.Count, anchor = table.IndexOf(SensitivityTable.Anchor);
        Assert.Equal(2 + 2 * N, table.Counts.ForwardPasses);
        CompressionPlan plan = Policies.LucMeasured(table, 40 * 1024);
        foreach (TensorChoice c in plan.Choices)
            Assert.True(table.Measured[table.IndexOf(c.Tensor), table.IndexOf(new Candidate(c.Bits, c.Sparsity))], c.Tensor);
        SensitivityTable full = SensitivityTable.Build(source, calibration, Candidate.Grid, 64, SensitivityMetric.Kl);
        for (int i = 0; i < N; i++)
            for (int k = 0; k < table.Candidates.Count; k++)
                if (table.Measured[i, k]) Assert.Equal(full.Sensitivity[i, k], table.Sensitivity[i, k]); // measured = the full sweep's value
        Assert.True(table.Measured[0, anchor]);
    }

    /// <summary>edge-llm on a fast table measures exactly the entries its rule reads: the same plan as from the full table.</summary>
    [Fact]
    public void Edge_llm_fast_sweep_makes_the_full_sweeps_plan_with_fewer_passes()
    {
        SourceModel source = Tiny();
        TokenSequences calibration = TokenSequences.SampleFromModel(source, 2, 32, 5);
        SensitivityTable full = SensitivityTable.Build(source, calibration, Candidate.Grid, 64, SensitivityMetric.Kl);
        SensitivityTable fast = SensitivityTable.Estimate(source, calibration, Candidate.Grid, 64);
        CompressionPlan expected = Policies.EdgeLlm(full, 40 * 1024), actual = Policies.EdgeLlmMeasured(fast, 40 * 1024);
        AssertSamePayloads(expected, actual);
        Assert.StartsWith(expected.Detail, actual.Detail);
        int N = full.Matrices.Count;
        Assert.Equal(2 + 2 * N + 2 * N * 8, fast.Counts.ForwardPasses); // anchors, then the 9 candidates edge-llm reads minus the anchor (q4)
        Assert.True(fast.Counts.ForwardPasses < full.Counts.ForwardPasses / 2);
    }

    /// <summary>uniform --budget on a fast table: the candidate it returns is measured on the whole model, as the full sweep measures it.</summary>
    [Fact]
    public void Uniform_budget_fast_sweep_measures_the_chosen_candidate()
    {
        SourceModel source = Tiny();
        TokenSequences calibration = TokenSequences.SampleFromModel(source, 2, 32, 5);
        SensitivityTable full = SensitivityTable.Build(source, calibration, Candidate.Grid, 64, SensitivityMetric.Kl);
        SensitivityTable fast = SensitivityTable.Estimate(source, calibration, Candidate.Grid, 64);
        CompressionPlan plan = Policies.UniformMeasured(fast, 40 * 1024);
        int k = fast.IndexOf(new Candidate(plan.Choices[0].Bits, plan.Choices[0].Sparsity));
        for (int i = 0; i < fast.Matrices.Count; i++)
        {
            Assert.True(fast.Measured[i, k]);
            Assert.Equal(full.Sensitivity[i, k], fast.Sensitivity[i, k]);
        }
        Assert.True(plan.MatrixBytes <= 40 * 1024);
        Assert.Equal(Policies.Uniform(full, 40 * 1024).Choices[0].Label, plan.Choices[0].Label);
    }

    [Fact]
    public void Policy_none_and_uniform_with_bits_take_no_sensitivity_files()
    {
        string part = _dir.File("part.json");
        File.WriteAllText(part, "{}");
        var e = Assert.Throws<InputException>(() => new ConvertOptions { Policy = "uniform", Bits = 8, SensitivityFrom = [part] }.Validate());
        Assert.Equal("--sensitivity-from", e.Subject);
        new ConvertOptions { Policy = "uniform", Bits = 0, BudgetBytes = 1 << 20, SensitivityFrom = [part] }.Validate(); // uniform fitting a budget chooses from the table
    }

    private SourceModel Tiny()
    {
        (string checkpoint, string tokenizer) = RandomCheckpoints.Write("tiny", _dir.Path);
        return Llama2cCheckpoint.Read(checkpoint, tokenizer);
    }

    private static void AssertSamePayloads(CompressionPlan expected, CompressionPlan actual)
    {
        Assert.Equal(expected.Choices.Select(c => c.Tensor), actual.Choices.Select(c => c.Tensor));
        for (int i = 0; i < expected.Choices.Count; i++)
            Assert.True(expected.Choices[i].Encoded.Payload.AsSpan().SequenceEqual(actual.Choices[i].Encoded.Payload), expected.Choices[i].Tensor);
    }
}
