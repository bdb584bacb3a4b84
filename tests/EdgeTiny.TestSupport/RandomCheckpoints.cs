using System.Text;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Training.Corpus;

namespace EdgeTiny.TestSupport;

/// <summary>
/// Random-weight llama2.c checkpoints of real models' shapes, generated when a benchmark or test needs one (never
/// committed). Random weights cost the converter the same work as trained ones: every matrix is encoded and every
/// forward pass multiplies the same shapes.
/// </summary>
public static class RandomCheckpoints
{
    /// <summary>A model shape by name: stories15M, stories42M, smollm2-135m (SmolLM2-135M's shape), or tiny.</summary>
    public static ModelConfig Shape(string name)
    {
        ModelConfig c = name switch
        {
            // llama2.c's TinyStories models (their README's table) and SmolLM2-135M's config (tied embeddings).
            "stories15M" => new ModelConfig { Dim = 288, HiddenDim = 768, Layers = 6, Heads = 6, KvHeads = 6, VocabSize = 32000, SeqLen = 256 },
            "stories42M" => new ModelConfig { Dim = 512, HiddenDim = 1376, Layers = 8, Heads = 8, KvHeads = 8, VocabSize = 32000, SeqLen = 1024 },
            "smollm2-135m" => new ModelConfig { Dim = 576, HiddenDim = 1536, Layers = 30, Heads = 9, KvHeads = 3, VocabSize = 49152, SeqLen = 512 },
            // Small enough for a test: every sweep path in well under a second.
            "tiny" => new ModelConfig { Dim = 32, HiddenDim = 64, Layers = 2, Heads = 4, KvHeads = 2, VocabSize = 320, SeqLen = 64 },
            _ => throw new ArgumentException($"unknown shape '{name}' (stories15M, stories42M, smollm2-135m, tiny)", nameof(name)),
        };
        c.SharedClassifier = true;
        c.Validate();
        return c;
    }

    /// <summary>
    /// Writes <c>{name}.bin</c> and <c>{name}.tok.bin</c> into <paramref name="dir"/>: weights uniform in ±√3/√cols
    /// (unit-variance outputs), norms 1, and a tokenizer in llama2.c's layout (see <see cref="Tokenizer"/>).
    /// Returns the checkpoint and tokenizer paths.
    /// </summary>
    public static (string Checkpoint, string Tokenizer) Write(string name, string dir, int seed = 1)
    {
        ModelConfig c = Shape(name);
        var rng = new Random(seed);
        SourceTensor Matrix(string tensor, int rows, int cols)
        {
            var data = new float[rows * cols];
            float scale = MathF.Sqrt(3f / cols);
            for (int i = 0; i < data.Length; i++) data[i] = (rng.NextSingle() * 2 - 1) * scale;
            return new SourceTensor(tensor, rows, cols, data);
        }
        SourceTensor Norm(string tensor) => new(tensor, 1, c.Dim, Enumerable.Repeat(1f, c.Dim).ToArray());
        var tensors = new List<SourceTensor> { Matrix(TensorNames.TokenEmbedding, c.VocabSize, c.Dim) };
        for (int l = 0; l < c.Layers; l++)
        {
            string L(string n) => TensorNames.Layer(l, n);
            tensors.AddRange([
                Norm(L(TensorNames.RmsAtt)), Matrix(L(TensorNames.Wq), c.Dim, c.Dim), Matrix(L(TensorNames.Wk), c.KvDim, c.Dim),
                Matrix(L(TensorNames.Wv), c.KvDim, c.Dim), Matrix(L(TensorNames.Wo), c.Dim, c.Dim), Norm(L(TensorNames.RmsFfn)),
                Matrix(L(TensorNames.W1), c.HiddenDim, c.Dim), Matrix(L(TensorNames.W2), c.Dim, c.HiddenDim), Matrix(L(TensorNames.W3), c.HiddenDim, c.Dim),
            ]);
        }
        tensors.Add(Norm(TensorNames.RmsFinal));
        Directory.CreateDirectory(dir);
        string checkpoint = Path.Combine(dir, name + ".bin"), tokenizer = Path.Combine(dir, name + ".tok.bin");
        SourceTokenizer tok = Tokenizer(c.VocabSize);
        Llama2cCheckpoint.Write(new SourceModel(c, tensors, tok, checkpoint, ""), checkpoint);
        BpeTrainer.WriteLlama2c(tok, tokenizer);
        return (checkpoint, tokenizer);
    }

    /// <summary>
    /// <paramref name="vocab"/> tokens in llama2.c's layout: 0 &lt;unk&gt;, 1 BOS, 2 EOS, 3..258 the byte tokens, then every
    /// string over " abcdefghijklmnopqrstuvwxyz" of length 1, 2, 3, … in order, each scored minus its rank, so that
    /// merging adjacent pieces always finds the longer piece while the vocabulary lasts.
    /// </summary>
    public static SourceTokenizer Tokenizer(int vocab)
    {
        const string alphabet = " abcdefghijklmnopqrstuvwxyz";
        var pieces = new List<byte[]> { "<unk>"u8.ToArray(), "\n<s>\n"u8.ToArray(), "\n</s>\n"u8.ToArray() };
        for (int b = 0; b < 256; b++) pieces.Add(Encoding.ASCII.GetBytes($"<0x{b:X2}>"));
        for (int length = 1; pieces.Count < vocab; length++)
        {
            var digits = new int[length];
            for (bool more = true; more && pieces.Count < vocab;)
            {
                pieces.Add([.. digits.Select(d => (byte)alphabet[d])]);
                int at = length - 1;
                while (at >= 0 && ++digits[at] == alphabet.Length) digits[at--] = 0;
                more = at >= 0;
            }
        }
        float[] scores = [.. Enumerable.Range(0, vocab).Select(i => i < 259 ? 0f : -(i - 259))];
        return new SourceTokenizer([.. pieces.Take(vocab)], scores, pieces.Take(vocab).Max(p => p.Length));
    }
}
