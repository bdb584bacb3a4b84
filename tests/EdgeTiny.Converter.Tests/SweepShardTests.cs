using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Converter.Tests;

/// <summary>A sensitivity sweep split into shards and merged is the one-process table, to the bit and to the byte.</summary>
public sealed class SweepShardTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly SourceModel _source;
    private readonly TokenSequences _calibration;

    public SweepShardTests()
    {
        (string checkpoint, string tokenizer) = RandomCheckpoints.Write("tiny", _dir.Path);
        _source = Llama2cCheckpoint.Read(checkpoint, tokenizer);
        _calibration = TokenSequences.SampleFromModel(_source, 2, 32, 5);
    }

    public void Dispose() => _dir.Dispose();

    private SensitivityTable Build(SweepShard? shard) => SensitivityTable.Build(_source, _calibration, Candidate.Grid, 64, SensitivityMetric.Kl, shard: shard);

    private SensitivityTable Merge(params string[] paths) => SensitivityParts.Merge(paths, _source, _calibration, Candidate.Grid, 64, SensitivityMetric.Kl, "--sensitivity-from");

    [Fact]
    public void Three_shards_merged_equal_the_one_process_table_byte_for_byte()
    {
        SensitivityTable whole = Build(null);
        string[] parts = [.. Enumerable.Range(0, 3).Select(i =>
        {
            string path = _dir.File($"part-{i}.json");
            SensitivityParts.Write(Build(new SweepShard(i, 3)), path);
            return path;
        })];
        SensitivityTable merged = Merge([.. parts.Reverse()]); // order of the files does not matter
        for (int i = 0; i < whole.Matrices.Count; i++)
            for (int k = 0; k < whole.Candidates.Count; k++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(whole.Sensitivity[i, k]), BitConverter.DoubleToInt64Bits(merged.Sensitivity[i, k]));
        Assert.Equal(whole.InputNorms.Keys.Order(), merged.InputNorms.Keys.Order());
        foreach (var (name, norms) in whole.InputNorms) Assert.Equal(norms, merged.InputNorms[name]);
        SensitivityParts.Write(whole, _dir.File("whole.json"));
        SensitivityParts.Write(merged, _dir.File("merged.json"));
        Assert.Equal(File.ReadAllBytes(_dir.File("whole.json")), File.ReadAllBytes(_dir.File("merged.json")));
    }

    [Fact]
    public void A_shard_scores_only_its_jobs()
    {
        SensitivityTable part = Build(new SweepShard(1, 4));
        int K = part.Candidates.Count;
        Assert.Equal(Enumerable.Range(0, part.Matrices.Count * K).Count(part.Shard.Owns), part.Counts.Scored);
        Assert.InRange(part.Counts.Scored, part.Matrices.Count * K / 4 - 5, part.Matrices.Count * K / 4 + 5);
        for (int job = 0; job < part.Matrices.Count * K; job++)
            Assert.Equal(!part.Shard.Owns(job), double.IsNaN(part.Sensitivity[job / K, job % K]));
    }

    [Fact]
    public void Missing_doubled_or_foreign_shards_are_refused_naming_the_file()
    {
        string a = _dir.File("a.json"), b = _dir.File("b.json");
        SensitivityParts.Write(Build(new SweepShard(0, 2)), a);
        SensitivityParts.Write(Build(new SweepShard(0, 2)), b);
        Assert.Contains("1/2 are missing", Assert.Throws<InputException>(() => Merge(a)).Message);
        var twice = Assert.Throws<InputException>(() => Merge(a, b));
        Assert.Equal(b, twice.Subject);
        Assert.Contains("also in", twice.Message);

        TokenSequences other = TokenSequences.SampleFromModel(_source, 2, 32, 6);
        var foreign = Assert.Throws<InputException>(() => SensitivityParts.Merge([a], _source, other, Candidate.Grid, 64, SensitivityMetric.Kl, "--sensitivity-from"));
        Assert.Equal(a, foreign.Subject);
        Assert.Contains("calibration", foreign.Message);
        File.WriteAllText(b, "not json");
        Assert.Contains("not a sensitivity file", Assert.Throws<InputException>(() => Merge(b)).Message);
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("x")]
    [InlineData("-1/2")]
    public void Bad_shard_names_are_refused(string text) =>
        Assert.Equal("--sensitivity-shard", Assert.Throws<InputException>(() => SweepShard.Parse(text, "--sensitivity-shard")).Subject);
}
