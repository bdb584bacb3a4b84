using EdgeTiny.Host.Protocol;
using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Host;
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
        var target = new Option<string>("--target") { Description = "Generate on a board instead (with the adapters it has loaded): tcp://HOST:PORT or serial:/dev/ttyX[@BAUD]; the model file decodes its tokens" };
        var board = new BoardOptions();
        var command = new Command("run", "Generate text with an .etb model.") { model, prompt, steps, temperature, topP, seed, target, json };
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
            if (parse.GetValue(target) is string where)
                return OnBoard(path, text, promptTokens, stepCount, temp, parse.GetValue(topP), parse.GetValue(seed) ?? (ulong)DateTime.UtcNow.Ticks, where, parse.GetValue(json));
            SessionOptions options = board.Read(parse, promptTokens.Length + stepCount) with { Seed = parse.GetValue(seed) ?? (ulong)DateTime.UtcNow.Ticks };
            options.Runtime.Temperature = temp;
            options.Runtime.TopP = parse.GetValue(topP);
            using BoardSession session = BoardSession.Open(path, options);
            bool asJson = parse.GetValue(json);
            GenerationResult result = session.Generate(promptTokens, stepCount, asJson ? null : Console.OpenStandardOutput());
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

    /// <summary>`edgetiny run --target`: the board generates (protocol generate); the text is decoded here with the model's tokenizer.</summary>
    private static int OnBoard(string path, string prompt, int[] promptTokens, int steps, float temperature, float topP, ulong seed, string target, bool json)
    {
        Cli.Require(steps <= 65535, "--steps", $"{steps} must be <= 65535 on a board");
        Tokenizer tokenizer = EtbFile.ReadHead(path).Tokenizer;
        using BoardLink board = BoardLink.Open(target);
        EdgeTiny.Host.Protocol.GenerateReply r;
        EdgeTiny.Host.Protocol.StatsReply before, after;
        try
        {
            before = board.Client.Stats(false);
            r = board.Client.Generate(promptTokens, steps, temperature, topP, seed);
            after = board.Client.Stats(false);
        }
        catch (EdgeTiny.Host.Protocol.DeviceErrorException e) when (e.Code == EdgeTiny.Runtime.Protocol.ErrorCode.BadArgument)
        {
            throw new InputException("--target", $"{board.Where}: {e.Message}");
        }
        string generated = r.Text(tokenizer);
        if (json)
            JsonOutput.Write(new JsonObject
            {
                ["model"] = path,
                ["target"] = board.Where,
                ["board"] = board.Hello.BoardId,
                ["firmware"] = board.Hello.FirmwareVersion,
                ["prompt"] = prompt,
                ["prompt_tokens"] = JsonOutput.Array(r.PromptTokens),
                ["tokens"] = JsonOutput.Array(r.Tokens),
                ["text"] = generated,
                ["stop"] = EdgeTiny.Runtime.Protocol.DeviceProtocol.StopName(r.StopReason),
                ["temperature"] = temperature,
                ["top_p"] = topP,
                ["seed"] = seed,
                ["forward_passes"] = r.ForwardPasses,
                ["board_ms"] = Math.Round(r.MeasuredMicroseconds / 1000.0, 2),
                ["tokens_per_second"] = r.MeasuredMicroseconds > 0 ? Math.Round(r.Tokens.Length * 1e6 / r.MeasuredMicroseconds, 2) : 0,
                // As the board counts them (its stats before and after this request).
                ["io"] = new JsonObject
                {
                    ["reads"] = after.Reads - before.Reads,
                    ["bytes"] = after.Bytes - before.Bytes,
                    ["simulated_ms_per_token"] = r.SimulatedNanoseconds >= 0 && r.ForwardPasses > 0 ? Math.Round(r.SimulatedNanoseconds / 1e6 / r.ForwardPasses, 4) : null,
                },
                ["memory"] = new JsonObject { ["peak_bytes"] = after.PeakBytes, ["budget_bytes"] = after.BudgetBytes > 0 ? after.BudgetBytes : null },
            });
        else
        {
            Console.Out.Write(prompt + generated);
            Console.Out.Flush();
            Console.Error.WriteLine($"\n[{r.Tokens.Length} tokens on {board.Hello.BoardId} in {r.MeasuredMicroseconds / 1000.0:F1} ms]");
        }
        return Cli.ExitOk;
    }

    private static JsonObject ToJson(string path, string prompt, BoardSession s, GenerationResult r, SessionStats st) => new()
    {
        ["model"] = path,
        ["board"] = SessionJson.Board(s, st),
        ["predicted"] = SessionJson.Predicted(s, st),
        ["prompt"] = prompt,
        ["prompt_tokens"] = JsonOutput.Array(r.PromptTokens),
        ["tokens"] = JsonOutput.Array(r.Tokens),
        ["text"] = r.Text,
        ["temperature"] = s.Options.Runtime.Temperature,
        ["top_p"] = s.Options.Runtime.TopP,
        ["seed"] = s.Options.Seed,
        ["forward_passes"] = st.ForwardPasses,
        ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 2),
        ["io"] = SessionJson.Io(st),
        ["memory"] = SessionJson.Memory(s, st),
    };
}
