using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Tests.Model;

/// <summary>The lossless (fp32) conversion must behave exactly like the reference C implementation (llama2.c run.c).</summary>
[Collection(Stories260KCollection.Name)]
public sealed class GoldenForwardTests(ConvertedModels models)
{
    public const float LogitTolerance = 1e-4f;

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Fp32_prompt_encodes_to_the_golden_prompt_tokens(int index)
    {
        GoldenCase g = Golden.Cases[index];
        EtbModel m = ConvertedModels.Load(models.F32Path);
        var tokens = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(g.Prompt))];
        int n = m.Tokenizer.Encode(g.Prompt, true, false, tokens);
        Assert.Equal(g.Tokens[..g.PromptTokens], tokens[..n]);
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Fp32_greedy_generation_reproduces_every_golden_token(int index)
    {
        GoldenCase g = Golden.Cases[index];
        EtbModel m = ConvertedModels.Load(models.F32Path);
        var kernels = new PortableKernels();
        var generator = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, kernels));
        generator.Start(g.Tokens, g.PromptTokens, g.Generated.Length);
        var produced = new List<int>();
        for (int t = generator.Next(); t >= 0; t = generator.Next()) produced.Add(t);
        Assert.Equal(g.Generated, produced);
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Fp32_logits_match_the_reference_within_1e4_at_every_position(int index)
    {
        GoldenCase g = Golden.Cases[index];
        EtbModel m = ConvertedModels.Load(models.F32Path);
        Transformer t = m.CreateTransformer(new PortableKernels(), m.Config.SeqLen);
        float worst = 0f;
        for (int p = 0; p < g.Logits.Length; p++)
        {
            float[] logits = t.Forward(g.Tokens[p], p);
            for (int v = 0; v < m.Config.VocabSize; v++) worst = Math.Max(worst, Math.Abs(logits[v] - g.Logits[p][v]));
        }
        Assert.True(worst <= LogitTolerance, $"largest logit difference {worst} at prompt {g} exceeds {LogitTolerance}");
    }

    [SharedDataFact]
    public void Decoded_golden_tokens_give_the_golden_text()
    {
        EtbModel m = ConvertedModels.Load(models.F32Path);
        foreach (GoldenCase g in Golden.Cases)
        {
            var bytes = new List<byte>();
            var piece = new byte[m.Tokenizer.MaxTokenLength + 1];
            for (int i = 1; i < g.Tokens.Length; i++)
            {
                int n = m.Tokenizer.Decode(g.Tokens[i - 1], g.Tokens[i], piece, 0);
                bytes.AddRange(piece[..n]);
            }
            Assert.Equal(g.Text, System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
        }
    }
}
