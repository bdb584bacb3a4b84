namespace EdgeTiny.TestSupport;

/// <summary>Real and deliberately broken llama2.c checkpoints and tokenizers, written into a temp folder.</summary>
public static class Checkpoints
{
    public static byte[] Stories260KBytes() => File.ReadAllBytes(SharedData.Stories260K);

    /// <summary>stories260K with header field <paramref name="field"/> (0 dim … 6 seq_len) set to <paramref name="value"/>.</summary>
    public static byte[] WithHeaderField(int field, int value)
    {
        byte[] b = Stories260KBytes();
        BitConverter.GetBytes(value).CopyTo(b, field * 4);
        return b;
    }

    /// <summary>
    /// stories260K turned into the unshared-classifier layout: vocab_size negated and a separate classifier appended,
    /// equal to the embedding times <paramref name="scale"/> (so logits scale by it and greedy tokens do not change).
    /// </summary>
    public static byte[] WithSeparateClassifier(float scale)
    {
        byte[] b = Stories260KBytes();
        int dim = BitConverter.ToInt32(b, 0), vocab = BitConverter.ToInt32(b, 20);
        BitConverter.GetBytes(-vocab).CopyTo(b, 20);
        var classifier = new byte[vocab * dim * 4];
        for (int i = 0; i < vocab * dim; i++)
            BitConverter.GetBytes(BitConverter.ToSingle(b, 28 + i * 4) * scale).CopyTo(classifier, i * 4);
        return [.. b, .. classifier];
    }

    /// <summary>The first <paramref name="tokens"/> tokens of tok512.bin (a tokenizer for a different vocabulary).</summary>
    public static byte[] TokenizerPrefix(int tokens)
    {
        byte[] b = File.ReadAllBytes(SharedData.Tok512);
        int at = 4;
        for (int i = 0; i < tokens; i++) at += 8 + BitConverter.ToInt32(b, at + 4);
        return b[..at];
    }

    public static string Write(TempDir dir, string name, byte[] bytes)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
