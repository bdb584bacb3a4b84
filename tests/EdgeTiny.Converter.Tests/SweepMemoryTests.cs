using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Tests;

/// <summary>
/// The sweep measures KL without a vocab-sized reference (recomputed from the reference's final hidden states, streamed
/// a tile of positions at a time) and bounds the bytes its jobs hold at once — with the same numbers as measuring
/// against buffered log-probabilities of full logits.
/// </summary>
public sealed class SweepMemoryTests(Stories260KTable fixture) : IClassFixture<Stories260KTable>
{
    /// <summary>
    /// Every table entry with work, against the buffered way (reference log-softmax of full logits held per sequence,
    /// the compressed model's full logits, <see cref="LogitMetrics.KlSum"/>): the same double, to the bit.
    /// </summary>
    [SharedDataFact]
    public void Streamed_kl_equals_kl_against_buffered_reference_log_probabilities()
    {
        SensitivityTable t = fixture.Table;
        var model = new DenseModel(t.Source);
        int vocab = t.Source.Config.VocabSize;
        int[][] sequences = t.Calibration.Sequences;
        float[][] reference = [.. sequences.Select(s => LogitMetrics.LogSoftmax(model.Forward(s), vocab))];
        int checkedEntries = 0;
        for (int i = 0; i < t.Matrices.Count; i++)
            for (int k = 0; k < t.Candidates.Count; k++)
            {
                if (t.Candidates[k].Bits == 32 || (i * t.Candidates.Count + k) % 7 != 0) continue; // every 7th job: ~100 of them, a few seconds
                var swap = new Dictionary<string, float[]> { [t.Matrices[i]] = t.Encode(i, k).Decode() };
                double kl = 0;
                for (int s = 0; s < sequences.Length; s++) kl += LogitMetrics.KlSum(reference[s], model.Forward(sequences[s], swap), vocab);
                Assert.Equal(kl / t.Calibration.Tokens, t.Sensitivity[i, k]);
                checkedEntries++;
            }
        Assert.True(checkedEntries > 90, $"{checkedEntries}");
    }

    /// <summary>What the sweep keeps of the reference run is dim floats per position and layer, no vocab-sized array.</summary>
    [SharedDataFact]
    public void The_reference_kept_is_hidden_states_not_log_probabilities()
    {
        SensitivityTable t = fixture.Table;
        ModelConfig c = t.Source.Config;
        long tokens = t.Calibration.Tokens;
        Assert.Equal(tokens * c.Dim * (c.Layers + 1 + 1) * sizeof(float), t.ReferenceBytes); // layer inputs, final-norm input, final hidden
        Assert.True(t.ReferenceBytes < tokens * c.VocabSize * sizeof(float));
    }

    /// <summary>
    /// A bound below two jobs: one job at a time (the peak reserved is the largest job), and the table is the same as
    /// with a generous bound. The bound is counted, in reserved bytes — not timed.
    /// </summary>
    [Fact]
    public void Jobs_in_flight_stay_within_the_bound_and_do_not_change_the_table()
    {
        using var dir = new TempDir();
        (string checkpoint, string tokenizer) = RandomCheckpoints.Write("tiny", dir.Path);
        SourceModel source = Llama2cCheckpoint.Read(checkpoint, tokenizer);
        TokenSequences calibration = TokenSequences.SampleFromModel(source, 2, 32, 5);
        long largest = LlamaWeights.MatrixNames(source.Config).Max(m => Candidate.Grid.Where(c => c.Bits != 32).Max(c =>
            SweepMemory.KlJobBytes(source.Tensor(m), c, 64, source.Config, 32)));
        var tight = new SweepMemory(1);
        var loose = new SweepMemory(long.MaxValue);
        SensitivityTable a = SensitivityTable.Build(source, calibration, Candidate.Grid, 64, SensitivityMetric.Kl, memory: tight);
        SensitivityTable b = SensitivityTable.Build(source, calibration, Candidate.Grid, 64, SensitivityMetric.Kl, memory: loose);
        Assert.Equal(largest, tight.PeakBytes);
        Assert.True(loose.PeakBytes >= largest);
        Assert.Equal(b.Sensitivity, a.Sensitivity);

        var fastTight = new SweepMemory(1);
        SensitivityTable f = SensitivityTable.Estimate(source, calibration, Candidate.Grid, 64, memory: fastTight);
        Policies.LucMeasured(f, 40 * 1024);
        Assert.True(fastTight.PeakBytes <= largest, $"{fastTight.PeakBytes} > {largest}");
    }

    /// <summary>The default bound: half the float32 source (a stories15M-shaped model: 30 MB; its embedding's jobs run alone).</summary>
    [Fact]
    public void The_default_bound_is_half_the_float_source()
    {
        using var dir = new TempDir();
        (string checkpoint, string tokenizer) = RandomCheckpoints.Write("tiny", dir.Path);
        SourceModel source = Llama2cCheckpoint.Read(checkpoint, tokenizer);
        Assert.Equal(source.Tensors.Sum(t => (long)t.Data.Length) * 4 / 2, SweepMemory.For(source).Limit);
    }
}
