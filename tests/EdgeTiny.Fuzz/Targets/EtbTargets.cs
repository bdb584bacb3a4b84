using System.Buffers.Binary;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Diagnostics;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Fuzz.Targets;

/// <summary>
/// The .etb readers: header, directory, every section through <see cref="EtbModel.Open"/> (config, tokenizer, manifest,
/// every codec's tensors, FFN permutations and thresholds), the self-check section, then one forward pass and a
/// tokenizer round trip on whatever loaded. "etb" takes the bytes as they are; "etb-crc" first recomputes the header,
/// directory and section CRCs, so mutations get past the checksums into the semantic checks behind them.
/// </summary>
public static class EtbTargets
{
    public static bool Refusal(Exception e) => e is ModelFormatException or MemoryBudgetException;

    public static void Load(byte[] data)
    {
        using var source = new StreamBlockSource(new MemoryStream(data, writable: false), ownsStream: true);
        var reader = new EtbReader(source);
        reader.VerifyAll(new byte[4096]);
        EtbModel model = EtbModel.Open(source, new RuntimeOptions());
        if (model.Reader.Find(TensorNames.SelfCheck) != null) SelfTest.Read(model);
        Transformer t = model.CreateTransformer(new PortableKernels(), Math.Min(4, model.Config.SeqLen));
        float[] logits = t.Forward(1 % model.Config.VocabSize, 0);
        if (model.Config.VocabSize <= 258) return; // no byte fallback: only vocabularies with one can encode any text
        int[] tokens = new int[Runtime.Text.Tokenizer.MaxTokens(16) + 2];
        int n = model.Tokenizer.Encode("Once upon a time", true, false, tokens);
        byte[] text = new byte[model.Tokenizer.MaxTokenLength + 8];
        for (int i = 1; i < n; i++) model.Tokenizer.Decode(tokens[i - 1], tokens[i], text, 0);
        GC.KeepAlive(logits);
    }

    public static void LoadWithFixedCrcs(byte[] data)
    {
        FixCrcs(data);
        Load(data);
    }

    /// <summary>Recomputes every CRC the file has, where the fields it needs are in range (the rest stay as they are).</summary>
    public static void FixCrcs(byte[] b)
    {
        if (b.Length < EtbLayout.HeaderBytes) return;
        int count = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(12));
        long dir = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16));
        if (count >= 0 && count <= EtbLayout.MaxSections && dir >= EtbLayout.HeaderBytes && dir + (long)count * 64 <= b.Length)
        {
            for (int i = 0; i < count; i++)
            {
                int at = (int)dir + i * 64;
                long offset = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at + 48));
                long length = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at + 56));
                if (offset >= 0 && length >= 0 && offset <= b.Length && length <= b.Length - offset)
                    BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 44), Crc32.Compute(b, (int)offset, (int)length));
            }
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), Crc32.Compute(b, (int)dir, count * 64));
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(60), Crc32.Compute(b, 0, 60));
    }

    /// <summary>The tokenizer section reader alone (the runtime's: the same bytes a board reads).</summary>
    public static void TokenizerSection(byte[] section)
    {
        var tok = new Tokenizer(section);
        int[] tokens = new int[Runtime.Text.Tokenizer.MaxTokens(32) + 2];
        int n = tok.Encode("Once upon a time, a tiny robot ß", true, true, tokens);
        byte[] text = new byte[tok.MaxTokenLength + 8];
        for (int i = 1; i < n; i++) tok.Decode(tokens[i - 1], tokens[i], text, 0);
    }
}
