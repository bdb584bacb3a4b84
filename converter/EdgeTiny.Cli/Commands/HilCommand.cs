using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Host;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>The outcome of one HIL case.</summary>
public sealed record HilResult(string Name, string Kind, bool Passed, string Detail, double Seconds, double? DeviceMs, double? SimulatedSdMs);

/// <summary>
/// `edgetiny hil`: runs a case file on a device (a board over serial, a Pi or a board-sim over TCP) and compares every
/// answer with the desktop reference computed here, in-process, with the device's own context and KV precision:
/// generated tokens must be equal, logits within each case's tolerance.
/// </summary>
public static class HilCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "tcp://HOST:PORT (board-sim, Pi host) or serial:/dev/ttyX[@BAUD] (a board's USB serial; configured with stty, default 115200)", Required = true };
        var cases = new Option<string>("--cases") { Description = "The case file (JSON, see tests/hil/)", Required = true };
        var junit = new Option<string?>("--junit") { Description = "Also write the results as JUnit XML to this file" };
        var model = new Option<string?>("--model") { Description = "Reference .etb (overrides the case file's model)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for one reply", DefaultValueFactory = _ => 120 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var command = new Command("hil", "Hardware-in-the-loop: run a case file on a board (or board-sim) and compare with the desktop reference.")
        {
            target, cases, junit, model, timeout, json,
        };
        command.SetAction(parse =>
        {
            LinkTarget where;
            try
            {
                where = LinkTarget.Parse(parse.GetValue(target)!);
            }
            catch (FormatException e)
            {
                throw new InputException("--target", e.Message);
            }
            int timeoutSeconds = parse.GetValue(timeout);
            Cli.Require(timeoutSeconds > 0, "--timeout", $"{timeoutSeconds} must be > 0");
            HilCaseFile file = HilCaseFile.Load(parse.GetValue(cases)!);
            string? junitPath = parse.GetValue(junit);
            if (junitPath is not null)
            {
                string? dir = Path.GetDirectoryName(Path.GetFullPath(junitPath));
                Cli.Require(dir is not null && Directory.Exists(dir), "--junit", $"folder of {junitPath} does not exist");
            }

            using var temp = new TempFolder();
            string referencePath = parse.GetValue(model) ?? file.Model.Etb ?? ConvertOnTheFly(file, temp);
            Cli.Require(File.Exists(referencePath), parse.GetValue(model) is null ? file.Path : "--model", $"reference model {referencePath} not found");

            OpenedLink opened;
            try
            {
                opened = where.Open();
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or UnauthorizedAccessException)
            {
                throw new InputException("--target", $"cannot open {where}: {e.Message}");
            }
            using (opened)
            {
                var client = new DeviceClient(opened.Link, 1 << 18) { ReplyTimeoutMs = timeoutSeconds * 1000 };
                HelloReply hello;
                try
                {
                    hello = client.Hello();
                }
                catch (Exception e) when (e is IOException or ProtocolException)
                {
                    throw new InputException("--target", $"{where} did not answer hello: {e.Message}");
                }
                var run = new HilRun(file, referencePath, hello, client);
                IReadOnlyList<HilResult> results;
                try
                {
                    results = run.RunAll();
                }
                finally
                {
                    run.Cleanup();
                }
                StatsReply? stats = run.TryStats();
                var report = new HilReport(where.ToString(), file, referencePath, hello, results, stats);
                if (junitPath is not null) report.WriteJUnit(junitPath);
                if (parse.GetValue(json)) JsonOutput.Write(report.ToJson());
                else report.Print();
                return results.All(r => r.Passed) ? Cli.ExitOk : Cli.ExitInternal;
            }
        });
        return command;
    }

    /// <summary>The protocol kind for a case's "command" (tune, save, or a number), or -1.</summary>
    public static int CommandKind(string command) => command switch
    {
        "tune" => DeviceProtocol.Tune,
        "save" => DeviceProtocol.Save,
        "hello" => DeviceProtocol.Hello,
        "status" => DeviceProtocol.Status,
        "stats" => DeviceProtocol.Stats,
        _ => int.TryParse(command, out int k) && k is > 0 and < 0x80 ? k : -1,
    };

    private static string ConvertOnTheFly(HilCaseFile file, TempFolder temp)
    {
        HilModel m = file.Model;
        foreach (string? p in new[] { m.Source, m.Tokenizer })
            if (!File.Exists(p)) throw new InputException(file.Path, $"model file {p} not found");
        string output = Path.Combine(temp.Path, "reference.etb");
        SourceModel source = Llama2cCheckpoint.Read(m.Source!, m.Tokenizer);
        ModelConverter.Convert(source, new ConvertOptions { Policy = "none", Bits = m.Bits, GroupSize = m.GroupSize }, output);
        return output;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgetiny-hil-" + Guid.NewGuid().ToString("N"));
        public TempFolder() => Directory.CreateDirectory(Path);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>Runs the cases one by one against the device and the in-process reference.</summary>
public sealed class HilRun(HilCaseFile file, string referencePath, HelloReply hello, DeviceClient client)
{
    private bool _linkLost;

    public IReadOnlyList<HilResult> RunAll()
    {
        var results = new List<HilResult> { ModelIdentity() };
        bool sameModel = results[0].Passed;
        foreach (HilCase c in file.Cases)
        {
            var clock = Stopwatch.StartNew();
            HilResult r;
            if (!sameModel) r = new HilResult(c.Name, c.Kind, false, "not run: the device holds a different model", 0, null, null);
            else if (_linkLost) r = new HilResult(c.Name, c.Kind, false, "not run: the link to the device was lost", 0, null, null);
            else
            {
                try
                {
                    r = c.Kind switch
                    {
                        "generate" => Generate(c),
                        "logits" => Logits(c),
                        "tune" => Tune(c),
                        "save" => Save(c),
                        "reload" => Reload(c),
                        "reset-adapters" => ResetAdapters(c),
                        _ => ExpectError(c),
                    };
                }
                catch (DeviceErrorException e)
                {
                    r = new HilResult(c.Name, c.Kind, false, $"device error {e.Message}", 0, null, null);
                }
                catch (Exception e) when (e is IOException or ProtocolException)
                {
                    _linkLost = e is IOException;
                    r = new HilResult(c.Name, c.Kind, false, $"link: {e.Message}", 0, null, null);
                }
            }
            results.Add(r with { Seconds = clock.Elapsed.TotalSeconds });
        }
        return results;
    }

    public StatsReply? TryStats()
    {
        if (_linkLost) return null;
        try { return client.Stats(false); }
        catch (Exception e) when (e is IOException or ProtocolException) { return null; }
    }

    private HilResult ModelIdentity()
    {
        uint crc;
        string sha;
        using (var session = Open(0, 0.9f, 1))
        {
            crc = DeviceServer.ModelFingerprint(session.Model.Device);
            sha = DeviceServer.ManifestString(session.Model.Manifest, "sha256");
        }
        bool same = crc == hello.ModelCrc;
        string detail = same
            ? $"etb fingerprint {crc:x8}, source sha256 {Short(sha)}"
            : $"device: etb fingerprint {hello.ModelCrc:x8}, source {Short(hello.ModelSourceSha256)}; reference {Path.GetFileName(referencePath)}: fingerprint {crc:x8}, source {Short(sha)}";
        return new HilResult("model identity", "hello", same, detail, 0, null, null);
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha.Length == 0 ? "(none)" : sha;

    /// <summary>
    /// The reference: the same file, all resident, the device's context and KV precision, portable kernels — and, after a
    /// tune case, the adapters the desktop tuned with the same text and settings (what the board should hold).
    /// </summary>
    private BoardSession Open(float temperature, float topP, ulong seed) => BoardSession.Open(referencePath, new SessionOptions
    {
        Kernels = new PortableKernels(),
        Seed = seed,
        AdaptersPath = _referenceAdapters,
        Runtime = new RuntimeOptions
        {
            ContextLength = _context ?? hello.Context,
            KvPrecision = (_kvInt8 ?? hello.KvInt8) ? KvPrecision.Int8 : KvPrecision.Float,
            Temperature = temperature,
            TopP = topP,
        },
    });

    private HilResult Generate(HilCase c)
    {
        using BoardSession session = Open(c.Temperature, c.TopP, c.Seed);
        int[] prompt = session.Encode(c.Prompt);
        GenerationResult expected = session.Generate(prompt, c.Steps);
        GenerateReply got = c.SendText
            ? client.GenerateText(c.Prompt, c.Steps, c.Temperature, c.TopP, c.Seed)
            : client.Generate(prompt, c.Steps, c.Temperature, c.TopP, c.Seed);
        double deviceMs = got.MeasuredMicroseconds / 1000.0;
        double? sdMs = got.SimulatedNanoseconds >= 0 ? got.SimulatedNanoseconds / 1e6 : null;
        if (!got.PromptTokens.SequenceEqual(prompt))
            return new HilResult(c.Name, c.Kind, false, $"prompt encodes to [{string.Join(' ', got.PromptTokens)}] on the device, [{string.Join(' ', prompt)}] here", 0, deviceMs, sdMs);
        int[] want = [.. expected.Tokens];
        if (got.Tokens.SequenceEqual(want))
            return new HilResult(c.Name, c.Kind, true, $"{want.Length} tokens equal (stop: {DeviceProtocol.StopName(got.StopReason)}): \"{Clip(expected.Text)}\"", 0, deviceMs, sdMs);
        int at = 0;
        while (at < Math.Min(want.Length, got.Tokens.Length) && want[at] == got.Tokens[at]) at++;
        string dev = at < got.Tokens.Length ? got.Tokens[at].ToString() : "end";
        string exp = at < want.Length ? want[at].ToString() : "end";
        return new HilResult(c.Name, c.Kind, false, $"tokens differ at {at}: device {dev}, reference {exp} (device {got.Tokens.Length} tokens, reference {want.Length})", 0, deviceMs, sdMs);
    }

    private HilResult Logits(HilCase c)
    {
        using BoardSession session = Open(0, 0.9f, 1);
        int[] tokens = session.Encode(c.Prompt);
        LogitsReply got = client.Logits(tokens, c.TopK);
        if (got.Positions != tokens.Length || got.K != c.TopK)
            return new HilResult(c.Name, c.Kind, false, $"device sent {got.Positions} positions of top-{got.K}, asked {tokens.Length} of top-{c.TopK}", 0, null, null);
        double worst = 0;
        string? failure = null;
        for (int pos = 0; pos < tokens.Length && failure is null; pos++)
        {
            float[] reference = session.Transformer.Forward(tokens[pos], pos, session.Hooks);
            float max = reference.Max();
            for (int i = 0; i < got.K; i++)
            {
                int token = got.Tokens[pos * got.K + i];
                if (token < 0 || token >= reference.Length) { failure = $"position {pos}: token {token} is outside the vocabulary"; break; }
                double diff = Math.Abs(got.Values[pos * got.K + i] - reference[token]);
                worst = Math.Max(worst, double.IsNaN(diff) ? double.PositiveInfinity : diff);
                if (!(diff <= c.Tolerance)) { failure = $"position {pos}, token {token}: device {got.Values[pos * got.K + i]:G9}, reference {reference[token]:G9} (|diff| {diff:G3} > {c.Tolerance:G3})"; break; }
            }
            int top = got.Tokens[pos * got.K];
            if (failure is null && top >= 0 && top < reference.Length && reference[top] < max - c.Tolerance)
                failure = $"position {pos}: device's top token {top} is not the reference's top ({Array.IndexOf(reference, max)})";
        }
        double deviceMs = got.MeasuredMicroseconds / 1000.0;
        return failure is null
            ? new HilResult(c.Name, c.Kind, true, $"{tokens.Length} positions x top-{got.K} within {c.Tolerance:G3} (max |diff| {worst:G3})", 0, deviceMs, null)
            : new HilResult(c.Name, c.Kind, false, failure, 0, deviceMs, null);
    }

    // Tuning state: the desktop's adapters for the last tune case (null: none, the board should serve the base model),
    // the board's context after re-planning, and the generation the last save case reported.
    private string? _referenceAdapters;
    private string? _tunedAdapters;
    private int? _context;
    private bool? _kvInt8;

    /// <summary>The serving plan after a case re-planned it (tune, reload, reset-adapters): the reference follows it.</summary>
    private StatusReply Replanned()
    {
        StatusReply s = client.Status();
        _context = s.Context;
        _kvInt8 = s.KvInt8;
        return s;
    }
    private uint _savedGeneration;
    private string? _scratchFolder;
    private string _scratch => _scratchFolder ??= Directory.CreateTempSubdirectory("edgetiny-hil-tune-").FullName;

    /// <summary>Deletes the reference adapters the tune cases wrote.</summary>
    public void Cleanup()
    {
        if (_scratchFolder is null) return;
        try { Directory.Delete(_scratchFolder, recursive: true); } catch (IOException) { }
    }

    /// <summary>Uploads the text, tunes on the board and on the desktop with the same settings; loss per step within the tolerance.</summary>
    private HilResult Tune(HilCase c)
    {
        string eta = Path.Combine(_scratch, $"reference-{Guid.NewGuid():N}.eta");
        var reference = Tuning.Run(referencePath, new SessionOptions { Kernels = new PortableKernels() }, c.Tune!, c.Text!, null, eta);
        client.Upload(File.ReadAllBytes(c.Text!), hello.MaxPayload);
        var losses = new List<float>();
        var micros = new List<long>();
        TuneReply reply = client.Tune(c.Tune!.ToSettings(), false, null, p => { losses.Add(p.Loss); micros.Add(p.Microseconds); });
        _tunedAdapters = eta;
        _referenceAdapters = eta;
        Replanned();
        double deviceMs = reply.Microseconds / 1000.0;
        if (losses.Count != reference.LossCurve.Length)
            return new HilResult(c.Name, c.Kind, false, $"device reported {losses.Count} steps, reference ran {reference.LossCurve.Length}", 0, deviceMs, null);
        double worst = 0;
        for (int i = 0; i < losses.Count; i++)
        {
            double diff = Math.Abs(losses[i] - reference.LossCurve[i]);
            worst = Math.Max(worst, double.IsNaN(diff) ? double.PositiveInfinity : diff);
            if (!(diff <= c.Tolerance))
                return new HilResult(c.Name, c.Kind, false, $"step {i + 1}: device loss {losses[i]:G9}, reference {reference.LossCurve[i]:G9} (|diff| {diff:G3} > {c.Tolerance:G3})", 0, deviceMs, null);
        }
        return new HilResult(c.Name, c.Kind, true, $"{losses.Count} steps, loss {losses[0]:F4} -> {losses[^1]:F4} within {c.Tolerance:G3} of the reference "
            + $"(max |diff| {worst:G3}); {micros.Average() / 1000:F1} ms per step, tuning peak {reply.TuningPeakBytes} bytes", 0, deviceMs, null);
    }

    private HilResult Save(HilCase c)
    {
        SaveReply r = client.Save();
        StatusReply s = client.Status();
        bool ok = r.Generation > 0 && s.Adapters == DeviceProtocol.AdaptersSaved && s.Generation == r.Generation && s.NewestOnCard == r.Generation;
        _savedGeneration = r.Generation;
        return new HilResult(c.Name, c.Kind, ok, $"generation {r.Generation} ({r.Bytes} bytes) in {r.Microseconds / 1000.0:F1} ms; status: {s.State}, "
            + $"generation {s.Generation}, newest on the card {s.NewestOnCard}", 0, r.Microseconds / 1000.0, null);
    }

    /// <summary>What a restart does with the card: unload the adapters, load the newest from the card — the saved generation.</summary>
    private HilResult Reload(HilCase c)
    {
        client.ResetAdapters();
        uint generation = client.LoadAdapters();
        StatusReply s = Replanned();
        _referenceAdapters = _tunedAdapters;
        bool ok = generation == _savedGeneration && s.Adapters == DeviceProtocol.AdaptersSaved;
        return new HilResult(c.Name, c.Kind, ok, $"loaded generation {generation} from the card (saved: {_savedGeneration}); status {s.State}", 0, null, null);
    }

    private HilResult ResetAdapters(HilCase c)
    {
        client.ResetAdapters();
        StatusReply s = Replanned();
        _referenceAdapters = null;
        return new HilResult(c.Name, c.Kind, s.Adapters == DeviceProtocol.AdaptersNone, $"status {s.State}", 0, null, null);
    }

    private HilResult ExpectError(HilCase c)
    {
        int kind = HilCommand.CommandKind(c.Command);
        client.Begin();
        try
        {
            client.Call(kind);
            return new HilResult(c.Name, c.Kind, false, $"{c.Command} succeeded; expected error {c.ExpectCode}", 0, null, null);
        }
        catch (DeviceErrorException e)
        {
            bool ok = c.ExpectCode.Split('|').Contains(ErrorCode.Name(e.Code)); // "a|b": either code passes
            return new HilResult(c.Name, c.Kind, ok, ok ? e.Message : $"got {e.Message}; expected {c.ExpectCode}", 0, null, null);
        }
    }

    private static string Clip(string text)
    {
        string one = text.Replace('\n', ' ');
        return one.Length <= 60 ? one : one[..57] + "...";
    }
}

/// <summary>The results as a table, JSON, or JUnit XML.</summary>
public sealed record HilReport(string Target, HilCaseFile File, string ReferencePath, HelloReply Hello, IReadOnlyList<HilResult> Results, StatsReply? Stats)
{
    public int Failed => Results.Count(r => !r.Passed);
    public string SuiteName => $"{File.Name} on {Hello.BoardId}";

    public void Print()
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{File.Name}[/] on [bold]{Hello.BoardId}[/] ({Hello.FirmwareVersion}, protocol {Hello.ProtocolVersion}) at {Target}; context {Hello.Context}, {(Hello.KvInt8 ? "int8" : "float")} KV");
        var table = new Table().AddColumns("case", "kind", "result", "device ms", "SD ms (sim)", "detail");
        foreach (HilResult r in Results)
            table.AddRow(Markup.Escape(r.Name), r.Kind, r.Passed ? "[green]pass[/]" : "[red]FAIL[/]",
                r.DeviceMs is double d ? d.ToString("F1") : "", r.SimulatedSdMs is double s ? s.ToString("F2") : "", Markup.Escape(r.Detail));
        AnsiConsole.Write(table);
        if (Stats is not null)
            AnsiConsole.MarkupLineInterpolated($"device: {Stats.ForwardPasses} forward passes, {Stats.Reads} reads, {Stats.Bytes:N0} bytes, {Stats.MeasuredMicrosecondsPerToken:F0} us/token measured, {Stats.SimulatedMicrosecondsPerToken:F0} us/token simulated SD, {Stats.PeakBytes:N0} of {Stats.BudgetBytes:N0} bytes accounted");
        string verdict = Failed == 0 ? "[green]all passed[/]" : $"[red]{Failed} failed[/]";
        AnsiConsole.MarkupLine($"hil: {Results.Count - Failed} of {Results.Count} cases passed, {verdict}");
    }

    public JsonObject ToJson() => new()
    {
        ["target"] = Target,
        ["cases_file"] = File.Path,
        ["reference_model"] = ReferencePath,
        ["device"] = new JsonObject
        {
            ["board"] = Hello.BoardId,
            ["firmware"] = Hello.FirmwareVersion,
            ["protocol"] = Hello.ProtocolVersion,
            ["max_payload"] = Hello.MaxPayload,
            ["model_sha256"] = Hello.ModelSourceSha256,
            ["model_crc"] = Hello.ModelCrc.ToString("x8"),
            ["context"] = Hello.Context,
            ["kv_cache"] = Hello.KvInt8 ? "int8" : "float",
            ["budget_bytes"] = Hello.BudgetBytes,
            ["peak_bytes"] = Hello.PeakBytes,
        },
        ["passed"] = Results.Count - Failed,
        ["failed"] = Failed,
        ["cases"] = new JsonArray(Results.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Name,
            ["kind"] = r.Kind,
            ["passed"] = r.Passed,
            ["detail"] = r.Detail,
            ["seconds"] = Math.Round(r.Seconds, 4),
            ["device_ms"] = r.DeviceMs is double d ? Math.Round(d, 3) : null,
            ["simulated_sd_ms"] = r.SimulatedSdMs is double s ? Math.Round(s, 4) : null,
        }).ToArray()),
        ["stats"] = Stats is null ? null : new JsonObject
        {
            ["forward_passes"] = Stats.ForwardPasses,
            ["requests"] = Stats.Requests,
            ["errors"] = Stats.Errors,
            ["reads"] = Stats.Reads,
            ["bytes"] = Stats.Bytes,
            ["measured_us_per_token"] = Math.Round(Stats.MeasuredMicrosecondsPerToken, 1),
            ["simulated_us_per_token"] = Stats.SimulatedNanoseconds >= 0 ? Math.Round(Stats.SimulatedMicrosecondsPerToken, 1) : null,
            ["accounted_bytes"] = Stats.AccountedBytes,
            ["peak_bytes"] = Stats.PeakBytes,
            ["budget_bytes"] = Stats.BudgetBytes,
            ["protocol_bytes"] = Stats.ProtocolBytes,
        },
    };

    /// <summary>JUnit XML as CI servers read it: testsuites / testsuite / testcase [/ failure].</summary>
    public void WriteJUnit(string path)
    {
        double total = Results.Sum(r => r.Seconds);
        string F(double s) => s.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", SuiteName),
            new XAttribute("tests", Results.Count),
            new XAttribute("failures", Failed),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            new XAttribute("time", F(total)),
            new XAttribute("timestamp", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss")),
            new XElement("properties",
                Prop("target", Target), Prop("board", Hello.BoardId), Prop("firmware", Hello.FirmwareVersion),
                Prop("protocol", Hello.ProtocolVersion.ToString()), Prop("model_sha256", Hello.ModelSourceSha256),
                Prop("model_crc", Hello.ModelCrc.ToString("x8")), Prop("reference_model", ReferencePath)),
            Results.Select(r => new XElement("testcase",
                new XAttribute("classname", $"hil.{File.Name}"),
                new XAttribute("name", r.Name),
                new XAttribute("time", F(r.Seconds)),
                r.Passed
                    ? new XElement("system-out", r.Detail)
                    : new XElement("failure", new XAttribute("message", r.Detail), new XAttribute("type", r.Kind), r.Detail))));
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement("testsuites", new XAttribute("name", "edgetiny hil"), new XAttribute("tests", Results.Count),
                new XAttribute("failures", Failed), new XAttribute("time", F(total)), suite));
        EdgeTiny.Converter.IO.AtomicFile.Write(path, stream =>
        {
            using var writer = System.Xml.XmlWriter.Create(stream, new System.Xml.XmlWriterSettings { Encoding = new System.Text.UTF8Encoding(false), Indent = true });
            doc.Save(writer);
        }, written => XDocument.Load(written));
    }

    private static XElement Prop(string name, string value) => new("property", new XAttribute("name", name), new XAttribute("value", value));
}
