using EdgeTiny.Cli.Commands;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// The real model tuned on a board over the device protocol: stories260K at 8 bits on a card, a real `edgetiny board-sim`
/// process simulating the ESP32-WROVER-KIT (its RAM budget and SD timing) on 127.0.0.1, `edgetiny tune --target`
/// uploading tests/data/adaptation/train.txt, and the saved adapters checked on the desktop on held-out text the board
/// never saw.
/// </summary>
public sealed class Stories260KBoardTuningTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    private static string Data(string file) => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", file);

    [SharedDataFact]
    public void Stories260K_q8_with_K_2_tuned_over_tcp_on_a_wrover_board_sim_lowers_held_out_loss_by_a_fifth_within_the_budget()
    {
        string card = _dir.File("card");
        Directory.CreateDirectory(card);
        string model = Path.Combine(card, "model.etb");
        CliResult c = CliRunner.Run("convert", SharedData.Stories260K, "--tokenizer", SharedData.Tok512, "--bits", "8", "--policy", "none",
            "--tunable-layers", "2", "-o", model);
        Assert.True(c.ExitCode == 0, c.ToString());

        using (var sim = BoardSimProcess.StartCard(card, "esp32-wrover-kit"))
        {
            CliResult t = CliRunner.Run("tune", model, "--text", Data("train.txt"), "--layers", "2", "--steps", "60", "--target", sim.Target, "--json");
            Assert.True(t.ExitCode == 0, t.ToString() + sim.Output);
            long peak = (long)t.Json["tuning_peak_bytes"]!, budget = (long)t.Json["budget_bytes"]!;
            Assert.True(peak <= budget, $"tuning peak {peak} above the board's budget {budget}");
            Assert.Equal(1, (int)t.Json["generation"]!);
            output.WriteLine($"board: loss {t.Json["first_loss"]} → {t.Json["last_loss"]}, its held-out {t.Json["heldout_loss_before"]} → "
                + $"{t.Json["heldout_loss_after"]}, peak {peak} of {budget} bytes");
        }

        // The board's adapters, on the desktop, on held-out text the board never saw.
        CliResult before = CliRunner.Run("eval", model, "--text", Data("heldout.txt"), "--json");
        CliResult after = CliRunner.Run("eval", model, "--text", Data("heldout.txt"), "--adapters", Path.Combine(card, "adapters.eta"), "--json");
        Assert.True(before.ExitCode == 0 && after.ExitCode == 0, before.ToString() + after);
        double lossBefore = (double)before.Json["loss_nats_per_token"]!, lossAfter = (double)after.Json["loss_nats_per_token"]!;
        output.WriteLine($"held-out loss {lossBefore:F4} → {lossAfter:F4} ({(1 - lossAfter / lossBefore) * 100:F1}% lower)");
        Assert.True(lossAfter <= 0.8 * lossBefore, $"held-out loss {lossBefore} → {lossAfter}: less than a 20% drop");
    }

    public void Dispose() => _dir.Dispose();
}
