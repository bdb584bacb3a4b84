using System.Text.Json.Nodes;

namespace EdgeTiny.Cli.Tests;

/// <summary>`convert --policy luc` and `eval` through the real command.</summary>
[Collection(CliCollection.Name)]
public sealed class CompressionCommandTests(CliModels models) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Float32 neuron bundles (packed, no quantization) run resident and match the source model.</summary>
    [SharedDataFact]
    public void Float_packed_ffn_runs_and_matches_the_source()
    {
        string output = _dir.File("packed-f32.etb");
        CliResult c = CliRunner.Run("convert", SharedData.Stories260K, "--pack", "coactivation", "--ffn-energy", "1", "-o", output, "--json");
        Assert.True(c.ExitCode == 0, c.ToString());
        CliResult e = CliRunner.Run("eval", output, "--reference", SharedData.Stories260K, "--json");
        Assert.True(e.ExitCode == 0, e.ToString());
        Assert.True((double)e.Json["kl"]! <= 1e-4, e.Stdout);
        Assert.True((double)e.Json["top1_agreement"]! >= 0.99, e.Stdout);
    }

    /// <summary>
    /// A LUC file 5× smaller than fp32 (204,800 B vs 1,055,232 B) keeps mean KL ≤ 0.05 against the source model,
    /// measured by the runtime on text the source model samples (not the calibration text).
    /// </summary>
    [SharedDataFact]
    public void Luc_within_200KB_is_5x_smaller_than_fp32_with_kl_below_005()
    {
        string output = _dir.File("luc.etb");
        CliResult c = CliRunner.Run("convert", SharedData.Stories260K, "--policy", "luc", "--budget", "200KB", "-o", output, "--json");
        Assert.True(c.ExitCode == 0, c.ToString());
        JsonObject conv = c.Json;
        long bytes = (long)conv["file_bytes"]!;
        Assert.True(bytes <= 200 * 1024, $"{bytes} bytes");
        Assert.Contains("knapsack", (string)conv["plan"]!);
        Assert.All(conv["tensors"]!.AsArray().Where(t => (int)t!["rows"]! > 1), t => Assert.NotNull(t!["sensitivity"]));
        Assert.True(double.IsFinite((double)conv["seconds"]!)); // reported; how long it took is not a test (shared machines)

        CliResult e = CliRunner.Run("eval", output, "--reference", SharedData.Stories260K, "--json");
        Assert.True(e.ExitCode == 0, e.ToString());
        double kl = (double)e.Json["kl"]!;
        Assert.True(kl <= 0.05, $"KL {kl}");
        Assert.True(new FileInfo(models.F32).Length / (double)bytes >= 5.0);
    }

    [SharedDataFact]
    public void Eval_reports_perplexity_on_a_text_file_and_zero_kl_for_fp32()
    {
        string text = _dir.File("story.txt");
        File.WriteAllText(text, Golden.Cases[0].Text + "\n" + Golden.Cases[1].Text);
        CliResult r = CliRunner.Run("eval", models.F32, "--text", text, "--reference", SharedData.Stories260K, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0.0, (double)r.Json["kl"]!, 6);
        Assert.Equal(1.0, (double)r.Json["top1_agreement"]!);
        double ppl = (double)r.Json["perplexity"]!;
        Assert.InRange(ppl, 1.0, 10.0); // the model's own greedy text is easy for it
        Assert.Equal((double)r.Json["reference_perplexity"]!, ppl, 3);
    }

    [SharedDataFact]
    public void Policies_that_need_a_size_say_so()
    {
        CliResult r = CliRunner.Run("convert", SharedData.Stories260K, "--policy", "luc", "-o", _dir.File("x.etb"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--budget: policy luc needs a size", Assert.Single(r.ErrorLines));
        r = CliRunner.Run("eval", models.Q8);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--text: give --text FILE or --reference", Assert.Single(r.ErrorLines));
        r = CliRunner.Run("convert", SharedData.Stories260K, "--policy", "luc", "--budget", "30KB", "-o", _dir.File("y.etb"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--budget", Assert.Single(r.ErrorLines));
        Assert.False(File.Exists(_dir.File("y.etb")));
    }
}
