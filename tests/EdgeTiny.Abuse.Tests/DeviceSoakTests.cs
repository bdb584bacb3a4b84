using System.Net;
using EdgeTiny.Host.BoardSim;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Abuse.Tests;

/// <summary>
/// The device server under a scaled-down soak (the full one is `EdgeTiny.Benchmarks --soak`), and the board's
/// one-client-at-a-time rule: a second client waits — connected, unanswered — until the first leaves, then is served.
/// </summary>
public sealed class DeviceSoakTests(DeviceSoakTests.DemoQ8 demo, ITestOutputHelper output) : IClassFixture<DeviceSoakTests.DemoQ8>
{
    public sealed class DemoQ8 : IDisposable
    {
        private readonly TempDir _dir = new();
        public string Path { get; }
        public DemoQ8() => Path = EtbEdit.ConvertDemo(_dir.File("demo-q8.etb"));
        public string Card() => Directory.CreateDirectory(_dir.File("card-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        public void Dispose() => _dir.Dispose();
    }

    [Fact]
    public void Four_clients_mixing_requests_and_abuse_get_correct_answers_and_nothing_leaks()
    {
        DemoQ8 fixture = demo;
        var soak = new DeviceSoak(BoardProfiles.S3, fixture.Path, fixture.Card());
        DeviceSoak.Result r = soak.Run(clients: 4, requestsPerClient: 120, seed: 5, output.WriteLine);
        output.WriteLine(r.ToJson().ToJsonString());
        Assert.Empty(r.Counts.Problems);
        Assert.Equal(0, r.Counts.WrongAnswers);
        Assert.Equal(0, r.Counts.ClientErrors);
        Assert.Equal(480, r.Counts.Requests);
        Assert.True(r.Counts.Generate > 50 && r.Counts.Garbage > 0 && r.Counts.Oversize > 0 && r.Counts.HalfDisconnect > 0 && r.Counts.Abandoned > 0);
        // Every abuse that is due an error reply got the right one (ExpectError throws otherwise).
        Assert.True(r.ErrorReplies.GetValueOrDefault("bad_magic") >= r.Counts.Garbage);
        Assert.True(r.ErrorReplies.GetValueOrDefault("too_large") >= r.Counts.Oversize);
        // Nothing kept: no socket or file handle left open, the heap back where it was (within 1 MB of scratch).
        // (The runtime's own descriptors — epoll, eventfd, pipes — may grow by a few as its thread pool does; sockets and files may not.)
        Assert.True(r.End.Sockets <= r.Start.Sockets, $"sockets {r.Start.Sockets} -> {r.End.Sockets}");
        Assert.True(r.End.Files <= r.Start.Files, $"files {r.Start.Files} -> {r.End.Files}");
        Assert.True(r.End.HeapBytes - r.Start.HeapBytes < 1 << 20, $"heap {r.Start.HeapBytes} -> {r.End.HeapBytes}");
    }

    [Fact]
    public void A_second_client_waits_unanswered_until_the_first_leaves_then_is_served()
    {
        DemoQ8 fixture = demo;
        using var board = SimulatedBoard.Open(BoardProfiles.S3, fixture.Path, fixture.Card(), new PortableKernels(), 2048);
        using (BackgroundHost host = board.ServeInBackground(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            int port = new Uri(host.Target).Port;
            using var first = SocketLink.Connect("127.0.0.1", port);
            var a = new DeviceClient(first, 2048) { ReplyTimeoutMs = 10_000 };
            Assert.Equal(BoardProfiles.S3.Id, a.Hello().BoardId);

            using var second = SocketLink.Connect("127.0.0.1", port); // accepted by the kernel's backlog
            var b = new DeviceClient(second, 2048) { ReplyTimeoutMs = 800 };
            var waited = Assert.Throws<IOException>(() => b.Hello());
            Assert.Contains("no reply", waited.Message);
            Assert.Equal(BoardProfiles.S3.Id, a.Hello().BoardId); // the first is still served meanwhile

            first.Dispose();
            b.ReplyTimeoutMs = 10_000;
            // The board now reads the second client's first hello (sent while it waited), answers it, then this one.
            var reader = new FrameReader(2048);
            reader.Attach(second);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int r;
            while ((r = reader.Next()) == FrameReader.Idle && sw.ElapsedMilliseconds < 10_000) { }
            Assert.Equal(FrameReader.Frame, r);
            Assert.Equal(DeviceProtocol.Hello | DeviceProtocol.ReplyBit, reader.Kind);
            output.WriteLine($"second client served {sw.ElapsedMilliseconds} ms after the first left");
        }
    }
}
