using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny run`: generate text from an .etb model.</summary>
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
        var command = new Command("run", "Generate text with an .etb model.") { model, prompt, steps, temperature, topP, seed, json };
        command.SetAction(parse =>
        {
            int stepCount = parse.GetValue(steps);
            float temp = parse.GetValue(temperature);
            Cli.Require(stepCount >= 0, "--steps", $"{stepCount} must be >= 0");
            Cli.Require(float.IsFinite(temp) && temp >= 0, "--temperature", $"{temp} must be a number >= 0");
            var settings = new RunSettings(parse.GetValue(model)!, parse.GetValue(prompt)!, stepCount, temp, parse.GetValue(topP),
                parse.GetValue(seed) ?? (ulong)DateTime.UtcNow.Ticks);
            bool asJson = parse.GetValue(json);
            RunResult result = Generate(settings, asJson ? null : Console.OpenStandardOutput());
            if (asJson) JsonOutput.Write(ToJson(settings, result));
            else Console.Error.WriteLine($"\n[{result.Tokens.Count} tokens, {result.TokensPerSecond:F1} tok/s, {result.PeakBytes:N0} bytes accounted]");
            return Cli.ExitOk;
        });
        return command;
    }

    public sealed record RunSettings(string ModelPath, string Prompt, int Steps, float Temperature, float TopP, ulong Seed);

    public sealed record RunResult(int[] PromptTokens, List<int> Tokens, string Text, double TokensPerSecond, long Reads, long Bytes, long PeakBytes);

    /// <summary>Loads the model, generates, and (when <paramref name="stream"/> is given) writes text as it is produced.</summary>
    public static RunResult Generate(RunSettings s, Stream? stream)
    {
        using var source = EtbFile.OpenSource(s.ModelPath);
        EtbModel m = EtbFile.Load(s.ModelPath, source);
        Tokenizer tok = m.Tokenizer;
        var promptBuffer = new int[Tokenizer.MaxTokens(Encoding.UTF8.GetByteCount(s.Prompt))];
        int promptCount = tok.Encode(s.Prompt, bos: true, eos: false, promptBuffer);
        int context = Math.Min(m.Config.SeqLen, promptCount + s.Steps);
        if (promptCount > m.Config.SeqLen)
            throw new InputException("--prompt", $"encodes to {promptCount} tokens, more than the model's context of {m.Config.SeqLen}");

        IKernels kernels = new PortableKernels();
        Transformer transformer = m.CreateTransformer(kernels, Math.Max(context, promptCount));
        Sampler sampler = m.CreateSampler(s.Temperature, s.TopP, s.Seed, kernels);
        var generator = new Generator(transformer, sampler);

        var tokens = new List<int>(s.Steps);
        var text = new MemoryStream();
        byte[] piece = new byte[tok.MaxTokenLength + 1];
        int prev = promptBuffer[promptCount - 1];
        if (stream is not null)
        {
            // Echo the prompt the way it will be decoded, so the printed text reads as one story.
            for (int i = 1; i < promptCount; i++)
                stream.Write(piece, 0, tok.Decode(promptBuffer[i - 1], promptBuffer[i], piece, 0));
        }

        var clock = Stopwatch.StartNew();
        generator.Start(promptBuffer, promptCount, s.Steps);
        for (int t = generator.Next(); t >= 0; t = generator.Next())
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
        return new RunResult(promptBuffer[..promptCount], tokens, Encoding.UTF8.GetString(text.ToArray()), tps,
            source.Reads, source.BytesRead, m.Ledger.PeakBytes);
    }

    private static JsonObject ToJson(RunSettings s, RunResult r) => new()
    {
        ["model"] = s.ModelPath,
        ["prompt"] = s.Prompt,
        ["prompt_tokens"] = JsonOutput.Array(r.PromptTokens),
        ["tokens"] = JsonOutput.Array(r.Tokens),
        ["text"] = r.Text,
        ["temperature"] = s.Temperature,
        ["top_p"] = s.TopP,
        ["seed"] = s.Seed,
        ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 2),
        ["io"] = new JsonObject
        {
            ["reads"] = r.Reads,
            ["bytes"] = r.Bytes,
            ["simulated_ms_per_token"] = null,
        },
        ["memory"] = new JsonObject
        {
            ["peak_bytes"] = r.PeakBytes,
            ["budget_bytes"] = null,
        },
    };
}
