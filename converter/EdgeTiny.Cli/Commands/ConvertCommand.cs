using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny convert`: a llama2.c checkpoint → an .etb file.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "Trained model: a llama2.c checkpoint (.bin)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "llama2.c tokenizer file (default: tok{vocab}.bin or tokenizer.bin beside the source)" };
        var policy = new Option<string>("--policy") { Description = "Compression policy: none | uniform", DefaultValueFactory = _ => "none" };
        var bits = new Option<int>("--bits") { Description = "Bits per weight: 32 (float, lossless) or 8 (group int8)", DefaultValueFactory = _ => 32 };
        var group = new Option<int>("--group-size") { Description = "Weights per quantization scale", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--output", "-o") { Description = "The .etb file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };

        var command = new Command("convert", "Convert a trained model into a compact .etb file.")
        {
            source, tokenizer, policy, bits, group, output, json,
        };
        command.SetAction(parse =>
        {
            var options = new ConvertOptions
            {
                Policy = parse.GetValue(policy)!,
                Bits = parse.GetValue(bits),
                GroupSize = parse.GetValue(group),
            };
            options.Validate();
            SourceModel model = Llama2cCheckpoint.Read(parse.GetValue(source)!, parse.GetValue(tokenizer));
            ConversionReport report = ModelConverter.Convert(model, options, parse.GetValue(output)!);
            if (parse.GetValue(json)) JsonOutput.Write(ToJson(report));
            else Print(report);
            return Cli.ExitOk;
        });
        return command;
    }

    private static JsonObject ToJson(ConversionReport r) => new()
    {
        ["output"] = r.Output,
        ["file_bytes"] = r.FileBytes,
        ["source_bytes"] = r.SourceBytes,
        ["parameters"] = r.Parameters,
        ["bits_per_parameter"] = Math.Round(r.BitsPerParameter, 4),
        ["policy"] = r.Options.Policy,
        ["bits"] = r.Options.Bits,
        ["group_size"] = r.Options.GroupSize,
        ["tensors"] = new JsonArray(r.Tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["rows"] = t.Rows,
            ["cols"] = t.Cols,
            ["codec"] = t.Codec,
            ["group_size"] = t.GroupSize,
            ["bytes"] = t.Bytes,
            ["bits_per_weight"] = Math.Round(t.BitsPerWeight, 4),
        }).ToArray()),
    };

    private static void Print(ConversionReport r)
    {
        var table = new Table().AddColumns("tensor", "shape", "codec", "bytes", "bits/weight");
        foreach (var t in r.Tensors)
            table.AddRow(t.Name, $"{t.Rows}x{t.Cols}", t.Codec, t.Bytes.ToString("N0"), t.BitsPerWeight.ToString("F2"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"wrote [bold]{r.Output}[/]: {r.FileBytes:N0} bytes, {r.BitsPerParameter:F2} bits/parameter ({(double)r.SourceBytes / r.FileBytes:F2}x smaller than the {r.SourceBytes:N0}-byte source)");
    }
}
