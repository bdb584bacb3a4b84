using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Host;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny inspect`: what an .etb file holds; `--verify` checks every section's CRC.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var verify = new Option<bool>("--verify") { Description = "Read every section and check its CRC32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var command = new Command("inspect", "Show the header, config, manifest and sections of an .etb file.") { model, verify, json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
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
            if (parse.GetValue(json)) JsonOutput.Write(ToJson(path, source.Length, reader, config, manifest, sections, verified));
            else Print(path, source.Length, reader, config, manifest, sections, verified);
            return Cli.ExitOk;
        });
        return command;
    }

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
