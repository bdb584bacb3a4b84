using EdgeTiny.Host.BoardSim;
using System.Diagnostics;
using EdgeTiny.Cli.Commands;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// Tuning on a board over the device protocol, with a real `edgetiny board-sim --card` process on 127.0.0.1 and the
/// committed demo model (runs without ../shared): the board's adapters are byte-identical to desktop `edgetiny tune`'s,
/// survive a restart, and power cuts (SIGKILL) inside save leave the old or the new adapters — never a broken state.
/// </summary>
public sealed class BoardTuningTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    private static string Train => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", "train.txt");

    /// <summary>A card folder holding the demo model converted by `edgetiny convert` (fp32).</summary>
    private string Card(string name)
    {
        string card = _dir.File(name);
        Directory.CreateDirectory(card);
        CliResult c = CliRunner.Run("convert", DemoModel.Checkpoint, "-o", Path.Combine(card, "model.etb"));
        Assert.True(c.ExitCode == 0, c.ToString());
        return card;
    }

    private static readonly string[] Settings = ["--layers", "2", "--rank", "4", "--steps", "4", "--seq-len", "32", "--lr", "5e-3", "--seed", "11",
        "--distill", "--rehearsal-weight", "3", "--lr-decay"];

    [Fact]
    public void Board_sim_tune_over_tcp_writes_the_same_adapters_file_as_desktop_tune_and_serves_it_after_a_restart()
    {
        string card = Card("card");
        string model = Path.Combine(card, "model.etb"), desktop = _dir.File("desktop.eta");
        CliResult d = CliRunner.Run(["tune", model, "--text", Train, .. Settings, "--kernels", "portable", "-o", desktop, "--json"]);
        Assert.True(d.ExitCode == 0, d.ToString());

        float[] curve;
        using (var sim = BoardSimProcess.StartCard(card))
        {
            CliResult b = CliRunner.Run(["tune", model, "--text", Train, .. Settings, "--target", sim.Target, "--json"]);
            Assert.True(b.ExitCode == 0, b.ToString() + sim.Output);
            curve = [.. b.Json["loss_curve"]!.AsArray().Select(v => (float)v!)];
            Assert.Equal(4, curve.Length);
            Assert.Equal(1, (int)b.Json["generation"]!);
            output.WriteLine($"board-sim loss per step: {string.Join(", ", curve.Select(l => l.ToString("F4")))}; "
                + $"ms per step: {string.Join(", ", b.Json["ms_per_step"]!.AsArray().Select(v => (double)v!))}; tuning peak {b.Json["tuning_peak_bytes"]} bytes");
        }
        // Identical files: same model, text, held-out choice (the last tenth), settings and portable kernels; both are the
        // first generation in their place.
        Assert.Equal(File.ReadAllBytes(desktop), File.ReadAllBytes(Path.Combine(card, "adapters.eta")));

        // Restarted on the same card, the board comes back with them: it generates what the desktop does with the file.
        using var again = BoardSimProcess.StartCard(card);
        Assert.Contains("adapters generation 1 loaded", again.Output);
        CliResult onBoard = CliRunner.Run("run", model, "--target", again.Target, "--prompt", "Once upon a time", "--steps", "24", "--temperature", "0", "--json");
        CliResult onDesktop = CliRunner.Run("run", model, "--adapters", desktop, "--kernels", "portable", "--prompt", "Once upon a time", "--steps", "24", "--temperature", "0", "--json");
        Assert.True(onBoard.ExitCode == 0, onBoard.ToString());
        Assert.True(onDesktop.ExitCode == 0, onDesktop.ToString());
        Assert.Equal(onDesktop.Json["tokens"]!.ToJsonString(), onBoard.Json["tokens"]!.ToJsonString());
        Assert.Equal((string)onDesktop.Json["text"]!, (string)onBoard.Json["text"]!);
        Assert.True((long)onBoard.Json["memory"]!["peak_bytes"]! <= (long)onBoard.Json["memory"]!["budget_bytes"]!);
        Assert.True((long)onBoard.Json["io"]!["reads"]! >= 0);
    }

    [Fact]
    public void Bad_tune_and_run_target_input_exits_2_with_one_line_naming_the_flag_or_file()
    {
        string card = Card("bad");
        string model = Path.Combine(card, "model.etb");
        using var sim = BoardSimProcess.StartCard(card);
        (string[] Args, string Names)[] cases =
        [
            (["tune", model, "--text", Train, "--layers", "99", "--target", sim.Target], "--layers"),
            (["tune", model, "--text", _dir.File("missing.txt"), "--target", sim.Target], "missing.txt"),
            (["tune", model, "--text", Train, "--target", "ftp://x"], "--target"),
            (["tune", model, "--text", Train, "--target", sim.Target, "-o", _dir.File("x.eta")], "--output"),
            (["run", model, "--target", "tcp://127.0.0.1:1", "--steps", "2"], "--target"),
        ];
        foreach (var (args, names) in cases)
        {
            CliResult r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 2, string.Join(' ', args) + "\n" + r);
            Assert.Contains(names, Assert.Single(r.ErrorLines));
        }
    }

    [Fact]
    public void Power_cuts_during_save_on_board_sim_leave_the_old_or_the_new_adapters_never_a_broken_state()
    {
        const int kills = 200;
        string card = Card("power");
        string model = Path.Combine(card, "model.etb"), eta = Path.Combine(card, "adapters.eta");
        var config = EdgeTiny.Host.EtbFile.ReadHead(model).Config;
        var slow = new Dictionary<string, string> { [SimCardStore.DelayVariable] = "1" };
        int[] probe = [1, 60, 61, 62, 63];

        // Two known states: fresh adapters tuned with seed 1 (P1) and with seed 2 (P2) — a fresh tune does not depend on
        // what was loaded, so each is the same every time. Their payloads and the logits a board serves with each.
        var payload = new byte[3][];
        var logits = new float[3][];
        double saveMs = 0;
        using (var sim = BoardSimProcess.StartCard(card, environment: slow))
        using (var c = Connect(sim))
            for (int s = 1; s <= 2; s++)
            {
                c.Client.Tune(Tiny((ulong)s), false, Story, null);
                var watch = Stopwatch.StartNew();
                c.Client.Save();
                saveMs = Math.Max(saveMs, watch.Elapsed.TotalMilliseconds);
                payload[s] = Payload(eta, config);
                logits[s] = c.Client.Logits(probe, 4).Values;
            }
        output.WriteLine($"a save on the slowed card takes {saveMs:F0} ms");
        Assert.NotEqual(payload[1], payload[2]);

        int old = 0, fresh = 0, broken = 0, lastGen = 2, lastState = 2;
        var random = new Random(2026);
        var clock = Stopwatch.StartNew();
        for (int k = 0; k < kills; k++)
        {
            using var sim = BoardSimProcess.StartCard(card, environment: slow);
            using var c = Connect(sim);
            // What the restarted board serves: one of the two known states, at the generation the last save left.
            StatusReply st = c.Client.Status();
            float[] served = c.Client.Logits(probe, 4).Values;
            int state = served.SequenceEqual(logits[1]) ? 1 : served.SequenceEqual(logits[2]) ? 2 : 0;
            if (k > 0)
            {
                if (state == lastState && st.Generation == lastGen) old++;
                else if (state == 3 - lastState && st.Generation == lastGen + 1) fresh++;
                else
                {
                    broken++;
                    output.WriteLine($"kill {k}: generation {st.Generation} state {state} after generation {lastGen} state {lastState}");
                }
            }
            if (state == 0) state = 1; // (counted as broken above) carry on from P1
            lastState = state;
            lastGen = (int)st.Generation;

            // Tune the other state, then cut the power somewhere inside save.
            int next = 3 - state;
            c.Client.Tune(Tiny((ulong)next), false, Story, null);
            var save = new Thread(() => { try { c.Client.Save(); } catch (Exception) { } });
            save.Start();
            Thread.Sleep(random.Next(0, (int)(saveMs * 1.1) + 1));
            sim.PowerCut();
            save.Join(15000);
        }
        // The last cut, checked without another save.
        using (var sim = BoardSimProcess.StartCard(card))
        using (var c = Connect(sim))
        {
            StatusReply st = c.Client.Status();
            float[] served = c.Client.Logits(probe, 4).Values;
            int state = served.SequenceEqual(logits[1]) ? 1 : served.SequenceEqual(logits[2]) ? 2 : 0;
            if (state == lastState && st.Generation == lastGen) old++;
            else if (state == 3 - lastState && st.Generation == lastGen + 1) fresh++;
            else broken++;
            Assert.Equal(AdapterFile.NewestGeneration(new FileStore(), eta, config), st.Generation);
            Assert.Equal(payload[state == 0 ? 1 : state], Payload(eta, config));
        }
        output.WriteLine($"{kills} power cuts inside save in {clock.Elapsed.TotalSeconds:F0} s: old {old}, new {fresh}, broken {broken}");
        Assert.Equal(0, broken);
        Assert.Equal(kills, old + fresh);
        Assert.True(old > 0 && fresh > 0, $"cuts should land both before and after the commit: old {old}, new {fresh}");
    }

    private const string Story = "Once upon a time, Tom had a red ball. He liked to play with it in the park every day. One day the ball rolled away.";

    private static TuneSettings Tiny(ulong seed) => new()
    {
        Window = 1, Rank = 2, Steps = 1, SequenceLength = 8, RehearsalSteps = 0, RehearsalSequences = 1, BaseSequences = 0, Seed = seed,
        LearningRate = 1e-2f,
    };

    private static byte[] Payload(string eta, EdgeTiny.Runtime.Model.ModelConfig config)
    {
        var set = AdapterFile.Load(new FileStore(), eta, config, false, new EdgeTiny.Runtime.Memory.MemoryLedger());
        var b = new byte[set.SerializedBytes];
        set.Serialize(b, 0);
        return b;
    }

    private sealed class Connection(OpenedLink link) : IDisposable
    {
        public DeviceClient Client { get; } = new(link.Link, 1 << 16) { ReplyTimeoutMs = 60000 };
        public void Dispose() => link.Dispose();
    }

    private static Connection Connect(BoardSimProcess sim) => new(LinkTarget.Parse(sim.Target).Open());

    public void Dispose() => _dir.Dispose();
}
