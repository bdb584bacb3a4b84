using System.Buffers.Binary;
using System.Net.Sockets;
using System.Xml.Linq;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// The board simulator as a real process on 127.0.0.1 and `edgetiny hil` against it with the committed case file;
/// then the faults a serial line or a buggy host produces, each answered and the next client served.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class HilTests(CliModels models)
{
    private static string CaseFile => Path.Combine(SharedData.RepoRoot, "tests", "hil", "stories260K-q8.cases.json");

    [SharedDataFact]
    public void Hil_against_board_sim_passes_every_committed_case_and_writes_valid_junit()
    {
        using var sim = BoardSimProcess.Start(models.Q8);
        using var dir = new TempDir();
        string junit = dir.File("hil.xml");
        CliResult r = CliRunner.Run("hil", "--target", sim.Target, "--cases", CaseFile, "--junit", junit, "--json");
        Assert.True(r.ExitCode == 0, r + "\nsim: " + sim.Output + sim.Errors);
        var json = r.Json;
        Assert.Equal(0, (int)json["failed"]!);
        Assert.Equal(10, (int)json["passed"]!); // model identity + 9 cases
        Assert.Equal("esp32-wroom-32", (string)json["device"]!["board"]!);
        Assert.Equal("int8", (string)json["device"]!["kv_cache"]!); // the wroom budget forces an int8 KV cache
        Assert.True((double)json["stats"]!["simulated_us_per_token"]! > 0);
        Assert.True((long)json["stats"]!["peak_bytes"]! <= BoardProfiles.Wroom.Memory.ModelBudgetBytes);

        XDocument doc = XDocument.Load(junit);
        XElement suites = doc.Root!;
        Assert.Equal("testsuites", suites.Name.LocalName);
        XElement suite = Assert.Single(suites.Elements("testsuite"));
        Assert.Equal("10", (string?)suite.Attribute("tests"));
        Assert.Equal("0", (string?)suite.Attribute("failures"));
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(10, cases.Count);
        Assert.All(cases, c =>
        {
            Assert.False(string.IsNullOrEmpty((string?)c.Attribute("name")));
            Assert.Equal("hil.stories260K-q8", (string?)c.Attribute("classname"));
            Assert.True(double.TryParse((string?)c.Attribute("time"), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Empty(c.Elements("failure"));
        });
        Assert.Contains(cases, c => (string?)c.Attribute("name") == "greedy: Once upon a time");
    }

    [SharedDataFact]
    public void Hil_prints_a_table_and_fails_with_exit_1_when_the_device_holds_another_model()
    {
        using var sim = BoardSimProcess.Start(models.F32, board: "esp32-s3-devkitc-1-n8r8");
        using var dir = new TempDir();
        string junit = dir.File("hil.xml");
        CliResult r = CliRunner.Run("hil", "--target", sim.Target, "--cases", CaseFile, "--junit", junit);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("model identity", r.Stdout);
        Assert.Contains("FAIL", r.Stdout);
        XElement suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal("10", (string?)suite.Attribute("failures"));
        Assert.All(suite.Elements("testcase"), c => Assert.Single(c.Elements("failure")));

        // the same device with the right reference model passes
        CliResult ok = CliRunner.Run("hil", "--target", sim.Target, "--cases", CaseFile, "--model", models.F32);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("10 of 10 cases passed", ok.Stdout);
    }

    [SharedDataFact]
    public void Hil_bad_input_exits_2_naming_the_flag_or_file()
    {
        using var dir = new TempDir();
        string badCases = dir.File("bad.cases.json");
        File.WriteAllText(badCases, """{ "model": { "etb": "x.etb" }, "cases": [ { "kind": "generate", "stepz": 3 } ] }""");
        (string[] Args, string Names)[] inputs =
        [
            (["hil", "--target", "udp://127.0.0.1:1", "--cases", CaseFile], "--target"),
            (["hil", "--target", "tcp://127.0.0.1:1", "--cases", CaseFile], "--target"), // nothing listens on port 1
            (["hil", "--target", "serial:/dev/edgetiny-no-such-tty", "--cases", CaseFile], "--target"),
            (["hil", "--target", "tcp://127.0.0.1:1", "--cases", dir.File("missing.json")], "missing.json"),
            (["hil", "--target", "tcp://127.0.0.1:1", "--cases", badCases], "stepz"),
        ];
        foreach (var (args, names) in inputs)
        {
            CliResult r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 2, string.Join(' ', args) + "\n" + r);
            Assert.Contains(names, Assert.Single(r.ErrorLines));
        }
    }

    [SharedDataFact]
    public void Board_sim_bad_input_exits_2()
    {
        Assert.Equal(2, CliRunner.Run("board-sim", "--board", "no-such-board", "--model", models.Q8, "--listen", "127.0.0.1:0").ExitCode);
        Assert.Equal(2, CliRunner.Run("board-sim", "--board", "esp32-wroom-32", "--model", "/nonexistent.etb", "--listen", "127.0.0.1:0").ExitCode);
        CliResult r = CliRunner.Run("board-sim", "--board", "esp32-wroom-32", "--model", models.Q8, "--listen", "127.0.0.1:99999");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--listen", r.Stderr);
    }

    private static SocketLink Connect(BoardSimProcess sim) => SocketLink.Connect("127.0.0.1", sim.Port, 5000);

    private static byte[] Frame(int kind, uint id, byte[] payload)
    {
        var buf = new byte[DeviceProtocol.OverheadBytes + payload.Length];
        payload.CopyTo(buf, DeviceProtocol.HeaderBytes);
        FrameCodec.Seal(buf, kind, id, payload.Length);
        return buf;
    }

    /// <summary>The next frame from the device, within 10 s.</summary>
    private static (int Kind, uint Id, int Code, string Message) NextReply(SocketLink link, FrameReader reader)
    {
        for (int i = 0; i < 100; i++)
        {
            int r = reader.Next();
            if (r == FrameReader.Idle) continue;
            Assert.Equal(FrameReader.Frame, r);
            if (reader.Kind != DeviceProtocol.Error) return (reader.Kind, reader.RequestId, 0, "");
            var p = new PayloadReader();
            p.Reset(reader.Buffer, DeviceProtocol.HeaderBytes, reader.PayloadLength);
            int code = p.ReadUInt16("code");
            p.ReadByte("kind");
            p.ReadByte("reserved");
            return (reader.Kind, reader.RequestId, code, p.ReadString("message"));
        }
        throw new TimeoutException("no reply from board-sim within 10 s");
    }

    [SharedDataFact]
    public void Board_sim_answers_malformed_frames_and_serves_the_next_client()
    {
        using var sim = BoardSimProcess.Start(models.Q8);

        // One connection: garbage, a bad CRC, an oversized length — each gets its error reply — then a good request.
        using (SocketLink link = Connect(sim))
        {
            var reader = new FrameReader(1 << 16);
            reader.Attach(link);
            link.Write("AT+GMR\r\n"u8.ToArray(), 0, 8);
            var reply = NextReply(link, reader);
            Assert.Equal((DeviceProtocol.Error, ErrorCode.BadMagic), (reply.Kind, reply.Code));

            byte[] bad = Frame(DeviceProtocol.Stats, 21, [0]);
            bad[16] ^= 0xFF;
            link.Write(bad, 0, bad.Length);
            reply = NextReply(link, reader);
            Assert.Equal((DeviceProtocol.Error, 21u, ErrorCode.BadCrc), (reply.Kind, reply.Id, reply.Code));

            byte[] header = Frame(DeviceProtocol.Generate, 22, [])[..16];
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 50_000_000);
            link.Write(header, 0, header.Length);
            reply = NextReply(link, reader);
            Assert.Equal((DeviceProtocol.Error, 22u, ErrorCode.TooLarge), (reply.Kind, reply.Id, reply.Code));
            Assert.Contains("50000000", reply.Message);

            byte[] unknown = Frame(0x55, 23, []);
            link.Write(unknown, 0, unknown.Length);
            Assert.Equal((DeviceProtocol.Error, 23u, ErrorCode.UnknownCommand), (NextReply(link, reader) is var u ? (u.Kind, u.Id, u.Code) : default));

            byte[] hello = Frame(DeviceProtocol.Hello, 24, []);
            link.Write(hello, 0, hello.Length);
            Assert.Equal((DeviceProtocol.Hello | DeviceProtocol.ReplyBit, 24u), (NextReply(link, reader) is var h ? (h.Kind, h.Id) : default));
        }

        // A client that disconnects mid-frame is dropped…
        using (SocketLink link = Connect(sim))
        {
            byte[] half = Frame(DeviceProtocol.Generate, 30, new byte[40])[..25];
            link.Write(half, 0, half.Length);
        }

        // …and the next one is served.
        using (SocketLink link = Connect(sim))
        {
            var client = new DeviceClient(link, 1 << 16) { ReplyTimeoutMs = 10000 };
            Assert.Equal("esp32-wroom-32", client.Hello().BoardId);
            StatsReply stats = client.Stats(false);
            Assert.True(stats.Errors >= 4, $"{stats.Errors} error replies counted");
        }
        Assert.False(sim.HasExited);
        Assert.Contains("disconnected", sim.Output);
    }

    [SharedDataFact]
    public void Board_sim_serves_one_client_at_a_time_and_stops_on_sigterm()
    {
        using var sim = BoardSimProcess.Start(models.Q8);
        using (SocketLink first = Connect(sim))
        {
            var firstClient = new DeviceClient(first, 1 << 16) { ReplyTimeoutMs = 10000 };
            firstClient.Hello();

            using SocketLink second = Connect(sim); // accepted by the kernel's backlog, not served yet
            byte[] hello = Frame(DeviceProtocol.Hello, 1, []);
            second.Write(hello, 0, hello.Length);
            var reader = new FrameReader(1 << 16);
            reader.Attach(second);
            Assert.Equal(FrameReader.Idle, reader.Next()); // 100 ms: nothing while the first client is connected
            Assert.Equal(FrameReader.Idle, reader.Next());

            first.Dispose(); // first client leaves → the second is served
            Assert.Equal(DeviceProtocol.Hello | DeviceProtocol.ReplyBit, NextReply(second, reader).Kind);
        }
        Assert.Equal(0, sim.Terminate());
        Assert.Contains(sim.Output.Split('\n'), l => l.StartsWith("stopped after"));
    }
}
