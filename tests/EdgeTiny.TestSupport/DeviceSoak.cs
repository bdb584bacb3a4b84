using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.BoardSim;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.TestSupport;

/// <summary>
/// A soak of the device server as board-sim runs it (<see cref="SimulatedBoard"/> with an SD card folder, served by a
/// <see cref="TcpDeviceHost"/> on real loopback TCP) by concurrent clients, each making its share of requests: generate
/// and logits checked against the runtime's own greedy reference, status/stats/hello, tune → save → reset-adapters,
/// and abuse on connections of its own — garbage bytes, a 4 GB payload length, half-written frames (left to time out,
/// or cut by a disconnect) and requests abandoned without reading the reply. One client is served at a time (the
/// board's rule); the others wait in the listen backlog. Heap, RSS and open handles are measured once warm and at the end.
/// </summary>
public sealed class DeviceSoak
{
    public const int MaxPayload = 2048;
    public const int Steps = 8;

    public sealed class Counts
    {
        public int Requests, Generate, Logits, Status, Stats, Hello, TuneSave, Garbage, Oversize, HalfTimeout, HalfDisconnect, Abandoned;
        public int Connections, WrongAnswers, ClientErrors;
        public readonly List<string> Problems = [];

        public void Add(Counts o)
        {
            Requests += o.Requests; Generate += o.Generate; Logits += o.Logits; Status += o.Status; Stats += o.Stats; Hello += o.Hello;
            TuneSave += o.TuneSave; Garbage += o.Garbage; Oversize += o.Oversize; HalfTimeout += o.HalfTimeout; HalfDisconnect += o.HalfDisconnect;
            Abandoned += o.Abandoned; Connections += o.Connections; WrongAnswers += o.WrongAnswers; ClientErrors += o.ClientErrors;
            Problems.AddRange(o.Problems.Take(20 - Math.Min(20, Problems.Count)));
        }
    }

    /// <summary>Process state: managed heap after a full GC, RSS, and open descriptors — all, sockets, and the server's files (model, card).</summary>
    public sealed record Snapshot(long HeapBytes, long RssBytes, int OpenHandles, int Sockets, int Files);

    public sealed record Result(Counts Counts, Snapshot Start, Snapshot End, double Seconds, int ServerRequests, int ServerErrors,
        Dictionary<string, int> ErrorReplies, int Clients, int RequestsPerClient, List<long> RssSamples)
    {
        public JsonObject ToJson() => new()
        {
            ["clients"] = Clients,
            ["requests_per_client"] = RequestsPerClient,
            ["requests"] = Counts.Requests,
            ["seconds"] = Math.Round(Seconds, 1),
            ["by_kind"] = new JsonObject
            {
                ["generate"] = Counts.Generate, ["logits"] = Counts.Logits, ["status"] = Counts.Status, ["stats"] = Counts.Stats,
                ["hello"] = Counts.Hello, ["tune_save_reset"] = Counts.TuneSave, ["garbage"] = Counts.Garbage, ["oversize_length"] = Counts.Oversize,
                ["half_frame_timeout"] = Counts.HalfTimeout, ["half_frame_disconnect"] = Counts.HalfDisconnect, ["abandoned_reply"] = Counts.Abandoned,
            },
            ["connections"] = Counts.Connections,
            ["wrong_answers"] = Counts.WrongAnswers,
            ["client_errors"] = Counts.ClientErrors,
            ["server_requests_served"] = ServerRequests,
            ["server_error_replies"] = ServerErrors,
            ["error_replies_seen_by_code"] = new JsonObject(ErrorReplies.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["start"] = Json(Start),
            ["end"] = Json(End),
            ["rss_every_10_s_bytes"] = new JsonArray([.. RssSamples.Select(b => (JsonNode?)b)]),
            ["problems"] = new JsonArray([.. Counts.Problems.Select(p => (JsonNode?)p)]),
        };

        private static JsonObject Json(Snapshot s) => new()
        {
            ["managed_heap_bytes"] = s.HeapBytes, ["rss_bytes"] = s.RssBytes, ["open_handles"] = s.OpenHandles, ["open_sockets"] = s.Sockets,
            ["open_files"] = s.Files,
        };
    }

    private readonly BoardProfile _board;
    private readonly string _etb;
    private readonly string _card;
    private readonly int[][] _prompts;
    private readonly int[][] _expected;
    private readonly Dictionary<string, int> _errorReplies = [];

    /// <param name="board">The board simulated (its budget and SD timing).</param>
    /// <param name="etb">The model to serve (a real converted file).</param>
    /// <param name="card">An empty folder: the board's SD card (adapters.eta, upload.txt).</param>
    public DeviceSoak(BoardProfile board, string etb, string card)
    {
        _board = board;
        _etb = etb;
        _card = card;
        EtbModel m = EtbModel.Open(new StreamBlockSource(File.OpenRead(etb), ownsStream: true), new RuntimeOptions());
        _prompts = [.. new[] { "Once upon a time", "The little dog", "Tom and Lily went" }.Select(p => Encode(m, p))];
        var kernels = new PortableKernels();
        _expected = [.. _prompts.Select(p =>
        {
            var g = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0f, 1, kernels));
            g.Start(p, p.Length, Steps);
            var t = new List<int>();
            for (int x = g.Next(); x >= 0; x = g.Next()) t.Add(x);
            return t.ToArray();
        })];
    }

    private static int[] Encode(EtbModel m, string text)
    {
        var buffer = new int[Runtime.Text.Tokenizer.MaxTokens(text.Length) + 1];
        return buffer[..m.Tokenizer.Encode(text, true, false, buffer)];
    }

    /// <summary>Runs <paramref name="clients"/> × <paramref name="requestsPerClient"/> requests; <paramref name="log"/> hears progress.</summary>
    public Result Run(int clients, int requestsPerClient, int seed, Action<string>? log = null)
    {
        // The board exactly as `edgetiny board-sim --board BOARD --model ETB --card DIR --listen 127.0.0.1:0` serves it.
        using var board = SimulatedBoard.Open(_board, _etb, _card, new PortableKernels(), MaxPayload);
        DeviceServer server = board.Server;
        server.FrameTimeoutMs = 300; // half-written frames time out sooner than the firmware's 2 s, to keep the soak short
        using var host = board.ServeInBackground(new IPEndPoint(IPAddress.Loopback, 0));
        int port = new Uri(host.Target).Port;
        // Warm: one of each kind, so the start snapshot has every buffer and code path already in place.
        var warm = new Counts();
        Client(port, 0, seed, 24, warm, warmUp: true);
        Thread.Sleep(1000);
        Snapshot start = Measure();
        log?.Invoke($"soak: warm ({warm.Requests} requests), heap {start.HeapBytes} B, RSS {start.RssBytes} B, {start.OpenHandles} handles ({start.Sockets} sockets, {start.Files} files)");

        var sw = Stopwatch.StartNew();
        var counts = new Counts[clients];
        var threads = Enumerable.Range(0, clients).Select(i => new Thread(() =>
        {
            counts[i] = new Counts();
            Client(port, i + 1, seed * 31 + i, requestsPerClient, counts[i], warmUp: false);
        }) { Name = $"soak client {i}" }).ToList();
        // RSS every 10 s while the clients run: whether it levels off or keeps climbing.
        var rss = new List<long>();
        using var sampler = new Timer(_ => { lock (rss) rss.Add(Rss()); }, null, 10_000, 10_000);
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        sampler.Change(Timeout.Infinite, Timeout.Infinite);
        sw.Stop();
        var total = new Counts();
        foreach (Counts c in counts) total.Add(c);
        Thread.Sleep(1000); // let the server notice the last client has gone (a read times out every 100 ms)
        Snapshot end = Measure();
        log?.Invoke($"soak: {total.Requests} requests in {sw.Elapsed.TotalSeconds:F1} s, heap {end.HeapBytes} B, RSS {end.RssBytes} B, {end.OpenHandles} handles ({end.Sockets} sockets, {end.Files} files)");
        lock (_errorReplies)
            return new Result(total, start, end, sw.Elapsed.TotalSeconds, server.RequestsServed, server.ErrorsSent,
                new Dictionary<string, int>(_errorReplies), clients, requestsPerClient, [.. rss]);
    }

    /// <summary>Managed heap after a full collection, resident set size and open file descriptors of this process.</summary>
    public Snapshot Measure() => Measure([Path.GetDirectoryName(Path.GetFullPath(_etb))!, Path.GetFullPath(_card)]);

    public static Snapshot Measure(string[] fileRoots)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heap = GC.GetTotalMemory(true);
        long rss = Rss();
        int sockets = 0, files = 0;
        string[] fds = Directory.GetFiles("/proc/self/fd");
        foreach (string fd in fds)
        {
            string? target = new FileInfo(fd).LinkTarget;
            if (target is null) continue;
            if (target.StartsWith("socket:")) sockets++;
            else if (fileRoots.Any(r => target.StartsWith(r))) files++;
        }
        return new Snapshot(heap, rss, fds.Length, sockets, files);
    }

    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    private enum Kind { Generate, Logits, Status, Stats, Hello, TuneSave, Garbage, Oversize, HalfTimeout, HalfDisconnect, Abandoned }

    private static readonly (Kind Kind, int Weight)[] Mix =
    [
        (Kind.Generate, 30), (Kind.Logits, 20), (Kind.Status, 12), (Kind.Stats, 8), (Kind.Hello, 8), (Kind.Garbage, 6), (Kind.Oversize, 5),
        (Kind.HalfDisconnect, 5), (Kind.Abandoned, 5), (Kind.HalfTimeout, 1),
    ];

    private static Kind Pick(Random rng, int n)
    {
        // Tune → save → reset once in a while (it trains: the heaviest request by far).
        if (n % 500 == 499) return Kind.TuneSave;
        int roll = rng.Next(Mix.Sum(m => m.Weight));
        foreach (var (kind, weight) in Mix)
        {
            if (roll < weight) return kind;
            roll -= weight;
        }
        return Kind.Generate;
    }

    /// <summary>One client: well-formed requests on a connection kept for a random run of requests; abuse on connections of its own.</summary>
    private void Client(int port, int id, int seed, int requests, Counts c, bool warmUp)
    {
        var rng = new Random(seed);
        SocketLink? link = null;
        DeviceClient? client = null;
        int sessionLeft = 0;
        for (int n = 0; n < requests; n++)
        {
            Kind kind = warmUp ? (Kind)(n % (int)(Kind.Abandoned + 1)) : Pick(rng, n);
            bool abuse = kind >= Kind.Garbage;
            try
            {
                if (abuse)
                {
                    Close(ref link, ref client);
                    Abuse(port, kind, rng, c);
                }
                else
                {
                    if (link is null || sessionLeft-- <= 0)
                    {
                        Close(ref link, ref client);
                        link = Connect(port);
                        client = new DeviceClient(link, MaxPayload) { ReplyTimeoutMs = 120_000 };
                        c.Connections++;
                        sessionLeft = rng.Next(1, 60);
                    }
                    WellFormed(client!, kind, rng, c);
                }
                c.Requests++;
            }
            catch (Exception e) when (e is IOException or SocketException or ProtocolException)
            {
                c.ClientErrors++;
                if (c.Problems.Count < 20) c.Problems.Add($"client {id} request {n} ({kind}): {e.GetType().Name}: {e.Message}");
                Close(ref link, ref client);
            }
        }
        Close(ref link, ref client);
    }

    private static SocketLink Connect(int port)
    {
        // The board serves one client at a time: connecting succeeds at once (the backlog), serving waits its turn.
        var link = SocketLink.Connect("127.0.0.1", port, 10_000);
        link.ReadTimeoutMs = 100;
        return link;
    }

    private static void Close(ref SocketLink? link, ref DeviceClient? client)
    {
        link?.Dispose();
        link = null;
        client = null;
    }

    private void WellFormed(DeviceClient client, Kind kind, Random rng, Counts c)
    {
        int p = rng.Next(_prompts.Length);
        switch (kind)
        {
            case Kind.Generate:
                GenerateReply g = client.Generate(_prompts[p], Steps, 0f, 0f, (ulong)rng.Next());
                if (!g.Tokens.SequenceEqual(_expected[p])) Wrong(c, $"generate {p}: [{string.Join(',', g.Tokens)}] != [{string.Join(',', _expected[p])}]");
                c.Generate++;
                break;
            case Kind.Logits:
                LogitsReply l = client.Logits(_prompts[p], 4);
                // The top token after the whole prompt is the first greedy token.
                int last = (l.Positions - 1) * l.K;
                if (_expected[p].Length > 0 && l.Tokens[last] != _expected[p][0]) Wrong(c, $"logits {p}: top token {l.Tokens[last]} != {_expected[p][0]}");
                c.Logits++;
                break;
            case Kind.Status:
                if (client.Status().Adapters != DeviceProtocol.AdaptersNone) Wrong(c, "status: adapters left loaded");
                c.Status++;
                break;
            case Kind.Stats:
                client.Stats(false);
                c.Stats++;
                break;
            case Kind.Hello:
                if (client.Hello().MaxPayload != MaxPayload) Wrong(c, "hello: max payload");
                c.Hello++;
                break;
            case Kind.TuneSave:
                var s = new TuneSettings { Window = 1, Rank = 2, Steps = 2, SequenceLength = 16, RehearsalSequences = 2, BaseSequences = 0 };
                client.Tune(s, false, "Once upon a time there was a little dog. The dog liked to run in the park with Tom.", null);
                client.Save();
                client.ResetAdapters();
                c.TuneSave++;
                break;
        }
    }

    private static void Wrong(Counts c, string what)
    {
        c.WrongAnswers++;
        if (c.Problems.Count < 20) c.Problems.Add(what);
    }

    /// <summary>Abuse on a connection of its own; reads the error reply where one is due and records its code.</summary>
    private void Abuse(int port, Kind kind, Random rng, Counts c)
    {
        using SocketLink link = Connect(port);
        c.Connections++;
        byte[] frame = new byte[FrameCodec.FrameBytes(64)];
        switch (kind)
        {
            case Kind.Garbage:
            {
                byte[] junk = new byte[rng.Next(4, 300)]; // at least a magic's worth: fewer would be a half frame
                rng.NextBytes(junk);
                if (junk.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(junk) == DeviceProtocol.Magic) junk[0] ^= 0xFF;
                link.Write(junk, 0, junk.Length);
                ExpectError(link, ErrorCode.BadMagic);
                c.Garbage++;
                break;
            }
            case Kind.Oversize:
            {
                FrameCodec.Seal(frame, DeviceProtocol.Generate, 9, 0);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), uint.MaxValue); // a 4 GB payload length
                link.Write(frame, 0, DeviceProtocol.HeaderBytes);
                ExpectError(link, ErrorCode.TooLarge);
                c.Oversize++;
                break;
            }
            case Kind.HalfTimeout or Kind.HalfDisconnect:
            {
                FrameCodec.Seal(frame, DeviceProtocol.Hello, 11, 0);
                link.Write(frame, 0, rng.Next(1, FrameCodec.FrameBytes(0)));
                if (kind == Kind.HalfTimeout)
                {
                    ExpectError(link, ErrorCode.Incomplete);
                    c.HalfTimeout++;
                }
                else c.HalfDisconnect++; // and gone: the server forgets the partial frame
                break;
            }
            case Kind.Abandoned:
            {
                // A generate request, then gone before the reply: the server's write fails and it must carry on.
                var client = new DeviceClient(link, MaxPayload);
                var sender = new Thread(() =>
                {
                    try { client.Generate(_prompts[0], Steps, 0f, 0f, 1); }
                    catch (Exception e) when (e is IOException or ProtocolException) { } // the link is closed under it on purpose
                }) { IsBackground = true };
                sender.Start();
                Thread.Sleep(1);
                link.Socket.Close(0);
                sender.Join();
                c.Abandoned++;
                break;
            }
        }
    }

    /// <summary>Reads frames until an error reply (or 5 s); counts its code and checks it is the one expected.</summary>
    private void ExpectError(SocketLink link, int code)
    {
        var reader = new FrameReader(MaxPayload);
        reader.Attach(link);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            int r = reader.Next();
            if (r == FrameReader.Closed) throw new IOException($"closed before the error reply ({code})");
            if (r != FrameReader.Frame || reader.Kind != DeviceProtocol.Error) continue;
            int got = BinaryPrimitives.ReadUInt16LittleEndian(reader.Buffer.AsSpan(DeviceProtocol.HeaderBytes));
            lock (_errorReplies) _errorReplies[ErrorName(got)] = _errorReplies.GetValueOrDefault(ErrorName(got)) + 1;
            if (got != code) throw new ProtocolException(got, $"expected error {ErrorName(code)}, got {ErrorName(got)}");
            return;
        }
        throw new IOException($"no error reply ({ErrorName(code)}) within 30 s");
    }

    private static string ErrorName(int code) => code switch
    {
        ErrorCode.BadMagic => "bad_magic",
        ErrorCode.TooLarge => "too_large",
        ErrorCode.Incomplete => "incomplete",
        ErrorCode.BadCrc => "bad_crc",
        _ => "code_" + code,
    };
}
