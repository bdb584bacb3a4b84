using System.Text;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Diagnostics;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Converter.Etb;

/// <summary>
/// The self-check section every converted file carries (format in <see cref="SelfCheck"/>): three short fixed texts
/// encoded by the model's own tokenizer (BOS first), 8 greedy tokens each and the top 4 logits at each of them,
/// computed with <see cref="PortableKernels"/> by the runtime on the file exactly as written.
/// </summary>
public static class SelfCheckSection
{
    public static readonly string[] Texts = ["Once upon a time", "One day, Mia", "There was a little dog"];
    public const int NewTokens = 8;
    public const int TopK = 4;
    private const int MaxPromptTokens = 16;

    /// <summary>
    /// The prompts: each text through the model's tokenizer, BOS first, at most 16 tokens and leaving room for the new
    /// tokens in the context. A tokenizer that cannot encode a text within the vocabulary (tiny test vocabularies) gets
    /// a fixed, deterministic token sequence instead.
    /// </summary>
    public static int[][] Prompts(SourceModel model)
    {
        var tokenizer = new Tokenizer(TokenizerSection.Encode(model.Tokenizer));
        int vocab = model.Config.VocabSize;
        int room = Math.Max(1, Math.Min(MaxPromptTokens, model.Config.SeqLen - NewTokens));
        var prompts = new int[Texts.Length][];
        for (int p = 0; p < Texts.Length; p++)
        {
            int[] tokens;
            try
            {
                int[] buffer = new int[Tokenizer.MaxTokens(Encoding.UTF8.GetByteCount(Texts[p]))];
                int n = tokenizer.Encode(Texts[p], true, false, buffer);
                tokens = buffer[..n];
            }
            catch (Exception e) when (e is ModelFormatException or ArgumentException or InvalidOperationException) // a vocabulary without byte fallback
            {
                tokens = [];
            }
            if (tokens.Length < 2 || tokens.Any(t => t < 0 || t >= vocab))
                tokens = [tokenizer.Bos, .. Enumerable.Range(0, 4).Select(j => 3 + (p * 7 + j * 13) % Math.Max(1, vocab - 3)).Select(t => t < vocab ? t : tokenizer.Bos)];
            prompts[p] = tokens.Length > room ? tokens[..room] : tokens;
        }
        return prompts;
    }

    /// <summary>Bytes of the section for this model (for budgets: known before any weight is encoded).</summary>
    public static int Bytes(SourceModel model) =>
        SelfCheck.SizeOf(Prompts(model).Select(p => p.Length).ToArray(), Generated(model), TopK);

    private static int Generated(SourceModel model) => Math.Max(1, Math.Min(NewTokens, model.Config.SeqLen - 1));

    /// <summary>
    /// Computes the section for the model <paramref name="writer"/> holds: reads the file in place, opens it with the
    /// runtime (no budget: everything resident, float KV cache) and runs <see cref="SelfTest.Compute"/> with portable kernels.
    /// </summary>
    public static byte[] Compute(EtbWriter writer, SourceModel model)
    {
        using var source = writer.AsBlockSource(); // the file as it will be written, read in place (no image of it)
        EtbModel etb = EtbModel.Load(source);
        return SelfTest.Compute(etb, new PortableKernels(), Prompts(model), Generated(model), TopK).ToBytes();
    }

    /// <summary>Runs the self-test on a written file with portable kernels; throws unless every check passes.</summary>
    public static void Verify(string path)
    {
        using var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true);
        var test = new SelfTest(EtbModel.Load(source), new PortableKernels());
        var lines = new Lines();
        if (!test.HasChecks || test.Run(lines) != 0)
            throw new InvalidOperationException($"self-check of the written file failed: {string.Join(" | ", lines.All)}");
    }

    private sealed class Lines : ISelfTestOutput
    {
        public readonly List<string> All = [];
        public void WriteLine(string line) => All.Add(line);
    }
}
