using System.Text.Json.Nodes;

namespace EdgeTiny.Cli.Tests;

/// <summary>`edgetiny tune` on stories260K q8 with the project's adaptation corpus, and adapters used by run and eval.</summary>
[Collection(CliCollection.Name)]
public sealed class TuneCommandTests(CliModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    private static string Corpus(string name) => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", name);

    public void Dispose() => _dir.Dispose();

    private CliResult Tune(params string[] extra) => CliRunner.Run(
        ["tune", models.Q8, "--text", Corpus("train.txt"), "--heldout", Corpus("heldout.txt"), "-o", _dir.File("a.eta"), "--json", .. extra]);

    [SharedDataFact]
    public void Tuning_the_last_two_layers_learns_the_new_world_without_forgetting_the_old()
    {
        CliResult r = Tune("--layers", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject j = r.Json;
        double drop = (double)j["heldout_loss_drop"]!, rise = (double)j["base_perplexity_rise"]!;
        Assert.True(drop >= 0.20, $"held-out loss dropped only {drop:P1}");
        Assert.True(rise <= 0.05, $"base-domain perplexity rose {rise:P1}");
        Assert.True(File.Exists(_dir.File("a.eta")));
        Assert.Equal(1u, (uint)j["generation"]!);
        // Held-out loss during the run (default 60 steps, 10 points): from before the first step to after the last.
        JsonObject[] during = [.. j["heldout_curve"]!.AsArray().Select(p => p!.AsObject())];
        Assert.Equal([0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60], during.Select(p => (int)p["step"]!));
        Assert.Equal((double)j["heldout_loss_before"]!, (double)during[0]["loss"]!, 3);
        Assert.Equal((double)j["heldout_loss_after"]!, (double)during[^1]["loss"]!, 3);
        // Voting over the exits at every window top. Per token, the max vote's loss is at least the best exit's and at most
        // that plus ln(exits) (it divides max_e P_e(y) by Σ_v max_e P_e(v) ∈ [1, exits]); the best exit is never worse than
        // the last, so the mean is at most the last exit's held-out loss + ln(exits). The weighted vote is a mixture of
        // exit distributions: a finite, positive loss. (ExitEnsembleTests check both rules exactly on a small model.)
        int exits = (int)j["exits"]!;
        double lastExit = (double)j["heldout_loss_after"]!, voteMax = (double)j["heldout_loss_voting_max"]!, voteWeighted = (double)j["heldout_loss_voting_weighted"]!;
        Assert.True(exits >= 2, $"{exits} exits");
        Assert.True(double.IsFinite(voteMax) && voteMax > 0 && voteMax <= lastExit + Math.Log(exits) + 1e-3, $"max vote {voteMax}, last exit {lastExit}, {exits} exits");
        Assert.True(double.IsFinite(voteWeighted) && voteWeighted > 0, $"weighted vote {voteWeighted}");
        output.WriteLine($"held-out loss: last exit {lastExit}, max vote {voteMax}, weighted vote {voteWeighted} ({exits} exits)");

        // The adapters change what the model says and lower its loss on the held-out stories.
        CliResult before = CliRunner.Run("eval", models.Q8, "--text", Corpus("heldout.txt"), "--json");
        CliResult after = CliRunner.Run("eval", models.Q8, "--text", Corpus("heldout.txt"), "--adapters", _dir.File("a.eta"), "--json");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.True((double)after.Json["loss_nats_per_token"]! < 0.9 * (double)before.Json["loss_nats_per_token"]!);
        CliResult run = CliRunner.Run("run", models.Q8, "--prompt", "Brindle", "--steps", "20", "--temperature", "0", "--adapters", _dir.File("a.eta"), "--json");
        Assert.Equal(0, run.ExitCode);

        // Tuning again writes the next generation; the previous one stays as .old.
        CliResult again = Tune("--layers", "2", "--steps", "5");
        Assert.Equal(2u, (uint)again.Json["generation"]!);
        Assert.True(File.Exists(_dir.File("a.eta.old")));
    }

    [SharedDataFact]
    public void One_layer_tuning_needs_a_quarter_of_full_depth_memory_and_fits_the_wrover_kit()
    {
        CliResult r = Tune("--layers", "1", "--board", "esp32-wrover-kit", "--steps", "10");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject m = r.Json["memory"]!.AsObject();
        long specific = (long)m["tuning"]!["tuning_specific_bytes"]!, fullDepth = (long)m["full_depth_adapter_tuning"]!["tuning_specific_bytes"]!;
        Assert.True(specific * 4 <= fullDepth, $"{specific} bytes is more than a quarter of {fullDepth}");
        Assert.True((long)m["tuning_peak_bytes"]! <= (long)m["budget_bytes"]!);
        Assert.True((long)m["full_fine_tuning"]!["total_bytes"]! > fullDepth);

        // The cost of a step on the board: the steps' counted kernel work split by firmware, plus the simulated SD time
        // the steps measured; the headline figure is the firmware with native kernels.
        JsonObject cost = r.Json["cost_per_step"]!.AsObject();
        long macs = (long)cost["macs"]!;
        double sd = (double)cost["simulated_sd_ms"]!, predicted = (double)cost["predicted_ms_on_board"]!;
        Assert.True(macs > 0 && sd >= 0);
        JsonNode native = cost["predicted"]!["native_kernels"]!["ms_per_step"]!, portable = cost["predicted"]!["portable_only"]!["ms_per_step"]!;
        Assert.Equal((double)native["total"]!, predicted, 0.01);
        Assert.Equal(sd, (double)native["sd"]!, 0.01);
        Assert.True((double)portable["total"]! > (double)native["total"]!);
        Assert.True((double)cost["predicted"]!["by_kernel"]!["MatTVecQ"]!["calls"]! > 0, "the backward pass's transposed products are counted");
        foreach (string kernel in new[] { "Ger", "AdamStep", "MatVecF32", "MatTVecF32" })
            Assert.True((bool)cost["predicted"]!["by_kernel"]![kernel]!["native_in_firmware"]!, $"tuning's {kernel} is counted and native in the image");
        Assert.DoesNotContain("Dot", cost["predicted"]!["by_kernel"]!.AsObject().Select(p => p.Key)); // the attention backward: AttentionScores now
    }

    [SharedDataFact]
    public void Bad_tuning_input_is_named()
    {
        CliResult r = Tune("--layers", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--layers", Assert.Single(r.ErrorLines));
        r = CliRunner.Run("tune", models.Q8, "--text", _dir.File("none.txt"), "-o", _dir.File("x.eta"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("none.txt", Assert.Single(r.ErrorLines));
        r = CliRunner.Run("run", models.Q8, "--adapters", _dir.File("missing.eta"), "--steps", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("adapters file not found", Assert.Single(r.ErrorLines));
        r = Tune("--budget", "200KB", "--layers", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tuning alone needs", Assert.Single(r.ErrorLines));
    }
}
