using System.Buffers.Binary;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Tests.Protocol;

/// <summary>The device loop over an in-memory pipe with stories260K: every command, every malformed case, and the loop going on.</summary>
[Collection(Stories260KCollection.Name)]
public sealed class DeviceServerTests(ConvertedModels models)
{
    private const int MaxPayload = 4096;

    private sealed class Running : IDisposable
    {
        public required DeviceServer Server { get; init; }
        public required PipeLink Host { get; init; }
        public required Task<bool> Loop { get; init; }
        public DeviceClient Client => _client ??= new DeviceClient(Host, MaxPayload) { ReplyTimeoutMs = 30000 };
        private DeviceClient? _client;

        /// <summary>The next frame the device sends, read raw.</summary>
        public (int Kind, uint Id, PayloadReader Payload) Reply()
        {
            var reader = _raw ??= NewReader();
            for (int i = 0; i < 1000; i++)
            {
                int r = reader.Next();
                if (r == FrameReader.Idle) continue;
                Assert.Equal(FrameReader.Frame, r);
                var p = new PayloadReader();
                p.Reset(reader.Buffer, DeviceProtocol.HeaderBytes, reader.PayloadLength);
                return (reader.Kind, reader.RequestId, p);
            }
            throw new TimeoutException("no reply");
        }

        public (int Code, int FailedKind, string Message) ErrorReply(uint expectedId)
        {
            var (kind, id, p) = Reply();
            Assert.Equal(DeviceProtocol.Error, kind);
            Assert.Equal(expectedId, id);
            int code = p.ReadUInt16("code");
            int failed = p.ReadByte("kind");
            p.ReadByte("reserved");
            return (code, failed, p.ReadString("message"));
        }

        private FrameReader? _raw;
        private FrameReader NewReader()
        {
            var r = new FrameReader(MaxPayload);
            r.Attach(Host);
            return r;
        }

        public void Dispose()
        {
            Host.Close();
            Assert.True(Loop.Wait(TimeSpan.FromSeconds(30)), "the device loop did not end after the host closed");
        }
    }

    private Running Start(string? path = null, RuntimeOptions? options = null)
    {
        var source = new StreamBlockSource(File.OpenRead(path ?? models.Q8Path), ownsStream: true);
        EtbModel model = EtbModel.Open(source, options ?? new RuntimeOptions());
        var kernels = new PortableKernels();
        var server = new DeviceServer(model, model.CreateTransformer(kernels), kernels, new DeviceInfo("test-board", "test-fw 1"), MaxPayload);
        var (host, device) = PipeLink.Create();
        return new Running { Server = server, Host = host, Loop = Task.Run(() => server.Serve(device)) };
    }

    private static int[] Greedy(string path, int[] prompt, int steps)
    {
        EtbModel m = ConvertedModels.Load(path);
        var kernels = new PortableKernels();
        var g = new Generator(m.CreateTransformer(kernels), m.CreateSampler(0f, 0.9f, 1, kernels));
        g.Start(prompt, prompt.Length, steps);
        var tokens = new List<int>();
        for (int t = g.Next(); t >= 0; t = g.Next()) tokens.Add(t);
        return [.. tokens];
    }

    [SharedDataFact]
    public void Hello_describes_the_board_firmware_and_model()
    {
        using Running run = Start();
        HelloReply h = run.Client.Hello();
        Assert.Equal(DeviceProtocol.Version, h.ProtocolVersion);
        Assert.Equal(MaxPayload, h.MaxPayload);
        Assert.Equal("test-board", h.BoardId);
        Assert.Equal("test-fw 1", h.FirmwareVersion);
        Assert.Matches("^[0-9a-f]{64}$", h.ModelSourceSha256);
        byte[] header = File.ReadAllBytes(models.Q8Path)[..64];
        Assert.Equal(EdgeTiny.Runtime.Format.Crc32.Compute(header, 0, 60), h.ModelCrc);
        Assert.NotEqual(h.ModelCrc, DeviceServer.ModelFingerprint(new StreamBlockSource(File.OpenRead(models.F32Path), ownsStream: true)));
        Assert.Equal(new FileInfo(models.Q8Path).Length, h.ModelBytes);
        Assert.Equal((64, 512, 5, 8, 4), (h.Dim, h.VocabSize, h.Layers, h.Heads, h.KvHeads));
        Assert.Equal(512, h.Context);
        Assert.True(h.ProtocolBytes > 2 * MaxPayload);
    }

    [SharedDataFact]
    public void Greedy_generation_matches_the_golden_tokens_from_tokens_or_text()
    {
        using Running run = Start(models.F32Path);
        GoldenCase g = Golden.Cases[0];
        int[] prompt = g.Tokens[..g.PromptTokens];
        GenerateReply fromTokens = run.Client.Generate(prompt, 48, 0f, 0.9f, 1);
        Assert.Equal(g.Generated, fromTokens.Tokens);
        Assert.Equal(prompt, fromTokens.PromptTokens);
        Assert.Equal(DeviceProtocol.StopSteps, fromTokens.StopReason);
        Assert.Equal(prompt.Length + 47, fromTokens.ForwardPasses);
        Assert.Equal(-1, fromTokens.SimulatedNanoseconds); // no storage model

        GenerateReply fromText = run.Client.GenerateText(g.Prompt, 48, 0f, 0.9f, 1);
        Assert.Equal(prompt, fromText.PromptTokens);
        Assert.Equal(g.Generated, fromText.Tokens);
    }

    [SharedDataFact]
    public void Seeded_sampling_is_reproducible_and_matches_the_runtime()
    {
        using Running run = Start();
        GenerateReply a = run.Client.Generate([1], 40, 0.9f, 0.9f, 123);
        GenerateReply b = run.Client.Generate([1], 40, 0.9f, 0.9f, 123);
        Assert.Equal(a.Tokens, b.Tokens);

        EtbModel m = ConvertedModels.Load(models.Q8Path);
        var k = new PortableKernels();
        var gen = new Generator(m.CreateTransformer(k), m.CreateSampler(0.9f, 0.9f, 123, k));
        gen.Start([1], 1, 40);
        var expected = new List<int>();
        for (int t = gen.Next(); t >= 0; t = gen.Next()) expected.Add(t);
        Assert.Equal(expected, a.Tokens);
    }

    [SharedDataFact]
    public void Logits_are_the_teacher_forced_top_k()
    {
        using Running run = Start();
        int[] tokens = Golden.Cases[1].Tokens[..12];
        LogitsReply reply = run.Client.Logits(tokens, 5);
        Assert.Equal(12, reply.Positions);
        Assert.Equal(5, reply.K);

        EtbModel m = ConvertedModels.Load(models.Q8Path);
        Transformer t = m.CreateTransformer(new PortableKernels());
        for (int pos = 0; pos < tokens.Length; pos++)
        {
            float[] logits = t.Forward(tokens[pos], pos);
            int[] order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(5).ToArray();
            Assert.Equal(order, reply.Tokens[(pos * 5)..(pos * 5 + 5)]);
            for (int i = 0; i < 5; i++) Assert.Equal(logits[order[i]], reply.Values[pos * 5 + i]);
        }
    }

    [SharedDataFact]
    public void Stats_count_passes_and_simulated_sd_time_and_reset()
    {
        long budget = BoardProfiles.Wroom.Memory.ModelBudgetBytes;
        var options = new RuntimeOptions { BudgetBytes = budget, Storage = BoardProfiles.Wroom.Timing };
        using Running run = Start(options: options);
        HelloReply h = run.Client.Hello();
        Assert.Equal(budget, h.BudgetBytes);
        Assert.True(h.PeakBytes <= budget);
        GenerateReply g = run.Client.Generate([1, 403], 10, 0f, 0.9f, 1);
        Assert.True(g.SimulatedNanoseconds > 0, "streamed weights cost simulated SD time");
        StatsReply s = run.Client.Stats(reset: true);
        Assert.Equal(g.ForwardPasses, s.ForwardPasses);
        Assert.Equal(3, s.Requests); // hello, generate, this stats
        Assert.Equal(0, s.Errors);
        Assert.True(s.Reads > 0 && s.Bytes > 0);
        Assert.Equal(g.SimulatedNanoseconds, s.SimulatedNanoseconds);
        Assert.True(s.SimulatedMicrosecondsPerToken > 0);
        Assert.True(s.PeakBytes <= s.BudgetBytes);
        StatsReply after = run.Client.Stats(reset: false);
        Assert.Equal(0, after.ForwardPasses);
        Assert.Equal(0, after.Reads);
        Assert.Equal(1, after.Requests);
    }

    [SharedDataFact]
    public void Tune_and_save_answer_not_supported_and_unknown_commands_are_refused()
    {
        using Running run = Start();
        foreach (int kind in new[] { DeviceProtocol.Tune, DeviceProtocol.Save })
        {
            run.Client.Begin();
            var e = Assert.Throws<DeviceErrorException>(() => run.Client.Call(kind));
            Assert.Equal(ErrorCode.NotSupported, e.Code);
            Assert.Equal(kind, e.FailedKind);
            Assert.Contains("not supported by this firmware", e.Message);
        }
        run.Client.Begin();
        Assert.Equal(ErrorCode.UnknownCommand, Assert.Throws<DeviceErrorException>(() => run.Client.Call(0x33)).Code);
        Assert.Equal("test-board", run.Client.Hello().BoardId); // still serving
    }

    [SharedDataFact]
    public void Bad_arguments_and_truncated_payloads_get_error_replies()
    {
        using Running run = Start();
        DeviceClient c = run.Client;
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Generate([1, 512], 4, 0f, 0.9f, 1)).Code);
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Generate([], 4, 0f, 0.9f, 1)).Code);
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Generate([1], 4, -1f, 0.9f, 1)).Code);
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Generate([1], 2000, 0f, 0.9f, 1)).Code); // reply too big
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Logits([1, 2], 0)).Code);
        Assert.Equal(ErrorCode.BadArgument, Assert.Throws<DeviceErrorException>(() => c.Logits(Enumerable.Repeat(1, 100).ToArray(), 64)).Code);

        // generate with the steps/temperature/seed cut off
        PayloadWriter w = c.Begin();
        w.WriteByte(DeviceProtocol.PromptTokens);
        w.WriteTokens([1], 0, 1);
        w.WriteUInt16(4);
        var e = Assert.Throws<DeviceErrorException>(() => c.Call(DeviceProtocol.Generate));
        Assert.Equal(ErrorCode.BadPayload, e.Code);
        Assert.Contains("temperature", e.Message);
        // hello with a stray byte
        c.Begin().WriteByte(1);
        Assert.Equal(ErrorCode.BadPayload, Assert.Throws<DeviceErrorException>(() => c.Call(DeviceProtocol.Hello)).Code);
        // unknown prompt kind
        c.Begin().WriteByte(7);
        Assert.Equal(ErrorCode.BadPayload, Assert.Throws<DeviceErrorException>(() => c.Call(DeviceProtocol.Generate)).Code);
        Assert.Equal(9, c.Stats(false).Errors);
    }

    [SharedDataFact]
    public void Malformed_frames_get_error_replies_and_the_device_keeps_serving()
    {
        using Running run = Start();
        byte[] hello = Frames.Build(DeviceProtocol.Hello, 77, []);

        run.Host.Write("garbage!"u8.ToArray());
        Assert.Equal(ErrorCode.BadMagic, run.ErrorReply(0).Code);

        byte[] badCrc = Frames.Build(DeviceProtocol.Stats, 78, [0]);
        badCrc[^1] ^= 0xFF;
        run.Host.Write(badCrc);
        (int code, int failed, _) = run.ErrorReply(78);
        Assert.Equal(ErrorCode.BadCrc, code);
        Assert.Equal(DeviceProtocol.Stats, failed);

        byte[] big = Frames.Build(DeviceProtocol.Generate, 79, [])[..16];
        BinaryPrimitives.WriteUInt32LittleEndian(big.AsSpan(12), MaxPayload + 1);
        run.Host.Write(big);
        Assert.Equal(ErrorCode.TooLarge, run.ErrorReply(79).Code);

        run.Host.Write(hello);
        var (kind, id, _) = run.Reply();
        Assert.Equal(DeviceProtocol.Hello | DeviceProtocol.ReplyBit, kind);
        Assert.Equal(77u, id);
    }

    [SharedDataFact]
    public void A_peer_that_disconnects_mid_frame_is_dropped_and_the_next_link_is_served()
    {
        using Running first = Start();
        first.Host.Write(Frames.Build(DeviceProtocol.Hello, 1, [])[..9]);
        first.Host.Close();
        Assert.True(first.Loop.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(first.Loop.Result, "Serve returns true when the peer goes away");

        var (host, device) = PipeLink.Create();
        Task<bool> second = Task.Run(() => first.Server.Serve(device));
        var client = new DeviceClient(host, MaxPayload) { ReplyTimeoutMs = 30000 };
        Assert.Equal("test-board", client.Hello().BoardId);
        first.Server.Stop();
        Assert.True(second.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(second.Result, "Serve returns false after Stop");
    }

    private sealed class Recorder : IDeviceObserver
    {
        public readonly List<string> Events = [];
        public void RequestStarted(int kind) { lock (Events) Events.Add($"start {kind}"); }
        public void RequestFinished(int kind, int errorCode) { lock (Events) Events.Add($"end {kind} {errorCode}"); }
        public void FrameRejected(int errorCode) { lock (Events) Events.Add($"rejected {errorCode}"); }
        public void TuningStepStarted(int step) { lock (Events) Events.Add($"step {step}"); }
        public void TuningStepFinished(int step, float loss) { lock (Events) Events.Add($"step {step} done"); }
    }

    [SharedDataFact]
    public void The_observer_sees_every_request_and_rejected_frame()
    {
        using Running run = Start();
        var recorder = new Recorder();
        run.Server.Observer = recorder;
        run.Client.Hello();
        run.Client.Begin();
        Assert.Throws<DeviceErrorException>(() => run.Client.Call(DeviceProtocol.Tune));
        run.Host.Write("xx"u8.ToArray());
        run.Host.Write(Frames.Build(DeviceProtocol.Stats, 99, []));
        run.ErrorReply(0);
        Assert.Equal(DeviceProtocol.Stats | DeviceProtocol.ReplyBit, run.Reply().Kind); // the rejection was recorded before this reply
        lock (recorder.Events)
            Assert.Equal(["start 1", "end 1 0", "start 4", $"end 4 {ErrorCode.NotSupported}", $"rejected {ErrorCode.BadMagic}"], recorder.Events.Take(5));
    }
}
