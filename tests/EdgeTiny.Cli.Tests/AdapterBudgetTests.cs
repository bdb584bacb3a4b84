namespace EdgeTiny.Cli.Tests;

/// <summary>
/// `bench --board all` runs every profile. Adapters are part of the memory plan: `run --board … --adapters` either fits the board or exits 2 naming the
/// least budget that would hold the model with its adapters — never an internal error. Runs on the committed demo model.
/// </summary>
public sealed class AdapterBudgetTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string ConvertAndTune()
    {
        string etb = _dir.File("demo-q8.etb"), eta = _dir.File("demo.eta");
        CliResult c = CliRunner.Run("convert", DemoModel.Checkpoint, "--bits", "8", "-o", etb);
        Assert.True(c.ExitCode == 0, c.ToString());
        string text = Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", "train.txt");
        CliResult t = CliRunner.Run("tune", etb, "--text", text, "--layers", "2", "--rank", "4", "--steps", "2", "-o", eta, "--json");
        Assert.True(t.ExitCode == 0, t.ToString());
        return etb;
    }

    [Fact]
    public void Run_with_adapters_on_a_board_too_small_exits_2_naming_the_minimum_budget()
    {
        string etb = ConvertAndTune(), eta = _dir.File("demo.eta");
        CliResult r = CliRunner.Run("run", etb, "--prompt", "Once upon a time", "--steps", "8", "--temperature", "0",
            "--board", "esp32-wroom-32", "--adapters", eta, "--json");
        Assert.True(r.ExitCode == 2, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains("esp32-wroom-32", line);
        Assert.Contains("adapters", line);
        long minimum = long.Parse(System.Text.RegularExpressions.Regex.Match(line, @"needs at least (\d+) bytes").Groups[1].Value);

        // The minimum it names is enough: the same run within that budget fits, and its peak is within it.
        CliResult fits = CliRunner.Run("run", etb, "--prompt", "Once upon a time", "--steps", "8", "--temperature", "0",
            "--board", "esp32-wroom-32", "--budget", minimum.ToString(), "--adapters", eta, "--json");
        Assert.True(fits.ExitCode == 0, fits.ToString());
        Assert.True((long)fits.Json["memory"]!["peak_bytes"]! <= minimum);
    }

    [Fact]
    public void Bench_on_every_board_reports_each_profile_within_its_own_budget()
    {
        string etb = _dir.File("demo-q8-bench.etb");
        CliResult c = CliRunner.Run("convert", DemoModel.Checkpoint, "--bits", "8", "-o", etb);
        Assert.True(c.ExitCode == 0, c.ToString());
        CliResult r = CliRunner.Run("bench", etb, "--board", "all", "--tokens", "4", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var boards = r.Json["boards"]!.AsArray();
        Assert.Equal(Directory.GetFiles(BoardProfiles.Directory, "*.json").Count(f => !f.EndsWith(".schema.json")), boards.Count);
        foreach (var b in boards)
        {
            long peak = (long)b!["memory"]!["peak_bytes"]!, budget = (long)b["memory"]!["budget_bytes"]!;
            Assert.True(peak <= budget, $"{b["board"]!["id"]}: peak {peak} > budget {budget}");
        }
    }

    public void Dispose() => _dir.Dispose();
}
