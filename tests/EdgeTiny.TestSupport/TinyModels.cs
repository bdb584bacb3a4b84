using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.TestSupport;

/// <summary>Small random Llama models written to a real in-memory .etb, for tests that need a model but not a trained one.</summary>
public static class TinyModels
{
    public static ModelConfig Config(int layers = 3) => new()
    {
        Dim = 8, HiddenDim = 12, Layers = layers, Heads = 2, KvHeads = 1, VocabSize = 16, SeqLen = 16, SharedClassifier = true,
    };

    /// <summary>Group size of the quantized tensors <see cref="Open"/> writes.</summary>
    public const int GroupSize = 4;

    /// <summary>
    /// A shape with real heads (head size dim / heads ≥ 4, so RoPE rotates more than one pair): MHA when
    /// <paramref name="kvHeads"/> = <paramref name="heads"/>, GQA below it (1 = multi-query).
    /// </summary>
    public static ModelConfig Shape(int dim = 32, int hidden = 48, int layers = 3, int heads = 4, int kvHeads = 2,
        int activation = ModelConfig.ActivationSwiGlu, bool sharedClassifier = true, int vocab = 24, int seqLen = 32)
    {
        var c = new ModelConfig
        {
            Dim = dim, HiddenDim = hidden, Layers = layers, Heads = heads, KvHeads = kvHeads, VocabSize = vocab, SeqLen = seqLen,
            SharedClassifier = sharedClassifier, FfnActivation = activation,
        };
        c.Validate();
        return c;
    }

    public static SourceModel Source(ModelConfig c, int seed)
    {
        var rng = new Random(seed);
        float[] R(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
        var tensors = new List<SourceTensor> { new(TensorNames.TokenEmbedding, c.VocabSize, c.Dim, R(c.VocabSize * c.Dim, 1f)) };
        for (int l = 0; l < c.Layers; l++)
        {
            tensors.Add(new(TensorNames.Layer(l, TensorNames.RmsAtt), 1, c.Dim, R(c.Dim, 0.3f).Select(v => v + 1f).ToArray()));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.Wq), c.Dim, c.Dim, R(c.Dim * c.Dim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.Wk), c.KvDim, c.Dim, R(c.KvDim * c.Dim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.Wv), c.KvDim, c.Dim, R(c.KvDim * c.Dim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.Wo), c.Dim, c.Dim, R(c.Dim * c.Dim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.RmsFfn), 1, c.Dim, R(c.Dim, 0.3f).Select(v => v + 1f).ToArray()));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.W1), c.HiddenDim, c.Dim, R(c.HiddenDim * c.Dim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.W2), c.Dim, c.HiddenDim, R(c.Dim * c.HiddenDim, 0.5f)));
            tensors.Add(new(TensorNames.Layer(l, TensorNames.W3), c.HiddenDim, c.Dim, R(c.HiddenDim * c.Dim, 0.5f)));
        }
        tensors.Add(new(TensorNames.RmsFinal, 1, c.Dim, R(c.Dim, 0.3f).Select(v => v + 1f).ToArray()));
        if (!c.SharedClassifier) tensors.Add(new(TensorNames.Classifier, c.VocabSize, c.Dim, R(c.VocabSize * c.Dim, 1f)));
        byte[][] pieces = [.. Enumerable.Range(0, c.VocabSize).Select(i => i < 3 ? new[] { (byte)('<'), (byte)('a' + i), (byte)'>' } : new[] { (byte)('a' + i) })];
        return new SourceModel(c, tensors, new SourceTokenizer(pieces, new float[c.VocabSize], 3), "tiny.bin", "");
    }

    /// <summary>The model as an .etb in memory (f32, or group-quantized with <paramref name="bits"/> &lt; 32), opened by the runtime.</summary>
    public static EtbModel Open(SourceModel m, RuntimeOptions options, int bits = 32)
    {
        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, m.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(m.Tokenizer));
        foreach (SourceTensor t in m.Tensors)
            writer.AddTensor(t.Name, bits < 32 && !t.IsNorm ? GroupQuantizer.Encode(t.Data, t.Rows, t.Cols, GroupSize, bits) : EncodedTensor.F32(t.Data, t.Rows, t.Cols));
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;
        return EtbModel.Open(new StreamBlockSource(stream, ownsStream: true), options);
    }

    /// <summary>
    /// The same model with every matrix replaced by what <see cref="Open"/> with <paramref name="bits"/> stores, decoded
    /// back to floats (norms stay float): the float model a quantized file computes, for a float reference.
    /// </summary>
    public static SourceModel Dequantized(SourceModel m, int bits) => m with
    {
        Tensors = [.. m.Tensors.Select(t => t.IsNorm ? t : t with { Data = GroupQuantizer.Encode(t.Data, t.Rows, t.Cols, GroupSize, bits).Decode() })],
    };

    /// <summary>
    /// Writes the model as a llama2.c checkpoint in <paramref name="dir"/> and returns it with that file as its source,
    /// as the converter's <c>ModelConverter.Convert</c> expects (it reports the source file's size).
    /// </summary>
    public static SourceModel AsCheckpoint(SourceModel m, TempDir dir, string name = "tiny.bin")
    {
        string path = dir.File(name);
        Llama2cCheckpoint.Write(m, path);
        return m with { SourcePath = path };
    }
}
