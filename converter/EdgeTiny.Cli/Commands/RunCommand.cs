using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Hosting;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny run`: generate text from an .etb model, on the desktop or as a given board would.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (BOS is always prepended)", DefaultValueFactory = _ => "" };
        var steps = new Option<int>("--steps") { Description = "New tokens to generate (stops early at EOS/BOS or a full context)", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy; higher = more random", DefaultValueFactory = _ => 1.0f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass (outside (0,1): plain sampling)", DefaultValueFactory = _ => 0.9f };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: from the clock; reported in --json)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of streaming text" };
        var board = new BoardOptions();
        var command = new Command("run", "Generate text with an .etb model.") { model, prompt, steps, temperature, topP, seed, json };
        board.AddTo(command);
        command.SetAction(parse =>
        {
            int stepCount = parse.GetValue(steps);
            float temp = parse.GetValue(temperature);
            Cli.Require(stepCount >= 0, "--steps", $"{stepCount} must be >= 0");
            Cli.Require(float.IsFinite(temp) && temp >= 0, "--temperature", $"{temp} must be a number >= 0");
            string path = parse.GetValue(model)!;
            string text = parse.GetValue(prompt)!;
            int[] promptTokens = BoardSession.EncodePrompt(path, text);
            var options = new SessionOptions
            {
                Board = board.ReadBoard(parse),
                BudgetBytes = board.ReadBudget(parse),
                KvPrecision = board.ReadKv(parse),
                Kernels = board.ReadKernels(parse),
                ContextLength = promptTokens.Length + stepCount,
                Temperature = temp,
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed) ?? (ulong)DateTime.UtcNow.Ticks,
            };
            using BoardSession session = BoardSession.Open(path, board.WithFfn(parse, options));
            bool asJson = parse.GetValue(json);
            RunResult result = Generate(session, promptTokens, stepCount, asJson ? null : Console.OpenStandardOutput());
            SessionStats stats = session.Stats();
            if (asJson) JsonOutput.Write(ToJson(path, text, session, result, stats));
            else
            {
                string io = stats.SimulatedMsPerToken is double ms ? $", {stats.ReadsPerToken:F1} reads and {ms:F2} simulated SD ms per token" : "";
                Console.Error.WriteLine($"\n[{result.Tokens.Count} tokens, {result.TokensPerSecond:F1} tok/s on this machine, {stats.PeakBytes:N0} bytes accounted{io}]");
            }
            return Cli.ExitOk;
        });
        return command;
    }

    public sealed record RunResult(int[] PromptTokens, List<int> Tokens, string Text, double TokensPerSecond);

    /// <summary>Generates up to <paramref name="steps"/> tokens; when <paramref name="stream"/> is given, writes the text as it comes.</summary>
    public static RunResult Generate(BoardSession session, int[] promptTokens, int steps, Stream? stream)
    {
        Tokenizer tok = session.Model.Tokenizer;
        if (promptTokens.Length > session.Model.Plan.Context)
            throw new InputException("--prompt", $"encodes to {promptTokens.Length} tokens, more than the {session.Model.Plan.Context}-position context that fits");
        var tokens = new List<int>(steps);
        var text = new MemoryStream();
        byte[] piece = new byte[tok.MaxTokenLength + 1];
        if (stream is not null)
            for (int i = 1; i < promptTokens.Length; i++) stream.Write(piece, 0, tok.Decode(promptTokens[i - 1], promptTokens[i], piece, 0));

        int prev = promptTokens[^1];
        var clock = Stopwatch.StartNew();
        session.Generator.Start(promptTokens, promptTokens.Length, steps);
        for (int t = session.Generator.Next(); t >= 0; t = session.Generator.Next())
        {
            tokens.Add(t);
            int n = tok.Decode(prev, t, piece, 0);
            text.Write(piece, 0, n);
            if (stream is not null)
            {
                stream.Write(piece, 0, n);
                stream.Flush();
            }
            prev = t;
        }
        clock.Stop();
        double tps = tokens.Count == 0 ? 0 : tokens.Count / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        return new RunResult(promptTokens, tokens, Encoding.UTF8.GetString(text.ToArray()), tps);
    }

    private static JsonObject ToJson(string path, string prompt, BoardSession s, RunResult r, SessionStats st) => new()
    {
        ["model"] = path,
        ["board"] = SessionJson.Board(s, st),
        ["prompt"] = prompt,
        ["prompt_tokens"] = JsonOutput.Array(r.PromptTokens),
        ["tokens"] = JsonOutput.Array(r.Tokens),
        ["text"] = r.Text,
        ["temperature"] = s.Options.Temperature,
        ["top_p"] = s.Options.TopP,
        ["seed"] = s.Options.Seed,
        ["forward_passes"] = st.ForwardPasses,
        ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 2),
        ["io"] = SessionJson.Io(st),
        ["memory"] = SessionJson.Memory(s, st),
    };
}
