using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Host;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Diagnostics;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny inspect`: what an .etb file holds; `--verify` checks every section's CRC; `--self-test` recomputes the
/// self-check section with the runtime's <see cref="SelfTest"/> (the code the firmware runs at boot).
/// </summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var verify = new Option<bool>("--verify") { Description = "Read every section and check its CRC32" };
        var selfTest = new Option<bool>("--self-test")
        {
            Description = "Recompute the file's self-check (greedy tokens and top-k logits of its stored prompts) with the runtime, as a board does at boot. "
                + "Exit 0 when every check passes; 1 when any fails (a finding about the model or the kernels, not bad input); "
                + "2 for a file without a self-check section or a bad file",
        };
        var kernels = new Option<string>("--kernels") { Description = "With --self-test: simd (AVX2 / Arm NEON) or portable (the kernels the converter computed the checks with)", DefaultValueFactory = _ => "simd" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var command = new Command("inspect", "Show the header, config, manifest and sections of an .etb file; --self-test runs its self-check.") { model, verify, selfTest, kernels, json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            IKernels? selfTestKernels = !parse.GetValue(selfTest) ? null : parse.GetValue(kernels) switch
            {
                "simd" => new EdgeTiny.Runtime.Simd.SimdKernels(),
                "portable" => new PortableKernels(),
                var other => throw new InputException("--kernels", $"'{other}' must be simd or portable"),
            };
            using var source = EtbFile.OpenSource(path);
            EtbReader reader = EtbFile.OpenReader(path, source);
            ModelConfig config = EtbFile.Guard(path, () => ModelConfig.Parse(reader.ReadSection(reader.Require(TensorNames.Config))));
            SectionEntry? manifestEntry = reader.Find(TensorNames.Manifest);
            string? manifest = manifestEntry is null ? null
                : System.Text.Encoding.UTF8.GetString(EtbFile.Guard(path, () => reader.ReadSection(manifestEntry)));
            bool verified = false;
            if (parse.GetValue(verify))
            {
                EtbFile.Guard(path, () => { reader.VerifyAll(new byte[64 * 1024]); return 0; });
                verified = true;
            }
            var sections = Enumerable.Range(0, reader.SectionCount).Select(reader.Section).ToList();
            var lines = new SelfTestLines();
            SelfTest? test = null;
            if (selfTestKernels is not null)
            {
                if (reader.Find(TensorNames.SelfCheck) is null)
                    throw new InputException(path, "has no self-check section (converted before self-checks were written): nothing to check");
                test = EtbFile.Guard(path, () => new SelfTest(EtbModel.Load(source), selfTestKernels));
                test.Run(lines);
            }
            if (parse.GetValue(json))
            {
                JsonObject o = ToJson(path, source.Length, reader, config, manifest, sections, verified);
                if (test is not null) o["self_test"] = SelfTestJson(test, selfTestKernels!);
                JsonOutput.Write(o);
            }
            else
            {
                Print(path, source.Length, reader, config, manifest, sections, verified);
                foreach (string line in lines.All) Console.Out.WriteLine(line); // the last one is "N passed, N failed"
            }
            return test is not null && test.Failed > 0 ? Cli.ExitInternal : Cli.ExitOk;
        });
        return command;
    }

    private sealed class SelfTestLines : ISelfTestOutput
    {
        public readonly List<string> All = [];
        public void WriteLine(string line) => All.Add(line);
    }

    private static JsonObject SelfTestJson(SelfTest test, IKernels kernels) => new()
    {
        ["passed"] = test.Passed,
        ["failed"] = test.Failed,
        ["kernels"] = kernels.GetType().Name,
        ["tolerance_relative"] = SelfTest.Tolerance,
        ["new_tokens"] = test.Check.NewTokens,
        ["top_k"] = test.Check.TopK,
        ["checks"] = new JsonArray(Enumerable.Range(0, test.CheckCount).Select(i => (JsonNode)new JsonObject
        {
            ["passed"] = test.CheckPassed(i),
            ["prompt_tokens"] = new JsonArray(test.Check.Prompts[i].Select(t => (JsonNode)t).ToArray()),
            ["expected_tokens"] = new JsonArray(test.Check.Tokens[i].Select(t => (JsonNode)t).ToArray()),
            ["tokens_matched"] = test.CheckTokensMatched(i),
            ["max_logit_error"] = float.IsFinite(test.CheckMaxError(i)) ? test.CheckMaxError(i) : null,
            ["detail"] = test.CheckDetail(i),
        }).ToArray()),
    };

    private static long Parameters(IEnumerable<SectionEntry> sections) =>
        sections.Where(s => s.Kind == SectionKind.Tensor).Sum(s => (long)s.Rows * s.Cols);

    private static JsonObject ToJson(string path, long bytes, EtbReader reader, ModelConfig c, string? manifest, List<SectionEntry> sections, bool verified)
    {
        long parameters = Parameters(sections);
        return new JsonObject
        {
            ["file"] = path,
            ["bytes"] = bytes,
            ["version"] = $"{reader.MajorVersion}.{reader.MinorVersion}",
            ["verified"] = verified,
            ["parameters"] = parameters,
            ["bits_per_parameter"] = Math.Round(bytes * 8.0 / parameters, 4),
            ["config"] = ConfigJson(c),
            ["manifest"] = manifest is null ? null : JsonNode.Parse(manifest),
            ["sections"] = new JsonArray(sections.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["kind"] = SectionKind.Name(s.Kind),
                ["codec"] = Codec.Describe(s.Codec, s.Param, s.Cols),
                ["param"] = s.Param,
                ["rows"] = s.Rows,
                ["cols"] = s.Cols,
                ["group_size"] = s.GroupSize,
                ["offset"] = s.Offset,
                ["length"] = s.Length,
                ["crc32"] = s.Crc32.ToString("x8"),
            }).ToArray()),
        };
    }

    public static JsonObject ConfigJson(ModelConfig c) => new()
    {
        ["dim"] = c.Dim,
        ["hidden_dim"] = c.HiddenDim,
        ["n_layers"] = c.Layers,
        ["n_heads"] = c.Heads,
        ["n_kv_heads"] = c.KvHeads,
        ["vocab_size"] = c.VocabSize,
        ["seq_len"] = c.SeqLen,
        ["shared_classifier"] = c.SharedClassifier,
        ["ffn_activation"] = c.FfnActivation == ModelConfig.ActivationSwiGlu ? "swiglu" : "relu-glu",
    };

    private static void Print(string path, long bytes, EtbReader reader, ModelConfig c, string? manifest, List<SectionEntry> sections, bool verified)
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{path}[/]: .etb v{reader.MajorVersion}.{reader.MinorVersion}, {bytes:N0} bytes, {sections.Count} sections, {Parameters(sections):N0} parameters");
        AnsiConsole.MarkupLineInterpolated($"model: dim {c.Dim}, hidden {c.HiddenDim}, {c.Layers} layers, {c.Heads} heads ({c.KvHeads} kv), vocab {c.VocabSize}, seq_len {c.SeqLen}, classifier {(c.SharedClassifier ? "shared" : "separate")}");
        if (manifest is not null) Console.Out.WriteLine($"manifest: {manifest}"); // one line, never wrapped: scripts grep it
        var table = new Table().AddColumns("section", "kind", "codec", "shape", "group", "offset", "bytes", "crc32");
        foreach (var s in sections)
            table.AddRow(s.Name, SectionKind.Name(s.Kind), Codec.Describe(s.Codec, s.Param, s.Cols), s.Kind == SectionKind.Tensor ? $"{s.Rows}x{s.Cols}" : "",
                s.GroupSize == 0 ? "" : s.GroupSize.ToString(), s.Offset.ToString("N0"), s.Length.ToString("N0"), s.Crc32.ToString("x8"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(verified ? "[green]verified: every section's CRC32 matches[/]" : "not verified (use --verify to check every section's CRC32)");
    }
}
