using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// BOS and EOS ids other than llama2.c's 1 and 2 travel from the GGUF metadata (and config.json) into the .etb's tokenizer
/// section (version 2) and are where the runtime starts and stops: stories260K with its EOS moved onto a token the golden
/// generation emits stops right there, and llama.cpp reads the same ids from the same file.
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class SpecialTokenTests(GgufFiles files) : IDisposable
{
    private readonly TempDir _dir = new();

    [SharedDataFact]
    public void An_eos_moved_by_the_metadata_stops_generation_there_as_llama_cpp_reads_it()
    {
        GoldenCase g = Golden.Cases[0];
        int stopAt = 6, eos = g.Generated[stopAt];
        Assert.DoesNotContain(eos, g.Generated[..stopAt]);
        SourceModel source = files.Stories with { Tokenizer = files.Stories.Tokenizer with { Eos = eos } };
        string gguf = _dir.File("eos-moved.gguf");
        GgufExport.Write(source, gguf, "eos-moved");
        using (var llama = new LlamaCppModel(gguf)) Assert.Equal((1, eos), llama.Special);

        string etb = _dir.File("eos-moved.etb");
        ModelConverter.Convert(ModelImport.Read(gguf, null), new ConvertOptions { Policy = "none", Bits = 32 }, etb);
        EtbModel m = GgufFiles.Load(etb);
        Assert.Equal((1, eos), (m.Tokenizer.Bos, m.Tokenizer.Eos));
        var k = new PortableKernels();
        var gen = new Generator(m.CreateTransformer(k, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, k));
        int[] prompt = g.Tokens[..g.PromptTokens];
        gen.Start(prompt, prompt.Length, g.Generated.Length);
        var ours = new List<int>();
        for (int t = gen.Next(); t >= 0; t = gen.Next()) ours.Add(t);
        Assert.Equal(g.Generated[..stopAt], ours);
    }

    [SharedDataFact]
    public void A_moved_bos_starts_every_encoded_prompt_as_in_llama_cpp()
    {
        int bos = 5;
        SourceModel source = files.Stories with { Tokenizer = files.Stories.Tokenizer with { Bos = bos } };
        string gguf = _dir.File("bos-moved.gguf");
        GgufExport.Write(source, gguf, "bos-moved");
        string etb = _dir.File("bos-moved.etb");
        ModelConverter.Convert(ModelImport.Read(gguf, null), new ConvertOptions { Policy = "none", Bits = 32 }, etb);
        EtbModel m = GgufFiles.Load(etb);
        using var llama = new LlamaCppModel(gguf);
        foreach (string text in new[] { "Once upon a time", "Lily and Tom went to the park." })
        {
            var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
            int[] ours = buffer[..m.Tokenizer.Encode(text, true, false, buffer)];
            Assert.Equal(bos, ours[0]);
            Assert.Equal(llama.Tokenize(text, bos: true), ours);
        }
    }

    [SharedDataFact]
    public void Sections_of_both_versions_read_and_llama2c_vocabularies_stay_version_1()
    {
        SourceTokenizer t = files.Stories.Tokenizer;
        byte[] v1 = Converter.Etb.TokenizerSection.Encode(t);
        byte[] v2 = Converter.Etb.TokenizerSection.Encode(t with { Eos = 7 });
        Assert.NotEqual(-1, BitConverter.ToInt32(v1, 0));
        Assert.Equal(-1, BitConverter.ToInt32(v2, 0));
        Tokenizer a = new(v1), b = new(v2);
        Assert.Equal((1, 2), (a.Bos, a.Eos));
        Assert.Equal((1, 7), (b.Bos, b.Eos));
        var x = new int[64];
        var y = new int[64];
        Assert.Equal(x[..a.Encode("Once upon a time", true, true, x)][..^1], y[..b.Encode("Once upon a time", true, true, y)][..^1]);
        Assert.Equal(7, y[b.Encode("Once upon a time", true, true, y) - 1]);
    }

    public void Dispose() => _dir.Dispose();
}
