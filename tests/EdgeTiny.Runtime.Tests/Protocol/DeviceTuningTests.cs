using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Tests.Training;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Protocol;

/// <summary>
/// Protocol version 2 in process (a pipe, the committed demo model): upload in chunks, tune with one progress frame per
/// step, save / load-adapters / reset-adapters / status, logits that use the loaded adapters, an over-budget tune refused
/// with the minimum while the board keeps serving, and version 1 frames still answered in version 1.
/// </summary>
public sealed class DeviceTuningTests(DemoF32File demo, ITestOutputHelper output) : IClassFixture<DemoF32File>, IDisposable
{
    private const int MaxPayload = 2048;
    private readonly TempDir _card = new();

    private static string Corpus(string name) => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", name);

    private static readonly TuneSettings Small = new()
    {
        Window = 2, Rank = 4, Steps = 3, LearningRate = 5e-3f, SequenceLength = 32, RehearsalSequences = 4, BaseSequences = 0,
    };

    private sealed record Board(DeviceServer Server, PipeLink Host, Task<bool> Loop, DeviceClient Client) : IDisposable
    {
        public void Dispose()
        {
            Host.Close();
            Assert.True(Loop.Wait(TimeSpan.FromSeconds(30)), "the device loop did not end");
        }
    }

    private Board Start(long budget = 0)
    {
        var source = new StreamBlockSource(File.OpenRead(demo.Path), ownsStream: true);
        var kernels = new PortableKernels();
        var card = new DeviceCard(new FileStore(), _card.File("adapters.eta"), _card.File("upload.txt"));
        var server = new DeviceServer(source, new RuntimeOptions { BudgetBytes = budget }, kernels, new DeviceInfo("test-board", "test-fw 2"), MaxPayload, card);
        var (host, device) = PipeLink.Create();
        return new Board(server, host, Task.Run(() => server.Serve(device)), new DeviceClient(host, MaxPayload) { ReplyTimeoutMs = 60000 });
    }

    private static float[] TopLogits(DeviceClient c, int[] tokens)
    {
        return c.Logits(tokens, 4).Values;
    }

    [Fact]
    public void Upload_tune_save_load_and_reset_change_what_logits_and_status_report()
    {
        byte[] text = File.ReadAllBytes(Corpus("train.txt"));
        int[] probe = [1, 60, 61, 62, 63, 64];
        using (Board b = Start())
        {
            float[] baseLogits = TopLogits(b.Client, probe);
            Assert.Equal(DeviceProtocol.AdaptersNone, b.Client.Status().Adapters);
            Assert.Equal(text.Length, b.Client.Upload(text, MaxPayload)); // 4 KB in 2 KB frames: 3 chunks
            Assert.Equal(text, File.ReadAllBytes(_card.File("upload.txt")));

            var steps = new List<TuneProgress>();
            TuneReply t = b.Client.Tune(Small, false, null, steps.Add);
            Assert.Equal(Enumerable.Range(1, Small.Steps), steps.Select(s => s.Step));
            Assert.Equal(steps[0].Loss, t.FirstLoss);
            Assert.Equal(steps[^1].Loss, t.LastLoss);
            output.WriteLine($"demo on the protocol: losses {string.Join(", ", steps.Select(s => s.Loss.ToString("F4")))}; "
                + $"{steps.Average(s => s.Microseconds) / 1000:F1} ms per step; tuning peak {t.TuningPeakBytes} bytes");

            StatusReply s = b.Client.Status();
            Assert.Equal(DeviceProtocol.AdaptersUnsaved, s.Adapters);
            Assert.Equal((0u, Small.Steps, Small.Steps, 2, 4), (s.Generation, s.StepsDone, s.Steps, s.Layers, s.Rank));
            float[] tuned = TopLogits(b.Client, probe);
            Assert.NotEqual(baseLogits, tuned);

            SaveReply saved = b.Client.Save();
            Assert.Equal(1u, saved.Generation);
            Assert.Equal((DeviceProtocol.AdaptersSaved, 1u, 1u), (b.Client.Status().Adapters, b.Client.Status().Generation, b.Client.Status().NewestOnCard));

            b.Client.ResetAdapters();
            Assert.Equal(baseLogits, TopLogits(b.Client, probe));
            Assert.Equal(1u, b.Client.LoadAdapters());
            Assert.Equal(tuned, TopLogits(b.Client, probe));
        }

        // A restarted board loads the saved adapters at start.
        using (Board again = Start())
        {
            Assert.Contains("generation 1", again.Server.StartNote);
            Assert.Equal(1u, again.Client.Status().Generation);
        }
    }

    [Fact]
    public void An_over_budget_tune_is_refused_with_the_minimum_and_the_board_keeps_serving()
    {
        // 300 KB: the demo model serves from it (weights streamed from the card), but this tuning plan does not fit.
        using Board b = Start(300_000);
        string inline = File.ReadAllText(Corpus("train.txt"))[..1500];
        var e = Assert.Throws<DeviceErrorException>(() => b.Client.Tune(Small, false, inline, null));
        Assert.Equal(ErrorCode.BadArgument, e.Code);
        Assert.Matches(@"needs at least \d+ bytes", e.Message);
        output.WriteLine(e.Message);
        Assert.Equal(DeviceProtocol.AdaptersNone, b.Client.Status().Adapters);
        Assert.Equal(3, b.Client.Generate([1], 3, 0f, 0f, 1).Tokens.Length);

        var bad = new TuneSettings { Window = 99, Rank = 4 };
        var e2 = Assert.Throws<DeviceErrorException>(() => b.Client.Tune(bad, false, inline, null));
        Assert.Equal(ErrorCode.BadArgument, e2.Code);
        Assert.Contains("layers", e2.Message);
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => b.Client.Save()).Code);
    }

    [Fact]
    public void Tune_with_measure_reports_held_out_and_base_losses_and_undefined_schedule_bits_are_refused()
    {
        string inline = File.ReadAllText(Corpus("train.txt"))[..1800];
        var recipe = new TuneSettings
        {
            Window = 2, Rank = 4, Steps = 12, LearningRate = 5e-3f, SequenceLength = 32, RehearsalSequences = 4, BaseSequences = 4,
            RehearsalDistill = true, RehearsalWeight = 2f, LearningRateDecay = true,
        };
        float[] measuredLogits;
        using (Board b = Start())
        {
            TuneReply t = b.Client.Tune(recipe, false, inline, null, measure: true);
            Assert.True(t.Measured);
            output.WriteLine($"board held-out loss {t.HeldOutLossBefore:F4} → {t.HeldOutLossAfter:F4}; base-sample loss {t.BaseLossBefore:F4} → {t.BaseLossAfter:F4}");
            Assert.True(t.HeldOutLossAfter < t.HeldOutLossBefore, "tuning on the text lowers the loss on its held-out tenth");
            Assert.True(t.BaseLossBefore > 0 && t.BaseLossAfter > 0);
            measuredLogits = TopLogits(b.Client, [1, 60, 61, 62]);

            // A schedule byte with an undefined bit: a clear error, and the board keeps serving its tuned adapters.
            byte[] payload = Frames.Payload(w => DeviceClient.WriteTuneRequest(w, recipe, false, inline));
            int scheduleAt = 1 + 2 + 2 + 4 + 4 + 4 + 1 + 4 + 2 + 8 + 1 + 2 + 2 + 4; // flags … base sequences, rehearsal weight
            Assert.Equal(DeviceProtocol.ScheduleLrDecay, payload[scheduleAt]);
            payload[scheduleAt] = 0x80;
            PayloadWriter w = b.Client.Begin();
            foreach (byte x in payload) w.WriteByte(x);
            var e = Assert.Throws<DeviceErrorException>(() => b.Client.Call(DeviceProtocol.Tune));
            Assert.Equal(ErrorCode.BadArgument, e.Code);
            Assert.Contains("schedule bits", e.Message);
            Assert.Equal(measuredLogits, TopLogits(b.Client, [1, 60, 61, 62]));
        }

        // Measuring before and after does not change what is trained: the same request without it gives the same adapters.
        using (Board b = Start())
        {
            TuneReply t = b.Client.Tune(recipe, false, inline, null);
            Assert.False(t.Measured);
            Assert.Equal(measuredLogits, TopLogits(b.Client, [1, 60, 61, 62]));
        }
    }

    [Fact]
    public void Version_1_frames_are_answered_in_version_1_and_tune_needs_version_2()
    {
        using Board b = Start();
        byte[] hello = Frames.Build(DeviceProtocol.Hello, 9, []);
        hello[4] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(16), EdgeTiny.Runtime.Format.Crc32.Compute(hello, 0, 16));
        b.Host.Write(hello, 0, hello.Length);
        var reader = new FrameReader(MaxPayload);
        reader.Attach(b.Host);
        int r;
        while ((r = reader.Next()) == FrameReader.Idle) { }
        Assert.Equal(FrameReader.Frame, r);
        Assert.Equal(1, FrameCodec.Version(reader.Buffer));
        Assert.Equal(DeviceProtocol.Hello | DeviceProtocol.ReplyBit, reader.Kind);

        byte[] tune = Frames.Build(DeviceProtocol.Tune, 10, []);
        tune[4] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(tune.AsSpan(16), EdgeTiny.Runtime.Format.Crc32.Compute(tune, 0, 16));
        b.Host.Write(tune, 0, tune.Length);
        while ((r = reader.Next()) == FrameReader.Idle) { }
        Assert.Equal(DeviceProtocol.Error, reader.Kind);
        Assert.Equal(1, FrameCodec.Version(reader.Buffer));
    }

    /// <summary>
    /// Hands the device a fixed script of request frames, then closes; replies are dropped (no buffering, no allocation),
    /// but the bytes this thread had allocated when each reply frame went out are noted (in a preallocated array).
    /// </summary>
    private sealed class ScriptLink(byte[] script) : IDeviceLink
    {
        private int _at;
        public readonly long[] AllocatedAtWrite = new long[256];
        public int Writes;
        public int Read(byte[] buffer, int offset, int count)
        {
            if (_at >= script.Length) return LinkRead.Closed;
            int n = Math.Min(count, script.Length - _at);
            Array.Copy(script, _at, buffer, offset, n);
            _at += n;
            return n;
        }
        public void Write(byte[] buffer, int offset, int count)
        {
            if (Writes < AllocatedAtWrite.Length) AllocatedAtWrite[Writes] = GC.GetAllocatedBytesForCurrentThread();
            Writes++;
        }
    }

    [Fact]
    public void Tuning_steps_allocate_nothing_on_the_board()
    {
        // Set-up (tokenizing, the tuning plan, re-opening the serving plan) allocates; the steps must not. The board
        // writes a progress frame after every step, so the bytes this thread allocated between the frames of steps 2
        // and 12 are what those ten steps allocated. The server runs on this thread over a scripted link, so the count
        // is the server's alone; a first request warms the JIT up (its own allocations would land on this thread too).
        var board = Start();
        board.Dispose();
        string inline = File.ReadAllText(Corpus("train.txt"))[..1500];
        var script = new List<byte>();
        uint id = 100;
        const int steps = 12;
        foreach (bool distill in new[] { true, true })
        {
            var s = new TuneSettings
            {
                Window = 1, Rank = 2, Steps = steps, SequenceLength = 16, RehearsalSequences = 2, BaseSequences = 2, LearningRate = 1e-3f,
                RehearsalDistill = distill, RehearsalWeight = 2f, LearningRateDecay = true,
            };
            script.AddRange(Frames.Build(DeviceProtocol.Tune, id++, Frames.Payload(w => DeviceClient.WriteTuneRequest(w, s, false, inline, measure: true))));
        }
        var link = new ScriptLink([.. script]);
        board.Server.Serve(link);
        Assert.Equal(2 * (steps + 1), link.Writes); // per request: a progress frame per step, then the reply
        int second = steps + 1; // the measured request's first progress frame
        long tenSteps = link.AllocatedAtWrite[second + steps - 1] - link.AllocatedAtWrite[second + 1];
        output.WriteLine($"bytes allocated by steps 3..12 of a tune request: {tenSteps}");
        Assert.Equal(0, tenSteps);
    }


    public void Dispose() => _card.Dispose();
}
