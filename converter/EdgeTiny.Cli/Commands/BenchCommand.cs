using EdgeTiny.Runtime.Generation;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host;
using EdgeTiny.Reports.Pages;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny bench`: greedy decode speed on this machine plus the machine-independent counts that matter on a board
/// (allocations, reads, bytes, simulated SD time per token, accounted memory, predicted on-board tokens/s).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var tokens = new Option<int>("--tokens") { Description = "Tokens to generate and time (after a short warm-up)", DefaultValueFactory = _ => 256 };
        var prompt = new Option<string>("--prompt") { Description = "Prompt to start from", DefaultValueFactory = _ => "Once upon a time" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var board = new BoardOptions();
        var report = new ReportOption();
        var command = new Command("bench", "Measure decode speed and per-token costs of an .etb model.") { model, tokens, prompt, json };
        board.AddTo(command);
        report.AddTo(command);
        command.SetAction(parse =>
        {
            report.Check(parse);
            int count = parse.GetValue(tokens);
            Cli.Require(count > 0, "--tokens", $"{count} must be > 0");
            string path = parse.GetValue(model)!;
            int[] promptTokens = BoardSession.EncodePrompt(path, parse.GetValue(prompt)!);
            // --board all: every profile in one run, so their figures compare directly.
            IEnumerable<BoardProfile?> boards = parse.GetValue(board.Board) == "all" ? BoardCatalog.LoadAll().Cast<BoardProfile?>() : [board.ReadBoard(parse)];
            var results = new List<JsonObject>();
            foreach (BoardProfile? profile in boards)
            {
                SessionOptions options = board.Read(parse, promptTokens.Length + count + Warmup, profile);
                using BoardSession session = BoardSession.Open(path, options);
                BenchResult r = Measure(session, promptTokens, count);
                results.Add(ToJson(path, session, r, session.Stats()));
            }
            JsonObject result = results.Count == 1 ? results[0] : new JsonObject { ["boards"] = new JsonArray([.. results]) };
            report.WriteIfAsked(parse, result, BenchReport.Build);
            if (parse.GetValue(json)) JsonOutput.Write(result);
            else results.ForEach(Print);
            return Cli.ExitOk;
        });
        return command;
    }

    private const int Warmup = 8;

    /// <param name="Split">Time by layer type, from a second pass of the same tokens with a <see cref="PhaseTimer"/>.</param>
    /// <param name="SplitAllocatedBytes">Bytes allocated during that pass (the observer must not allocate either).</param>
    public sealed record BenchResult(int Tokens, double Seconds, long AllocatedBytes, JsonObject? Split = null, long SplitAllocatedBytes = 0)
    {
        public double TokensPerSecond => Tokens / Math.Max(Seconds, 1e-9);
    }

    /// <summary>
    /// Greedy decode: at least a second of warm-up (so .NET's tiered compilation has finished optimising the hot
    /// loops), then <paramref name="count"/> timed tokens (fewer if the model ends the story first); then the same
    /// tokens again with a <see cref="PhaseTimer"/> listening, for the time split by layer type. The split has its own
    /// pass so the clock reads (a dozen per layer) do not slow the tokens/s figure.
    /// </summary>
    public static BenchResult Measure(BoardSession session, int[] prompt, int count)
    {
        BenchResult r = MeasureOnce(session, session.Generator, prompt, count, null);
        var timer = new PhaseTimer();
        BenchResult s = MeasureOnce(session, session.ObservedGenerator(timer), prompt, count, timer);
        return r with { Split = timer.ToJson(s.Tokens, s.Seconds), SplitAllocatedBytes = s.AllocatedBytes };
    }

    private static BenchResult MeasureOnce(BoardSession session, Generator generator, int[] prompt, int count, PhaseTimer? timer)
    {
        long warmupEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        do
        {
            generator.Start(prompt, prompt.Length, count + Warmup);
            for (int i = 0; i < count && generator.Next() >= 0; i++) { }
        }
        while (Stopwatch.GetTimestamp() < warmupEnd);
        session.ResetCounters();
        generator.Start(prompt, prompt.Length, count + Warmup);
        for (int i = 0; i < Warmup && generator.Next() >= 0; i++) { }
        timer?.Reset();
        // Timestamps, not a Stopwatch object: nothing may be allocated inside the measured window.
        long before = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        int produced = 0;
        while (produced < count && generator.Next() >= 0) produced++;
        long end = Stopwatch.GetTimestamp();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new BenchResult(produced, Stopwatch.GetElapsedTime(start, end).TotalSeconds, allocated);
    }

    private static JsonObject ToJson(string path, BoardSession s, BenchResult r, SessionStats st) => new()
    {
        ["model"] = path,
        ["board"] = SessionJson.Board(s, st),
        ["predicted"] = SessionJson.Predicted(s, st),
        ["kernels"] = s.Options.Kernels.GetType().Name,
        ["tokens"] = r.Tokens,
        ["seconds"] = Math.Round(r.Seconds, 4),
        ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 1),
        ["allocated_bytes_per_token"] = r.Tokens == 0 ? 0 : (double)r.AllocatedBytes / r.Tokens,
        ["time_split"] = r.Split?.DeepClone(),
        ["time_split_allocated_bytes_per_token"] = r.Tokens == 0 ? 0 : (double)r.SplitAllocatedBytes / r.Tokens,
        ["forward_passes"] = st.ForwardPasses,
        ["io"] = SessionJson.Io(st),
        ["memory"] = SessionJson.Memory(s, st),
        ["classifier"] = ClassifierShare.Report(s),
    };

    private static void Print(JsonObject r)
    {
        var table = new Table().AddColumns("measure", r["board"]?["id"]?.GetValue<string>() ?? "this machine");
        void Row(string name, JsonNode? value) => table.AddRow(name, value?.ToJsonString() ?? "-");
        Row("tokens/s (this machine)", r["tokens_per_second"]);
        Row("allocated bytes/token", r["allocated_bytes_per_token"]);
        if (r["time_split"] is JsonObject split)
            foreach ((string phase, JsonNode? v) in split)
                Row($"  time in {phase}", JsonValue.Create($"{v!["fraction"]!.GetValue<double>():P1}, {v["us_per_token"]} us/token"));
        Row("peak memory (accounted)", r["memory"]!["peak_bytes"]);
        Row("budget", r["memory"]!["budget_bytes"]);
        Row("reads/token", r["io"]!["reads_per_token"]);
        Row("bytes/token", r["io"]!["bytes_per_token"]);
        Row("simulated SD ms/token", r["io"]!["simulated_ms_per_token"]);
        Row("context / KV cache", JsonValue.Create($"{r["memory"]!["context"]} / {r["memory"]!["kv_cache"]}"));
        Row("streamed tensors", r["memory"]!["streamed_tensors"]);
        foreach (string firmware in new[] { "native_kernels", "portable_only" })
            if (r["predicted"]?[firmware] is JsonObject p)
            {
                JsonNode ms = p["ms_per_token"]!;
                Row($"predicted on-board tokens/s, {p["firmware"]}", p["tokens_per_second"]);
                Row("  ms/token: native kernels / interpreted kernels / glue / SD", JsonValue.Create(
                    $"{ms["kernels_native"]} / {ms["kernels_interpreted"]} / {ms["glue"]} / {ms["sd"]} (most: {p["dominant"]})"));
            }
        Row("classifier share of matrix bytes", JsonValue.Create($"{r["classifier"]!["share_of_matrix_bytes"]!.GetValue<double>():P1} ({r["classifier"]!["bytes"]} bytes{(r["classifier"]!["sd_ms_if_streamed"] is JsonNode sdMs ? $", {sdMs} SD ms if streamed" : "")})"));
        AnsiConsole.Write(table);
    }
}
