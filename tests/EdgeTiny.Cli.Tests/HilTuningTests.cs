using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// tests/hil/demo-tuning.cases.json (tune, save, reload, tune-then-generate against the desktop reference) passes against
/// a real `edgetiny board-sim --card` over TCP and against a card-backed device loop over a pseudo-terminal. The demo
/// model is committed, so these run without ../shared.
/// </summary>
public sealed class HilTuningTests
{
    private static string CaseFile => Path.Combine(SharedData.RepoRoot, "tests", "hil", "demo-tuning.cases.json");

    private static string Card(TempDir dir)
    {
        string card = dir.File("card");
        Directory.CreateDirectory(card);
        CliResult c = CliRunner.Run("convert", DemoModel.Checkpoint, "-o", Path.Combine(card, "model.etb"));
        Assert.True(c.ExitCode == 0, c.ToString());
        return card;
    }

    [Fact]
    public void Tuning_cases_pass_against_board_sim_with_a_card_over_tcp()
    {
        using var dir = new TempDir();
        string card = Card(dir);
        using var sim = BoardSimProcess.StartCard(card);
        CliResult r = CliRunner.Run("hil", "--target", sim.Target, "--cases", CaseFile, "--json");
        Assert.True(r.ExitCode == 0, r.ToString() + sim.Output);
        Assert.Equal(11, r.Json["cases"]!.AsArray().Count(c => (bool)c!["passed"]!));
        Assert.True(File.Exists(Path.Combine(card, "adapters.eta")));
    }

    [Fact]
    public void Tuning_cases_pass_over_a_serial_tty()
    {
        using var dir = new TempDir();
        string card = Card(dir);
        using var pty = new PtyLink();
        var source = new StreamBlockSource(File.OpenRead(Path.Combine(card, "model.etb")), ownsStream: true);
        var kernels = new PortableKernels();
        var sd = new DeviceCard(new FileStore(), Path.Combine(card, "adapters.eta"), Path.Combine(card, "upload.txt"));
        var server = new DeviceServer(source, new RuntimeOptions { BudgetBytes = 6 << 20 }, kernels, new DeviceInfo("pty-board", "test"), 4096, sd);
        var loop = new Thread(() => { while (server.Serve(pty)) { } });
        loop.Start();
        try
        {
            CliResult r = CliRunner.Run("hil", "--target", $"serial:{pty.SlavePath}@115200", "--cases", CaseFile, "--timeout", "120");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("11 of 11 cases passed", r.Stdout);
        }
        finally
        {
            server.Stop();
            Assert.True(loop.Join(TimeSpan.FromSeconds(10)), "device loop did not stop");
            source.Dispose();
        }
    }
}
