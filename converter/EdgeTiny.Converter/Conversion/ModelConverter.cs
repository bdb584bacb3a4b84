using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Conversion;

/// <summary>One tensor as written: its codec and how many bytes it takes in the file.</summary>
public sealed record TensorReport(string Name, int Rows, int Cols, string Codec, int GroupSize, long Bytes)
{
    public double BitsPerWeight => Bytes * 8.0 / ((long)Rows * Cols);
}

/// <summary>What a conversion produced.</summary>
public sealed record ConversionReport(string Output, long FileBytes, long SourceBytes, long Parameters, ConvertOptions Options, IReadOnlyList<TensorReport> Tensors)
{
    /// <summary>File bits per model parameter, all sections and padding included.</summary>
    public double BitsPerParameter => FileBytes * 8.0 / Parameters;
}

/// <summary>Turns a <see cref="SourceModel"/> into an .etb file according to <see cref="ConvertOptions"/>.</summary>
public static class ModelConverter
{
    public const string Version = "0.1.0";

    public static ConversionReport Convert(SourceModel model, ConvertOptions options, string outputPath)
    {
        options.Validate();
        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, model.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(model.Tokenizer));
        writer.AddRaw(TensorNames.Manifest, SectionKind.Manifest, Manifest(model, options));

        var reports = new List<TensorReport>();
        foreach (SourceTensor t in model.Tensors)
        {
            EncodedTensor e = options.Bits < 32 && !t.IsNorm
                ? GroupQuantizer.Encode(t.Data, t.Rows, t.Cols, options.GroupSize, options.Bits)
                : EncodedTensor.F32(t.Data, t.Rows, t.Cols);
            writer.AddTensor(t.Name, e);
            reports.Add(new TensorReport(t.Name, t.Rows, t.Cols, e.Describe(), e.GroupSize, e.Payload.Length));
        }

        writer.WriteFile(outputPath);
        long sourceBytes = new FileInfo(model.SourcePath).Length;
        return new ConversionReport(outputPath, new FileInfo(outputPath).Length, sourceBytes, model.ParameterCount, options, reports);
    }

    /// <summary>JSON that says where the file came from and how it was made (no timestamps: conversions are reproducible).</summary>
    private static byte[] Manifest(SourceModel model, ConvertOptions options)
    {
        var json = new JsonObject
        {
            ["format"] = "etb",
            ["converter"] = $"edgetiny {Version}",
            ["source"] = new JsonObject
            {
                ["file"] = Path.GetFileName(model.SourcePath),
                ["format"] = "llama2c-v0",
                ["sha256"] = model.SourceSha256,
                ["parameters"] = model.ParameterCount,
            },
            ["policy"] = options.Policy,
            ["bits"] = options.Bits,
            ["group_size"] = options.Bits == 32 ? 0 : options.GroupSize,
            ["calibration"] = null,
        };
        return Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
