using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// llama2.c's int8 export (version 2, what runq.c reads): stories260K written as export.py writes it, read back, and
/// converted with --policy none keeping the file's own int8 values; its greedy tokens equal llama.cpp's on the same
/// numbers (the file's dequantized weights written to GGUF by ggml's writer).
/// </summary>
public sealed class Llama2cQ8Tests : IDisposable
{
    private readonly TempDir _dir = new();

    private string WriteStoriesQ8(out SourceModel floats)
    {
        floats = Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512);
        string path = _dir.File("stories260K_q80.bin");
        Assert.Equal(64, Llama2cQ8Checkpoint.Write(floats, path));
        File.Copy(SharedData.Tok512, _dir.File("tok512.bin"));
        return path;
    }

    [SharedDataFact]
    public void Reads_the_int8_values_and_scales_and_their_products()
    {
        string path = WriteStoriesQ8(out SourceModel floats);
        SourceModel m = ModelImport.Read(path, null);
        Assert.Equal("llama2c-v2-q8", m.SourceFormat);
        Assert.Equal(Llama2cCheckpoint.Describe(floats.Config), Llama2cCheckpoint.Describe(m.Config));
        foreach (SourceTensor t in m.Tensors)
        {
            if (t.IsNorm)
            {
                Assert.Null(t.Int8);
                Assert.Equal(floats.Tensor(t.Name).Data, t.Data);
                continue;
            }
            Int8Groups q = t.Int8!;
            Assert.Equal(64, q.GroupSize);
            for (int i = 0; i < t.Data.Length; i++) Assert.Equal(q.Values[i] * q.Scales[i / 64], t.Data[i]);
            // export.py's quantization: within half a step of the float weights.
            float[] w = floats.Tensor(t.Name).Data;
            for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(w[i] - t.Data[i]) <= q.Scales[i / 64] * 0.5001f, $"{t.Name}[{i}]");
        }
    }

    [SharedDataFact]
    public void Policy_none_keeps_the_files_int8_values_where_groups_stay_in_rows()
    {
        string path = WriteStoriesQ8(out _);
        SourceModel m = ModelImport.Read(path, null);
        string etb = _dir.File("q8.etb");
        CliResult r = CliRunner.Run("convert", path, "-o", etb, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        byte[] file = File.ReadAllBytes(etb);
        int kept = 0;
        foreach (SourceTensor t in m.Tensors.Where(t => !t.IsNorm))
        {
            var report = r.Json["tensors"]!.AsArray().Single(x => (string)x!["name"]! == t.Name)!;
            Assert.Equal(64, (int)report["group_size"]!);
            Assert.StartsWith("q8", (string)report["codec"]!);
            if (!StoredInt8.Applies(t, 8, 64))
            {
                Assert.EndsWith(".w2", t.Name); // 172 columns: a 64-value group of the file crosses rows
                continue;
            }
            EncodedTensor e = StoredInt8.Encode(t);
            Assert.Equal(t.Data, e.Decode());
            Assert.True(file.AsSpan().IndexOf(e.Payload) >= 0, $"{t.Name}: the file's int8 values and scales are not in the .etb as they are");
            kept++;
        }
        Assert.Equal(1 + 6 * m.Config.Layers, kept);
    }

    [SharedDataFact]
    public void Converted_int8_file_generates_llama_cpps_tokens_on_the_same_numbers()
    {
        string path = WriteStoriesQ8(out _);
        SourceModel m = ModelImport.Read(path, null);
        string etb = _dir.File("q8.etb");
        ModelConverter.Convert(m, new ConvertOptions { Policy = "none", Bits = 8, GroupSize = 64 }, etb);
        string gguf = _dir.File("q8-dequantized.gguf");
        GgufExport.Write(m, gguf, "stories260K-q80");
        using var llama = new LlamaCppModel(gguf);
        EtbModel model = GgufFiles.Load(etb);
        int same = 0, total = 0;
        foreach (GoldenCase g in Golden.Cases)
        {
            int[] prompt = g.Tokens[..g.PromptTokens];
            int[] theirs = llama.Greedy(prompt, 32), ours = GgufAgreementTests.OurGreedy(model, prompt, 32);
            Assert.Equal(theirs, ours);
            same += theirs.Length;
            total += theirs.Length;
        }
        Assert.Equal(total, same);
    }

    [SharedDataFact]
    public void Damaged_version_2_files_are_named()
    {
        string path = WriteStoriesQ8(out _);
        byte[] b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..^10]);
        var e = Assert.Throws<InputException>(() => ModelImport.Read(path, null));
        Assert.Equal(path, e.Subject);
        Assert.Contains("truncated", e.Message);

        BitConverter.GetBytes(48).CopyTo(b, 37);
        File.WriteAllBytes(path, b);
        e = Assert.Throws<InputException>(() => ModelImport.Read(path, null));
        Assert.Contains("group_size 48 does not divide", e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
