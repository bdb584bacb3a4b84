using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Text;
using LLama.Native;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// Hugging Face folders (config.json, safetensors, tokenizer.json): stories260K saved as transformers saves a
/// LlamaForCausalLM (q/k rows permuted into its RoPE layout), imported back exactly; converted, it reproduces the golden
/// tokens; F16 shards and BF16 agree with llama.cpp running the same numbers from a GGUF; and a folder whose weights
/// are ggml's own decoding of a llama.cpp Q8_0 file imports to exactly what our GGUF reader decodes.
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class HuggingFaceImportTests(GgufFiles files, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    private string Folder(string name, string dtype = "F32", int shards = 1)
    {
        string folder = _dir.File(name);
        HfFolders.Write(files.Stories, folder, dtype, shards);
        return folder;
    }

    [SharedDataFact]
    public void F32_folder_imports_to_the_llama2c_tensors_with_q_and_k_unpermuted()
    {
        SourceModel hf = ModelImport.Read(Folder("f32"), null);
        Assert.Equal("hf-safetensors-F32", hf.SourceFormat);
        Assert.Equal(Llama2cCheckpoint.Describe(files.Stories.Config), Llama2cCheckpoint.Describe(hf.Config));
        foreach (var (a, b) in files.Stories.Tensors.Zip(hf.Tensors))
        {
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.Data, b.Data);
        }
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Converted_folder_encodes_the_golden_prompt_and_generates_the_golden_tokens(int index)
    {
        GoldenCase g = Golden.Cases[index];
        string etb = _dir.File($"hf-{index}.etb");
        CliResult r = CliRunner.Run("convert", Folder("f32"), "-o", etb);
        Assert.True(r.ExitCode == 0, r.ToString());
        EtbModel m = GgufFiles.Load(etb);
        var prompt = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(g.Prompt))];
        int n = m.Tokenizer.Encode(g.Prompt, true, false, prompt);
        Assert.Equal(g.Tokens[..g.PromptTokens], prompt[..n]);
        Assert.Equal(g.Generated, GgufAgreementTests.OurGreedy(m, g.Tokens[..g.PromptTokens], g.Generated.Length));
    }

    [SharedDataFact]
    public void Tokenizer_json_encodes_every_agreement_text_as_the_llama2c_tokenizer_does()
    {
        var fromHf = new Tokenizer(Converter.Etb.TokenizerSection.Encode(ModelImport.Read(Folder("f32"), null).Tokenizer));
        var fromBin = new Tokenizer(Converter.Etb.TokenizerSection.Encode(files.Stories.Tokenizer));
        foreach (string text in TokenizerAgreementTests.Texts)
        {
            var a = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
            var b = new int[a.Length];
            Assert.Equal(a[..fromBin.Encode(text, true, false, a)], b[..fromHf.Encode(text, true, false, b)]);
        }
    }

    [SharedDataTheory]
    [InlineData("F16", 3)]
    [InlineData("BF16", 1)]
    public void Half_precision_folders_agree_with_llama_cpp_on_the_same_numbers(string dtype, int shards)
    {
        SourceModel hf = ModelImport.Read(Folder(dtype, dtype, shards), null);
        foreach (var (a, b) in files.Stories.Tensors.Zip(hf.Tensors))
            for (int i = 0; i < a.Data.Length; i++)
                Assert.Equal(dtype == "F16" ? (float)(Half)a.Data[i] : BitConverter.Int32BitsToSingle(HfFolders.Bf16(a.Data[i]) << 16), b.Data[i]);
        string etb = _dir.File($"{dtype}.etb"), gguf = _dir.File($"{dtype}.gguf");
        ModelConverter.Convert(hf, new ConvertOptions { Policy = "none", Bits = 32 }, etb);
        GgufExport.Write(hf, gguf, $"stories260K-{dtype}");
        using var llama = new LlamaCppModel(gguf);
        EtbModel m = GgufFiles.Load(etb);
        foreach (GoldenCase g in Golden.Cases)
        {
            int[] tokens = g.Tokens[..Math.Min(g.Tokens.Length, 48)];
            var a = LogitAgreement.Of(llama.Logits(tokens), GgufFiles.OurLogits(m, tokens));
            Assert.True(a.MaxRelative <= 1e-4, $"{dtype} {g}: relative logit difference {a.MaxRelative:E2}");
            int[] prompt = g.Tokens[..g.PromptTokens];
            Assert.Equal(llama.Greedy(prompt, 32), GgufAgreementTests.OurGreedy(m, prompt, 32));
        }
        output.WriteLine($"{dtype} ({shards} shard(s)): logits within 1e-4 relative of llama.cpp and 32 greedy tokens equal for {Golden.Cases.Count} prompts");
    }

    [SharedDataFact]
    public void Folder_of_weights_decoded_by_ggml_from_a_llama_cpp_q8_file_imports_to_what_our_gguf_reader_decodes()
    {
        string q8 = files.File("stories", LLamaFtype.MOSTLY_Q8_0);
        GgufFile gguf = GgufFile.Read(q8);
        SourceModel ours = ModelImport.Read(q8, null);
        // Every tensor decoded by ggml itself (dequantize_row_q8_0 / the F32 bytes as stored), written as safetensors.
        var tensors = ours.Tensors.Select(t =>
        {
            GgufTensorInfo info = gguf.Tensors.Single(i => i.Name == GgufModel.GgufName(t.Name));
            float[] data = GgmlDecode(info.Type, gguf.RawBytes(info), t.Data.Length);
            float[] hfData = t.Name.EndsWith(".wq") ? HfModelPermute(data, ours.Config.Heads, t) : t.Name.EndsWith(".wk") ? HfModelPermute(data, ours.Config.KvHeads, t) : data;
            return (Converter.Import.HuggingFace.HfModel.HfName(t.Name), t.IsNorm ? new long[] { t.Cols } : [t.Rows, t.Cols], hfData);
        }).ToList();
        string folder = Folder("from-ggml");
        File.Delete(Path.Combine(folder, "model.safetensors"));
        HfFolders.WriteSafetensors(Path.Combine(folder, "model.safetensors"), tensors, "F32");
        SourceModel hf = ModelImport.Read(folder, null);
        foreach (var (a, b) in ours.Tensors.Zip(hf.Tensors)) Assert.Equal(a.Data, b.Data);
    }

    [SharedDataFact]
    public void Bad_folders_are_named()
    {
        string folder = Folder("bad");
        File.Move(Path.Combine(folder, "tokenizer.json"), Path.Combine(folder, "tokenizer.json.bak"));
        Assert.Contains("tokenizer not found", Error(folder, Path.Combine(folder, "tokenizer.json")));
        File.Move(Path.Combine(folder, "tokenizer.json.bak"), Path.Combine(folder, "tokenizer.json"));

        string tok = File.ReadAllText(Path.Combine(folder, "tokenizer.json"));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tok.Replace("\"pre_tokenizer\":null", "\"pre_tokenizer\":{\"type\":\"ByteLevel\"}"));
        Assert.Contains("byte-level BPE", Error(folder, Path.Combine(folder, "tokenizer.json")));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tok);

        string configPath = Path.Combine(folder, "config.json");
        string config = File.ReadAllText(configPath);
        File.WriteAllText(configPath, config.Replace("LlamaForCausalLM", "Qwen2ForCausalLM"));
        Assert.Contains("architecture 'Qwen2ForCausalLM' is not supported", Error(folder, configPath));
        File.WriteAllText(configPath, config.Replace("\"intermediate_size\":172", "\"intermediate_size\":176"));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight has shape [172, 64]", Error(folder, Path.Combine(folder, "model.safetensors")));
        File.WriteAllText(configPath, config);

        string st = Path.Combine(folder, "model.safetensors");
        byte[] b = File.ReadAllBytes(st);
        File.WriteAllBytes(st, b[..^64]);
        Assert.Contains("truncated", Error(folder, st));

        string etb = _dir.File("bad.etb");
        CliResult r = CliRunner.Run("convert", folder, "-o", etb);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(st, Assert.Single(r.ErrorLines));
        Assert.False(File.Exists(etb));
    }

    private static string Error(string folder, string subject)
    {
        var e = Assert.Throws<InputException>(() => ModelImport.Read(folder, null));
        Assert.Equal(subject, e.Subject);
        return e.Message;
    }

    private static float[] HfModelPermute(float[] data, int heads, SourceTensor t) => Converter.Import.HuggingFace.HfModel.Permute(data, heads, t.Rows, t.Cols);

    private static unsafe float[] GgmlDecode(GgmlType type, ReadOnlySpan<byte> raw, int n)
    {
        var y = new float[n];
        fixed (byte* x = raw) fixed (float* py = y)
        {
            if (type == GgmlType.Q8_0) GgmlNative.dequantize_row_q8_0(x, py, n);
            else if (type == GgmlType.F32) new ReadOnlySpan<float>(x, n).CopyTo(y);
            else throw new InvalidOperationException($"{type} not expected in the Q8_0 file");
        }
        return y;
    }

    public void Dispose() => _dir.Dispose();
}
