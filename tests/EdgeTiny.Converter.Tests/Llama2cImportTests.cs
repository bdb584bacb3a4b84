using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Converter.Tests;

/// <summary>The llama2.c importer: the real checkpoint, the unshared-classifier layout, and what it refuses.</summary>
public sealed class Llama2cImportTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [SharedDataFact]
    public void Reads_the_stories260K_header_and_every_tensor()
    {
        SourceModel m = Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512);
        Assert.Equal((64, 172, 5, 8, 4, 512, 512), (m.Config.Dim, m.Config.HiddenDim, m.Config.Layers, m.Config.Heads, m.Config.KvHeads, m.Config.VocabSize, m.Config.SeqLen));
        Assert.True(m.Config.SharedClassifier);
        Assert.Equal(1 + 9 * 5 + 1, m.Tensors.Count);
        Assert.Equal(260032, m.ParameterCount);
        Assert.Equal(512, m.Tokenizer.Pieces.Length);
        Assert.Equal("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", m.SourceSha256);
    }

    [SharedDataFact]
    public void Finds_the_tokenizer_beside_the_checkpoint_when_not_given()
    {
        SourceModel m = Llama2cCheckpoint.Read(SharedData.Stories260K, tokenizerPath: null);
        Assert.Equal(512, m.Tokenizer.Pieces.Length);
    }

    [SharedDataFact]
    public void Unshared_classifier_is_read_from_after_the_rope_tables_and_used()
    {
        // Classifier = 2 × embedding: logits double, so greedy tokens stay golden — but only if the separate
        // classifier (and not the embedding) is what the runtime multiplies with.
        string ckpt = Checkpoints.Write(_dir, "unshared.bin", Checkpoints.WithSeparateClassifier(2f));
        SourceModel source = Llama2cCheckpoint.Read(ckpt, SharedData.Tok512);
        Assert.False(source.Config.SharedClassifier);
        string etb = _dir.File("unshared.etb");
        ModelConverter.Convert(source, new ConvertOptions(), etb);

        EtbModel m = ConvertedModels.Load(etb);
        Assert.NotSame(m.Weights.TokenEmbedding, m.Weights.Classifier);
        GoldenCase g = Golden.Cases[0];
        var t = m.CreateTransformer(new PortableKernels(), m.Config.SeqLen);
        for (int p = 0; p < 10; p++)
        {
            float[] logits = t.Forward(g.Tokens[p], p);
            for (int v = 0; v < 512; v++) Assert.True(Math.Abs(logits[v] - 2 * g.Logits[p][v]) < 2e-4, $"pos {p} token {v}");
        }
        var gen = new Generator(m.CreateTransformer(new PortableKernels(), m.Config.SeqLen), m.CreateSampler(0, 0.9f, 1, new PortableKernels()));
        gen.Start(g.Tokens, g.PromptTokens, g.Generated.Length);
        var produced = new List<int>();
        for (int tok = gen.Next(); tok >= 0; tok = gen.Next()) produced.Add(tok);
        Assert.Equal(g.Generated, produced);
    }

    [SharedDataTheory]
    [InlineData(0, 0, "dim is 0")]
    [InlineData(2, -3, "n_layers is -3")]
    [InlineData(3, 7, "not a multiple of n_heads")]
    public void Impossible_header_fields_are_named(int field, int value, string expected)
    {
        string ckpt = Checkpoints.Write(_dir, "bad.bin", Checkpoints.WithHeaderField(field, value));
        var e = Assert.Throws<InputException>(() => Llama2cCheckpoint.Read(ckpt, SharedData.Tok512));
        Assert.Equal(ckpt, e.Subject);
        Assert.Contains(expected, e.Message);
    }

    [SharedDataFact]
    public void Tokenizer_with_another_vocabulary_is_refused()
    {
        string tok = Checkpoints.Write(_dir, "tok256.bin", Checkpoints.TokenizerPrefix(256));
        var e = Assert.Throws<InputException>(() => Llama2cCheckpoint.Read(SharedData.Stories260K, tok));
        Assert.Equal(tok, e.Subject);
        Assert.Contains("has 256 tokens, but the model's vocabulary is 512", e.Message);
    }
}
