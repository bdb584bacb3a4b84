using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;
using LLama.Native;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// stories260K exported to GGUF by ggml's writer and quantized by llama.cpp, imported by us: the same tensors, the
/// golden tokens of the reference C implementation, and llama.cpp's own logits and greedy tokens on the same file.
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class GgufAgreementTests(GgufFiles files, ITestOutputHelper output)
{
    [SharedDataFact]
    public void Ggml_written_f32_file_imports_to_the_llama2c_tensors_and_tokenizer_exactly()
    {
        SourceModel gguf = ModelImport.Read(files.File("stories"), null);
        SourceModel bin = files.Stories;
        Assert.Equal(Llama2cCheckpoint.Describe(bin.Config), Llama2cCheckpoint.Describe(gguf.Config));
        Assert.Equal(bin.Config.NormEps, gguf.Config.NormEps);
        Assert.Equal(bin.Config.RopeTheta, gguf.Config.RopeTheta);
        Assert.Equal(bin.Tensors.Select(t => t.Name), gguf.Tensors.Select(t => t.Name));
        foreach (var (a, b) in bin.Tensors.Zip(gguf.Tensors)) Assert.Equal(a.Data, b.Data);
        // Pieces 3.. are the same bytes ("▁" back to a space); 0..2 are the special tokens.
        for (int i = 3; i < bin.Tokenizer.Pieces.Length; i++) Assert.Equal(bin.Tokenizer.Pieces[i], gguf.Tokenizer.Pieces[i]);
        Assert.Equal(bin.Tokenizer.Scores, gguf.Tokenizer.Scores);
        Assert.StartsWith("gguf-v3-F32", gguf.SourceFormat);
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void F32_gguf_converts_to_a_model_whose_greedy_tokens_are_the_golden_ones(int index)
    {
        GoldenCase g = Golden.Cases[index];
        EtbModel m = GgufFiles.Load(files.Converted("stories"));
        var prompt = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(g.Prompt))];
        int n = m.Tokenizer.Encode(g.Prompt, true, false, prompt);
        Assert.Equal(g.Tokens[..g.PromptTokens], prompt[..n]);
        Assert.Equal(g.Generated, OurGreedy(m, g.Tokens[..g.PromptTokens], g.Generated.Length));
    }

    [SharedDataFact]
    public void F32_logits_match_llama_cpp_within_1e4_relative_and_greedy_tokens_are_equal()
    {
        string gguf = files.File("stories");
        EtbModel m = GgufFiles.Load(files.Converted("stories"));
        using var llama = new LlamaCppModel(gguf);
        foreach (GoldenCase g in Golden.Cases)
        {
            int[] tokens = g.Tokens[..Math.Min(g.Tokens.Length, 64)];
            var a = LogitAgreement.Of(llama.Logits(tokens), GgufFiles.OurLogits(m, tokens));
            output.WriteLine($"{g}: max abs {a.MaxAbs:E2}, max rel {a.MaxRelative:E2}, mean KL {a.MeanKl:E2}");
            Assert.True(a.MaxRelative <= 1e-4, $"{g}: largest relative logit difference {a.MaxRelative:E2} > 1e-4");
            Assert.Equal(a.Positions, a.Top1Agreements);
            int[] theirs = llama.Greedy(g.Tokens[..g.PromptTokens], 32);
            Assert.Equal(theirs, OurGreedy(m, g.Tokens[..g.PromptTokens], 32));
        }
    }

    public static IEnumerable<object[]> StoriesTypes => GgufFiles.StoriesQuantizations.Select(t => new object[] { t });

    /// <summary>
    /// Quantized files: llama.cpp multiplies quantized weights by activations it quantizes too (q8 blocks), we multiply
    /// the exactly decoded weights in float, so logits differ by that activation rounding only. Tolerances: mean KL
    /// below 1e-3 and top-1 agreement at 95%+ of positions; the measured figures are printed (and in the benchmark JSON).
    /// </summary>
    [SharedDataTheory]
    [MemberData(nameof(StoriesTypes))]
    public void Quantized_by_llama_cpp_our_logits_agree_with_llama_cpp(LLamaFtype type)
    {
        string gguf = files.File("stories", type);
        EtbModel m = GgufFiles.Load(files.Converted("stories", type));
        using var llama = new LlamaCppModel(gguf);
        var all = new List<(float[] Theirs, float[] Ours)>();
        int greedySame = 0, greedyTotal = 0;
        foreach (GoldenCase g in Golden.Cases)
        {
            int[] tokens = g.Tokens[..Math.Min(g.Tokens.Length, 64)];
            all.AddRange(llama.Logits(tokens).Zip(GgufFiles.OurLogits(m, tokens)));
            int[] prompt = g.Tokens[..g.PromptTokens];
            int[] theirs = llama.Greedy(prompt, 32), ours = OurGreedy(m, prompt, 32);
            greedySame += theirs.Zip(ours).TakeWhile(p => p.First == p.Second).Count();
            greedyTotal += theirs.Length;
        }
        var a = LogitAgreement.Of(all.Select(p => p.Theirs).ToList(), all.Select(p => p.Ours).ToList());
        string types = string.Join("+", GgufFile.Read(gguf).Tensors.Select(t => t.Type).Distinct().Order());
        output.WriteLine($"{type} ({types}): max abs {a.MaxAbs:F4}, mean KL {a.MeanKl:E2}, top-1 {a.Top1Agreements}/{a.Positions}, greedy prefix {greedySame}/{greedyTotal}");
        Assert.True(a.MeanKl < 1e-3, $"{type}: mean KL {a.MeanKl:E2}");
        Assert.True(a.Top1Agreements >= 0.95 * a.Positions, $"{type}: top-1 {a.Top1Agreements}/{a.Positions}");
    }

    public static IEnumerable<object[]> GeneratedTypes => GgufFiles.GeneratedQuantizations.Select(t => new object[] { t });

    /// <summary>
    /// A generated model whose rows are multiples of 256, so llama_model_quantize applies every type to every matrix
    /// (Q4_K_M mixes Q4_K and Q6_K; Q5_K_M Q5_K and Q6_K): our decoding of each file against llama.cpp running it.
    /// Random weights make sharper, less forgiving logits than a trained model; same tolerances.
    /// </summary>
    [SharedDataTheory]
    [MemberData(nameof(GeneratedTypes))]
    public void Every_type_quantized_by_llama_cpp_decodes_to_logits_that_agree_with_llama_cpp(LLamaFtype type)
    {
        string gguf = files.File("generated", type);
        EtbModel m = GgufFiles.Load(files.Converted("generated", type));
        using var llama = new LlamaCppModel(gguf, contextSize: 128);
        int[] tokens = Golden.Cases[1].Tokens[..48];
        var a = LogitAgreement.Of(llama.Logits(tokens), GgufFiles.OurLogits(m, tokens));
        string types = string.Join("+", GgufFile.Read(gguf).Tensors.Select(t => t.Type).Distinct().Order());
        output.WriteLine($"{type} ({types}): max abs {a.MaxAbs:F4}, max rel {a.MaxRelative:E2}, mean KL {a.MeanKl:E2}, top-1 {a.Top1Agreements}/{a.Positions}");
        Assert.True(a.MeanKl < 1e-3, $"{type}: mean KL {a.MeanKl:E2}");
        Assert.True(a.Top1Agreements >= 0.95 * a.Positions, $"{type}: top-1 {a.Top1Agreements}/{a.Positions}");
    }

    /// <summary>Our greedy continuation (no early stop, as llama.cpp's loop above).</summary>
    public static int[] OurGreedy(EtbModel m, int[] prompt, int steps)
    {
        Transformer t = m.CreateTransformer(new PortableKernels(), m.Config.SeqLen);
        float[] logits = [];
        for (int p = 0; p < prompt.Length; p++) logits = t.Forward(prompt[p], p);
        var output = new int[steps];
        for (int s = 0; s < steps; s++)
        {
            output[s] = LogitAgreement.ArgMax(logits);
            logits = t.Forward(output[s], prompt.Length + s);
        }
        return output;
    }
}
