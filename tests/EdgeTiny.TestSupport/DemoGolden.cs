using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.TestSupport;

/// <summary>One prompt of the demo-model golden: its tokens, the greedy continuation, and some teacher-forced logits.</summary>
public sealed record DemoGoldenCase(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("prompt_tokens")] int[] PromptTokens,
    [property: JsonPropertyName("generated")] int[] Generated,
    [property: JsonPropertyName("positions")] int[] Positions,
    [property: JsonPropertyName("logits")] float[][] Logits)
{
    /// <summary>Prompt and continuation, the sequence the logits were taken on (teacher forced).</summary>
    [JsonIgnore] public int[] Sequence => [.. PromptTokens, .. Generated];

    public override string ToString() => $"\"{Prompt}\"";
}

/// <summary>The committed fixture: which model it was made from, how, and the cases.</summary>
public sealed record DemoGoldenFile(
    [property: JsonPropertyName("about")] string About,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("model_sha256")] string ModelSha256,
    [property: JsonPropertyName("conversion")] string Conversion,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("logits_per_position")] int LogitsPerPosition,
    [property: JsonPropertyName("cases")] DemoGoldenCase[] Cases);

/// <summary>
/// Golden tokens and logits of the committed demo model (models/demo), in the repository so they are checked on every
/// machine: <see cref="DemoModel.PromptTexts"/> encoded by the model's tokenizer, <see cref="Steps"/> greedy tokens
/// each from the lossless (--bits 32) conversion with the portable kernels, and the first
/// <see cref="LogitsPerPosition"/> logits at every <see cref="PositionStride"/>-th position of prompt + continuation
/// (teacher forced) and at its last position.
/// <para>
/// The fixture is a record of what the runtime computed when it was made (cross-checked against the converter's dense
/// reference by DemoGoldenTests). Regenerate it only when the model or the intended numerics change, never to make a
/// failing test pass:
/// <c>EDGETINY_REGENERATE_GOLDEN=1 dotnet test tests/EdgeTiny.Runtime.Tests --filter FullyQualifiedName~DemoGoldenTests</c>
/// (refused when CI=true), then review the diff of <see cref="FixturePath"/>.
/// </para>
/// </summary>
public static class DemoGolden
{
    public const int Steps = 24;
    public const int LogitsPerPosition = 32;
    public const int PositionStride = 8;
    public const string RegenerateVariable = "EDGETINY_REGENERATE_GOLDEN";

    public static string FixturePath => Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Runtime.Tests", "fixtures", "demo-golden.json");

    public static bool RegenerateRequested => Environment.GetEnvironmentVariable(RegenerateVariable) == "1";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ModelSha256() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(DemoModel.Checkpoint)));

    /// <summary>The demo model converted losslessly (policy none, 32 bits) by the real converter into <paramref name="dir"/>.</summary>
    public static string ConvertF32(TempDir dir)
    {
        string path = dir.File("demo-f32.etb");
        ModelConverter.Convert(Llama2cCheckpoint.Read(DemoModel.Checkpoint, null), new ConvertOptions { Policy = "none", Bits = 32 }, path);
        return path;
    }

    public static EtbModel Open(string etbPath) => EtbModel.Open(new StreamBlockSource(File.OpenRead(etbPath), ownsStream: true), new RuntimeOptions());

    /// <summary>The prompt encoded (with BOS) by the runtime's tokenizer of <paramref name="m"/>.</summary>
    public static int[] Encode(EtbModel m, string prompt)
    {
        var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(prompt))];
        int n = m.Tokenizer.Encode(prompt, true, false, buffer);
        return buffer[..n];
    }

    /// <summary>Greedy continuation (at most <see cref="Steps"/> tokens; generation stops early at EOS/BOS) with the portable kernels.</summary>
    public static int[] Greedy(EtbModel m, int[] prompt)
    {
        var kernels = new PortableKernels();
        var generator = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, kernels));
        generator.Start(prompt, prompt.Length, Steps);
        var tokens = new List<int>();
        for (int t = generator.Next(); t >= 0; t = generator.Next()) tokens.Add(t);
        return [.. tokens];
    }

    /// <summary>The positions whose logits the fixture keeps for a sequence of <paramref name="length"/> tokens.</summary>
    public static int[] Positions(int length) =>
        [.. Enumerable.Range(0, length).Where(p => p % PositionStride == 0 || p == length - 1)];

    /// <summary>Teacher-forced logits of <paramref name="sequence"/> at <paramref name="positions"/> (first <see cref="LogitsPerPosition"/>).</summary>
    public static float[][] Logits(EtbModel m, int[] sequence, int[] positions)
    {
        Transformer t = m.CreateTransformer(new PortableKernels(), m.Config.SeqLen);
        var rows = new List<float[]>();
        for (int p = 0; p <= positions[^1]; p++)
        {
            float[] logits = t.Forward(sequence[p], p);
            if (positions.Contains(p)) rows.Add(logits[..LogitsPerPosition]);
        }
        return [.. rows];
    }

    /// <summary>Computes the fixture with the current code from a lossless conversion at <paramref name="etbPath"/>.</summary>
    public static DemoGoldenFile Generate(string etbPath)
    {
        EtbModel m = Open(etbPath);
        var cases = new List<DemoGoldenCase>();
        foreach (string prompt in DemoModel.PromptTexts)
        {
            int[] promptTokens = Encode(m, prompt);
            int[] generated = Greedy(m, promptTokens);
            int[] sequence = [.. promptTokens, .. generated];
            int[] positions = Positions(sequence.Length);
            cases.Add(new DemoGoldenCase(prompt, promptTokens, generated, positions, Logits(m, sequence, positions)));
        }
        return new DemoGoldenFile(
            "Golden tokens and logits of models/demo, made by EdgeTiny.TestSupport.DemoGolden with the runtime's portable kernels. "
            + $"Regenerate only on purpose: {RegenerateVariable}=1 dotnet test tests/EdgeTiny.Runtime.Tests --filter FullyQualifiedName~DemoGoldenTests",
            "models/demo/village280k.bin", ModelSha256(), "policy none, 32 bits (lossless)", Steps, LogitsPerPosition, [.. cases]);
    }

    public static DemoGoldenFile Load() =>
        JsonSerializer.Deserialize<DemoGoldenFile>(File.ReadAllText(FixturePath))
        ?? throw new InvalidDataException($"{FixturePath}: empty fixture");

    public static void Write(DemoGoldenFile golden)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FixturePath)!);
        // Indented, with every array of numbers on one line (a token list, a row of logits) so diffs stay readable.
        string json = System.Text.RegularExpressions.Regex.Replace(JsonSerializer.Serialize(golden, s_json), @"\[\s*([-0-9.eE+,\s]*?)\s*\]",
            m => "[" + string.Join(", ", m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)) + "]");
        File.WriteAllText(FixturePath, json + "\n");
    }
}
