using System.Text.Json.Nodes;
using EdgeTiny.Cli.Commands;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Model;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Cli.Tests;

/// <summary>`edgetiny demo` end to end, as a new user runs it (shortened by EDGETINY_DEMO_QUICK): the files it writes and what they say.</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_converts_generates_tunes_and_saves_everything()
    {
        using var dir = new TempDir();
        string output = Path.Combine(dir.Path, "my-demo");
        CliResult r = CliRunner.RunWith(new Dictionary<string, string> { [DemoCommand.QuickVariable] = "1" }, "demo", "-o", output);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string f in new[] { "demo.etb", "card/model.etb", "card/adapters.eta", "summary.json", "adaptation.txt", "adaptation-heldout.txt", "base-village.txt" })
            Assert.True(File.Exists(Path.Combine(output, f)), $"{f} missing\n{r}");
        Assert.Empty(Directory.GetFiles(output, "*.tmp")); // every file was written atomically

        JsonObject s = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!.AsObject();
        JsonNode convert = s["convert"]!, generate = s["generate"]!, tune = s["tune"]!;
        Assert.True((long)convert["bytes"]! <= (long)convert["size_budget_bytes"]!);
        Assert.Equal(24, (int)generate["tokens"]!);
        Assert.True((long)generate["peak_bytes"]! <= (long)generate["budget_bytes"]!);
        Assert.True((double)generate["reads_per_token"]! > 0, "the board streams weights from its SD card");
        Assert.False(string.IsNullOrWhiteSpace((string)generate["text"]!));
        // Tuning went to the board over the device protocol on 127.0.0.1, which saved generation 1 on its card, within
        // its budget; it lowered the loss on held-out harbor stories the board never saw (per-step training losses are
        // on different sequences, too noisy over a dozen steps to compare first with last).
        Assert.StartsWith("device protocol, tcp://127.0.0.1:", (string)tune["over"]!);
        Assert.Equal(1, (int)tune["generation"]!);
        Assert.True((long)tune["tuning_peak_bytes"]! <= (long)tune["budget_bytes"]!);
        Assert.Equal(12, tune["loss_curve"]!.AsArray().Count);
        Assert.True((double)tune["heldout_loss_after"]! < (double)tune["heldout_loss_before"]! - 0.05, tune.ToJsonString());
        Assert.True((double)tune["base_perplexity_before"]! > 1 && (double)tune["base_perplexity_after"]! > 1, tune.ToJsonString());
        Assert.True((double)tune["predicted_ms_per_step"]! > 0);
        // The predicted step is the board-sim's own steps' kernel work, tuning's kernels included, priced per firmware.
        JsonNode predicted = tune["predicted"]!;
        Assert.Equal(12, (int)predicted["units_counted"]!);
        Assert.Equal((double)tune["predicted_ms_per_step"]!, (double)predicted["native_kernels"]!["ms_per_step"]!["total"]!, 0.01);
        Assert.True((double)predicted["portable_only"]!["ms_per_step"]!["total"]! > (double)predicted["native_kernels"]!["ms_per_step"]!["total"]!);
        foreach (string kernel in new[] { "Ger", "AdamStep", "MatVecF32", "MatTVecF32" })
            Assert.True((double)predicted["by_kernel"]![kernel]!["calls"]! > 0, $"{kernel} is counted in a step");
        Assert.Contains("ms per tuning step (native kernels", r.Stdout);
        Assert.Contains(EdgeTiny.Host.Prediction.OnBoardPrediction.WithNativeKernels, r.Stdout);
        JsonArray prompts = tune["prompts"]!.AsArray();
        Assert.Equal(3, prompts.Count);
        Assert.All(prompts, p => Assert.False(string.IsNullOrWhiteSpace((string)p!["before"]!) || string.IsNullOrWhiteSpace((string)p!["after"]!)));
        Assert.Contains(prompts, p => (string)p!["domain"]! == "harbor");
        Assert.Contains("Generated on the simulated board", r.Stdout);
        Assert.Contains("Tuned on the board over the device protocol", r.Stdout);
        Assert.Contains("after tuning", r.Stdout);

        // The file is packed below the tuned layers and dense in them.
        var source = new StreamBlockSource(File.OpenRead(Path.Combine(output, "demo.etb")), ownsStream: true);
        EtbModel m = EtbModel.Open(source, new RuntimeOptions());
        bool[] packed = LlamaWeights.PackedLayers(m.Reader, m.Config);
        source.Dispose();
        int tuned = (int)convert["dense_top_layers"]!;
        Assert.All(packed.Take(m.Config.Layers - tuned), Assert.True);
        Assert.All(packed.Skip(m.Config.Layers - tuned), Assert.False);
        Assert.Equal(ModelConfig.ActivationReluGlu, m.Config.FfnActivation);
    }
}
