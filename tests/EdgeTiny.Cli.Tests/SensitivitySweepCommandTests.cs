using System.Text.Json.Nodes;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// `convert --sensitivity-shard i/n` as separate processes, merged with `--sensitivity-from`, on a small random model
/// (every sweep in seconds); progress events with --json; the sweep flags' bad input.
/// </summary>
public sealed class SensitivitySweepCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _checkpoint, _tokenizer;

    public SensitivitySweepCommandTests() => (_checkpoint, _tokenizer) = RandomCheckpoints.Write("tiny", _dir.Path);

    public void Dispose() => _dir.Dispose();

    private string[] Luc => ["convert", _checkpoint, "--tokenizer", _tokenizer, "--policy", "luc", "--budget", "48KB"];

    [Fact]
    public void Four_shard_processes_merge_into_the_one_process_table_and_file_byte_for_byte()
    {
        string[] parts = [.. Enumerable.Range(0, 4).Select(i => _dir.File($"part-{i}.json"))];
        CliResult[] runs = [.. Enumerable.Range(0, 4).AsParallel().Select(i => CliRunner.Run([.. Luc, "--sensitivity-shard", $"{i}/4", "-o", parts[i], "--json"]))];
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        CliResult whole = CliRunner.Run([.. Luc, "--sensitivity-shard", "0/1", "-o", _dir.File("whole.json"), "--json"]);
        Assert.True(whole.ExitCode == 0, whole.ToString());
        Assert.Equal((int)whole.Json["scored"]!, runs.Sum(r => (int)r.Json["scored"]!));

        // The shards merged are the one-process table, written the same way: the same bytes.
        SourceModel model = Llama2cCheckpoint.Read(_checkpoint, _tokenizer);
        var defaults = new ConvertOptions();
        TokenSequences calibration = TokenSequences.SampleFromModel(model, defaults.CalibrationSequences, defaults.CalibrationLength, defaults.Seed);
        SensitivityTable merged = SensitivityParts.Merge(parts, model, calibration, Candidate.Grid, defaults.GroupSize, SensitivityMetric.Kl, "--sensitivity-from");
        SensitivityParts.Write(merged, _dir.File("merged.json"));
        Assert.Equal(File.ReadAllBytes(_dir.File("whole.json")), File.ReadAllBytes(_dir.File("merged.json")));

        // And the .etb converted from the shards is the one swept in one process.
        CliResult fromShards = CliRunner.Run([.. Luc, "--sensitivity-from", .. parts, "-o", _dir.File("shards.etb"), "--json"]);
        CliResult oneProcess = CliRunner.Run([.. Luc, "--sweep", "full", "-o", _dir.File("one.etb"), "--json"]);
        Assert.True(fromShards.ExitCode == 0, fromShards.ToString());
        Assert.True(oneProcess.ExitCode == 0, oneProcess.ToString());
        Assert.Equal(File.ReadAllBytes(_dir.File("one.etb")), File.ReadAllBytes(_dir.File("shards.etb")));
        Assert.Equal(0, (int)fromShards.Json["counts"]!["candidates_scored"]!);
    }

    [Fact]
    public void Json_progress_events_name_each_stage_with_its_count_on_stderr()
    {
        CliResult r = CliRunner.Run([.. Luc, "--sweep", "full", "-o", _dir.File("luc.etb"), "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject[] events = [.. r.ErrorLines.Select(l => JsonNode.Parse(l)!.AsObject())];
        string[] stages = [.. events.Where(e => (string)e["event"]! == "stage").Select(e => (string)e["stage"]!)];
        Assert.Equal(["calibration", "sensitivity", "policy", "self-check and write"], stages);
        Assert.Equal(stages, events.Where(e => (string)e["event"]! == "stage_done").Select(e => (string)e["stage"]!));
        Assert.Equal(15 * Candidate.Grid.Length, (int)events.First(e => (string?)e["stage"] == "sensitivity")["total"]!);
        Assert.All(events.Where(e => (string)e["event"]! == "progress"), e => Assert.True((int)e["done"]! <= (int)e["total"]!));
        Assert.True((bool)r.Json["counts"]!["sensitivity_table"]!);
    }

    [Fact]
    public void Fast_sweep_measures_only_anchors_and_picks_on_the_whole_model()
    {
        CliResult r = CliRunner.Run([.. Luc, "-o", _dir.File("fast.etb"), "--json"]); // fast is luc's default
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("fast sweep", (string)r.Json["plan"]!);
        int passes = (int)r.Json["counts"]!["forward_passes"]!;
        int fullSweepPasses = 8 + 8 * 15 * (Candidate.Grid.Length - 1);
        Assert.InRange(passes, 8 + 8 * 15, fullSweepPasses / 3); // reference + anchors, plus a few picks
    }

    [Theory]
    [InlineData("--sensitivity-shard", "4/4", "--sensitivity-shard")]
    [InlineData("--sensitivity-from", "nowhere.json", "nowhere.json")]
    [InlineData("--sweep", "sometimes", "--sweep")]
    public void Bad_sweep_flags_exit_2_with_one_line(string flag, string value, string named)
    {
        CliResult r = CliRunner.Run([.. Luc, flag, value, "-o", _dir.File("x.etb")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, Assert.Single(r.ErrorLines));
        Assert.False(File.Exists(_dir.File("x.etb")));
    }
}
