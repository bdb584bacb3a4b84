using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Converter.Analysis;

/// <summary>Token sequences to calibrate or evaluate on, and where they came from (for the manifest and reports).</summary>
public sealed record TokenSequences(int[][] Sequences, string Source, ulong Seed)
{
    public int Tokens => Sequences.Sum(s => s.Length);

    /// <summary>
    /// Data-free: stories sampled from the source model itself (temperature 1, plain sampling, fixed seed), each
    /// sequence <paramref name="length"/> tokens from BOS; a story that ends early is followed by a new one after BOS,
    /// as in the pretokenized training stream.
    /// </summary>
    public static TokenSequences SampleFromModel(SourceModel source, int count, int length, ulong seed) =>
        Sample(ReferenceRuntime.Open(source), count, length, seed);

    /// <summary>As <see cref="SampleFromModel"/>, from a model the runtime has opened (no budget needed).</summary>
    public static TokenSequences Sample(EtbModel m, int count, int length, ulong seed)
    {
        var kernels = new PortableKernels();
        int context = Math.Min(length, m.Config.SeqLen);
        var generator = new Generator(m.CreateTransformer(kernels, context), m.CreateSampler(1f, 1f, seed, kernels));
        var sequences = new int[count][];
        int[] bos = [m.Tokenizer.Bos];
        for (int s = 0; s < count; s++)
        {
            var seq = new List<int>(context) { m.Tokenizer.Bos };
            while (seq.Count < context)
            {
                generator.Start(bos, 1, context - seq.Count);
                for (int t = generator.Next(); t >= 0 && seq.Count < context; t = generator.Next()) seq.Add(t);
                if (seq.Count < context) seq.Add(m.Tokenizer.Bos);
            }
            sequences[s] = [.. seq];
        }
        return new TokenSequences(sequences, "model-samples", seed);
    }

    /// <summary>Text from a file, encoded and cut into sequences of <paramref name="length"/> tokens (each starting with BOS).</summary>
    public static TokenSequences FromText(string path, SourceModel source, int maxCount, int length, string flag) =>
        FromText(path, new Tokenizer(Etb.TokenizerSection.Encode(source.Tokenizer)), source.Config.SeqLen, maxCount, length, flag);

    /// <summary>As above, with a runtime tokenizer (e.g. the one inside an .etb).</summary>
    public static TokenSequences FromText(string path, Tokenizer tokenizer, int seqLen, int maxCount, int length, string flag)
    {
        if (!File.Exists(path)) throw new InputException(path, $"{flag} text file not found");
        string text = File.ReadAllText(path);
        var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
        int n = tokenizer.Encode(text, true, false, buffer);
        if (n < 2) throw new InputException(path, $"{flag} text is empty");
        int body = Math.Min(length, seqLen) - 1;
        var sequences = new List<int[]>();
        for (int at = 1; at < n && sequences.Count < maxCount; at += body)
            sequences.Add([tokenizer.Bos, .. buffer.AsSpan(at, Math.Min(body, n - at)).ToArray()]);
        return new TokenSequences([.. sequences], "text:" + Path.GetFileName(path), 0);
    }
}
