using System.Text.Json.Nodes;
using EdgeTiny.Cli.Commands;

namespace EdgeTiny.Cli.Tests.Reports;

/// <summary>
/// `--report FILE.html` on convert, bench, tune and eval, and the demo's report.html, opened in a real browser
/// (<see cref="ReportPageCheck"/>): stories260K through the real `edgetiny` command, the demo model through `edgetiny demo`.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ReportTests(CliModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Corpus(string name) => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", name);

    private CliResult Run(params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [BrowserFact]
    public void Convert_report_shows_the_choices_sensitivities_policies_and_packing()
    {
        string html = _dir.File("convert.html");
        CliResult r = Run("convert", SharedData.Stories260K, "--tokenizer", SharedData.Tok512, "--policy", "luc", "--budget", "200KB",
            "--pack", "coactivation", "-o", _dir.File("luc.etb"), "--report", html, "--json");
        string[] charts = ReportPageCheck.Check(html, r.Json, "convert-stories260K-luc-200KB", output);
        Assert.Equal(["bits-per-matrix", "choice-per-matrix", "bytes-per-matrix", "sensitivity", "size-vs-kl",
            "coactivation-original", "coactivation-packed", "runs-per-token", "bytes-per-token", "run-lengths"], charts);
        Assert.Empty(ReportPageCheck.MissingChartSentences(html));
        // Packing by co-activation reads fewer sectors per token than the checkpoint's own neuron order, in every layer.
        foreach (System.Text.Json.Nodes.JsonNode? l in r.Json["packing"]!.AsArray())
            Assert.True((double)l!["bytes_per_token_packed"]! < (double)l["bytes_per_token_original"]!, l.ToJsonString()[..200]);
    }

    [BrowserFact]
    public void Bench_report_compares_every_board()
    {
        string html = _dir.File("bench.html");
        CliResult r = Run("bench", models.Q8Packed, "--board", "all", "--tokens", "24", "--report", html, "--json");
        string[] charts = ReportPageCheck.Check(html, r.Json, "bench-stories260K-q8-packed-all-boards", output);
        Assert.Contains("memory-plan", charts);
        Assert.Contains("io-per-token", charts);
        Assert.Contains("sd-ms-per-token", charts);
        Assert.Contains("time-split", charts);
    }

    [BrowserFact]
    public void Bench_report_without_a_board_leaves_out_what_it_has_no_data_for_with_a_sentence()
    {
        string html = _dir.File("bench-no-board.html");
        CliResult r = Run("bench", models.Q8, "--tokens", "16", "--report", html, "--json");
        string[] charts = ReportPageCheck.Check(html, r.Json, "bench-stories260K-q8-no-board", output);
        Assert.DoesNotContain("io-per-token", charts);
        Assert.DoesNotContain("sd-ms-per-token", charts);
        string[] missing = ReportPageCheck.MissingChartSentences(html);
        Assert.Contains(missing, m => m.Contains("no --board"));
    }

    [BrowserFact]
    public void Tune_report_shows_the_loss_curve_forgetting_and_memory()
    {
        string html = _dir.File("tune.html");
        CliResult r = Run("tune", models.Q8, "--text", Corpus("train.txt"), "--heldout", Corpus("heldout.txt"), "--steps", "20",
            "--board", "esp32-s3-devkitc-1-n8r8", "-o", _dir.File("a.eta"), "--report", html, "--json");
        Assert.Equal(20, r.Json["loss_curve"]!.AsArray().Count);
        string[] charts = ReportPageCheck.Check(html, r.Json, "tune-stories260K-q8-esp32-s3", output);
        Assert.Equal(["loss-per-step", "base-perplexity", "tuning-memory"], charts);
    }

    [BrowserFact]
    public void Eval_report_with_a_reference_shows_perplexity_and_agreement()
    {
        string html = _dir.File("eval.html");
        CliResult r = Run("eval", models.Q8, "--reference", SharedData.Stories260K, "--tokenizer", SharedData.Tok512, "--sequences", "4", "--report", html, "--json");
        string[] charts = ReportPageCheck.Check(html, r.Json, "eval-stories260K-q8-reference", output);
        Assert.Equal(["perplexity", "agreement"], charts);
    }

    [BrowserFact(sharedData: false)]
    public void Demo_writes_a_report_drawn_from_its_summary()
    {
        string folder = _dir.File("demo");
        CliResult r = CliRunner.RunWith(new Dictionary<string, string> { [DemoCommand.QuickVariable] = "1" }, "demo", "-o", folder);
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        string[] charts = ReportPageCheck.Check(Path.Combine(folder, "report.html"), summary, "demo-quick", output);
        foreach (string id in new[] { "per-token-reads", "per-token-bytes", "per-token-ms", "bits-per-matrix", "sensitivity", "coactivation-packed", "loss-per-step", "base-perplexity" })
            Assert.Contains(id, charts);
    }

    [Fact]
    public void A_report_path_that_is_a_folder_fails_before_any_work_with_exit_2()
    {
        CliResult r = CliRunner.Run("eval", _dir.File("missing.etb"), "--text", Corpus("train.txt"), "--report", _dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--report", r.Stderr);
        Assert.Contains(_dir.Path, r.Stderr);
    }
}

/// <summary>The browser check itself: it must see what it is there to catch.</summary>
public sealed class BrowserCheckTests
{
    [BrowserFact(sharedData: false)]
    public void A_script_error_on_a_page_reaches_the_console_check()
    {
        using var dir = new TempDir();
        string page = dir.File("broken.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><p>broken</p><script>undefinedFunction();</script></body></html>");
        using var browser = new Browser();
        IReadOnlyList<string> console = browser.Open(page);
        Assert.Contains(console, line => line.Contains("undefinedFunction"));
    }
}
