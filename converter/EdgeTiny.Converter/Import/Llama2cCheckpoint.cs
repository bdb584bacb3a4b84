using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeTiny.Converter.IO;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// llama2.c checkpoints, both layouts its export.py writes:
/// <list type="bullet">
/// <item>version 0 ("legacy", what run.c reads): 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
/// seq_len — a negative vocab_size means the classifier is not shared), then fp32 token_embedding, rms_att, wq, wk, wv,
/// wo, rms_ffn, w1, w2, w3, rms_final, the RoPE cos/sin tables (skipped), and the classifier when unshared.</item>
/// <item>version 1: a 256-byte header — magic "ak42" (u32 0x616b3432), int32 version 1, the 7 ints, u8 shared_classifier
/// — then rms_att, rms_ffn, rms_final, token_embedding, wq, wk, wv, wo, w1, w2, w3 and the classifier when unshared.
/// EdgeTiny extension: header byte 37 is the FFN activation (0 = SwiGLU as in Llama, 1 = ReLU-gated); llama2.c writes 0
/// there (padding), so its files read as SwiGLU.</item>
/// </list>
/// The file length must match the header exactly. Our trainer writes version 0 for SwiGLU models (run.c can read them)
/// and version 1 for ReLU models (so the activation travels with the weights).
/// </summary>
public static class Llama2cCheckpoint
{
    public const int HeaderBytes = 7 * 4;
    public const int V1HeaderBytes = 256;
    public const uint V1Magic = 0x616b3432;
    private const int V1ActivationByte = 37;

    public static SourceModel Read(string checkpointPath, string? tokenizerPath)
    {
        if (Directory.Exists(checkpointPath)) throw new InputException(checkpointPath, "is a directory, expected a checkpoint file");
        if (!File.Exists(checkpointPath)) throw new InputException(checkpointPath, "checkpoint file not found");
        using var stream = new FileStream(checkpointPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long length = stream.Length;
        var head = new byte[(int)Math.Min(length, V1HeaderBytes)];
        stream.ReadExactly(head);
        int version = VersionOf(head);
        ModelConfig config = ParseHeader(checkpointPath, head);
        long expected = ExpectedBytes(config, version);
        if (length < expected)
            throw new InputException(checkpointPath, $"truncated: the header ({Describe(config)}) needs {expected} bytes, the file has {length}");
        if (length > expected)
            throw new InputException(checkpointPath, $"size {length} bytes disagrees with the header ({Describe(config)}), which needs exactly {expected} bytes");

        // Each tensor is read from the file straight into its array, hashing as it goes: no copy of the whole file
        // (a 135M-parameter model is 540 MB).
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int at = version == 0 ? HeaderBytes : V1HeaderBytes;
        sha.AppendData(head.AsSpan(0, at));
        stream.Position = at;
        var byName = new Dictionary<string, SourceTensor>();
        foreach (Slot slot in Layout(config, version))
        {
            var data = new float[checked(slot.Rows * slot.Cols)];
            Span<byte> bytes = MemoryMarshal.AsBytes(data.AsSpan());
            stream.ReadExactly(bytes);
            sha.AppendData(bytes);
            if (slot.Name != null) byName[slot.Name] = new SourceTensor(slot.Name, slot.Rows, slot.Cols, data);
        }
        // Tensors are handed on in version 0's order whatever the file's, so converted files are identical.
        List<SourceTensor> tensors = [.. Layout(config, 0).Where(s => s.Name != null).Select(s => byName[s.Name!])];

        foreach (var t in tensors)
            if (t.Data.Any(v => !float.IsFinite(v)))
                throw new InputException(checkpointPath, $"tensor {t.Name} contains NaN or infinity");

        string tokPath = tokenizerPath ?? FindTokenizer(checkpointPath, config.VocabSize);
        SourceTokenizer tokenizer = Llama2cTokenizer.Read(tokPath, config.VocabSize);
        return new SourceModel(config, tensors, tokenizer, checkpointPath, Convert.ToHexStringLower(sha.GetHashAndReset())) { SourceFormat = "llama2c-v" + version };
    }

    /// <summary>
    /// Writes a model as a llama2.c checkpoint (version 0 for SwiGLU, version 1 with the activation byte for ReLU),
    /// atomically. Tensors are looked up by name in <paramref name="model"/>.
    /// </summary>
    public static void Write(SourceModel model, string path)
    {
        ModelConfig c = model.Config;
        int version = c.FfnActivation == ModelConfig.ActivationSwiGlu ? 0 : 1;
        var bytes = new byte[ExpectedBytes(c, version)];
        int vocab = c.SharedClassifier ? c.VocabSize : -c.VocabSize;
        int[] ints = [c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, version == 0 ? vocab : c.VocabSize, c.SeqLen];
        int at = 0;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, V1Magic);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
            at = 8;
        }
        foreach (int v in ints) { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), v); at += 4; }
        if (version == 1)
        {
            bytes[36] = (byte)(c.SharedClassifier ? 1 : 0);
            bytes[V1ActivationByte] = (byte)c.FfnActivation;
            at = V1HeaderBytes;
        }
        foreach (Slot slot in Layout(c, version))
        {
            int count = slot.Rows * slot.Cols;
            Span<byte> dest = bytes.AsSpan(at, count * 4);
            if (slot.Name != null) MemoryMarshal.AsBytes(model.Tensor(slot.Name).Data.AsSpan()).CopyTo(dest);
            else RopeTables(c, MemoryMarshal.Cast<byte, float>(dest));
            at += count * 4;
        }
        AtomicFile.Write(path, stream => stream.Write(bytes), written =>
        {
            byte[] back = File.ReadAllBytes(written);
            if (!back.AsSpan().SequenceEqual(bytes)) throw new IOException($"{path}: the bytes read back differ from those written");
        });
    }

    private readonly record struct Slot(string? Name, int Rows, int Cols);

    /// <summary>The tensors in file order; a null name is the legacy RoPE table of version 0 (seq_len × head_size floats).</summary>
    private static IEnumerable<Slot> Layout(ModelConfig c, int version)
    {
        int L = c.Layers, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        IEnumerable<Slot> PerLayer(string name, int rows, int cols) =>
            Enumerable.Range(0, L).Select(l => new Slot(TensorNames.Layer(l, name), rows, cols));
        var embedding = new Slot(TensorNames.TokenEmbedding, c.VocabSize, dim);
        var final = new Slot(TensorNames.RmsFinal, 1, dim);
        IEnumerable<Slot> slots = version == 0
            ? [embedding, .. PerLayer(TensorNames.RmsAtt, 1, dim), .. PerLayer(TensorNames.Wq, dim, dim), .. PerLayer(TensorNames.Wk, kv, dim),
               .. PerLayer(TensorNames.Wv, kv, dim), .. PerLayer(TensorNames.Wo, dim, dim), .. PerLayer(TensorNames.RmsFfn, 1, dim),
               .. PerLayer(TensorNames.W1, hidden, dim), .. PerLayer(TensorNames.W2, dim, hidden), .. PerLayer(TensorNames.W3, hidden, dim),
               final, new Slot(null, c.SeqLen, c.HeadSize)]
            : [.. PerLayer(TensorNames.RmsAtt, 1, dim), .. PerLayer(TensorNames.RmsFfn, 1, dim), final, embedding,
               .. PerLayer(TensorNames.Wq, dim, dim), .. PerLayer(TensorNames.Wk, kv, dim), .. PerLayer(TensorNames.Wv, kv, dim),
               .. PerLayer(TensorNames.Wo, dim, dim), .. PerLayer(TensorNames.W1, hidden, dim), .. PerLayer(TensorNames.W2, dim, hidden),
               .. PerLayer(TensorNames.W3, hidden, dim)];
        if (!c.SharedClassifier) slots = slots.Append(new Slot(TensorNames.Classifier, c.VocabSize, dim));
        return slots;
    }

    /// <summary>Version 0's cos table then sin table (seq_len × head_size/2 each), as export.py writes them.</summary>
    private static void RopeTables(ModelConfig c, Span<float> dest)
    {
        int half = c.HeadSize / 2;
        for (int p = 0; p < c.SeqLen; p++)
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(c.RopeTheta, 2.0 * i / c.HeadSize);
                dest[p * half + i] = (float)Math.Cos(angle);
                dest[c.SeqLen * half + p * half + i] = (float)Math.Sin(angle);
            }
    }

    private static int VersionOf(byte[] bytes) =>
        bytes.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == V1Magic ? BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) : 0;

    /// <summary>The header as a config; throws naming the checkpoint and the bad field.</summary>
    public static ModelConfig ParseHeader(string path, byte[] bytes)
    {
        int version = VersionOf(bytes);
        if (version != 0 && version != 1)
            throw new InputException(path, $"llama2.c checkpoint version {version} is not supported (only 0 and 1, float32)");
        int start = version == 0 ? 0 : 8, headerBytes = version == 0 ? HeaderBytes : V1HeaderBytes;
        if (bytes.Length < headerBytes)
            throw new InputException(path, $"truncated: {bytes.Length} bytes, a llama2.c {(version == 0 ? "" : "version 1 ")}header needs {headerBytes}");
        int Field(int i) => BitConverter.ToInt32(bytes, start + i * 4);
        int vocab = Field(5);
        var config = new ModelConfig
        {
            Dim = Field(0),
            HiddenDim = Field(1),
            Layers = Field(2),
            Heads = Field(3),
            KvHeads = Field(4),
            VocabSize = vocab == int.MinValue ? 0 : Math.Abs(vocab),
            SeqLen = Field(6),
            SharedClassifier = version == 0 ? vocab > 0 : bytes[36] != 0,
            FfnActivation = version == 0 ? ModelConfig.ActivationSwiGlu : bytes[V1ActivationByte],
        };
        try
        {
            config.Validate();
        }
        catch (ModelFormatException e)
        {
            throw new InputException(path, "header " + e.Message.Replace("config: ", ""));
        }
        return config;
    }

    /// <summary>Exact file length the header implies (version 0).</summary>
    public static long ExpectedBytes(ModelConfig c) => ExpectedBytes(c, 0);

    /// <summary>Exact file length the header implies.</summary>
    public static long ExpectedBytes(ModelConfig c, int version) =>
        (version == 0 ? HeaderBytes : V1HeaderBytes) + 4 * Layout(c, version).Sum(s => (long)s.Rows * s.Cols);

    public static string Describe(ModelConfig c) =>
        $"dim={c.Dim} hidden_dim={c.HiddenDim} n_layers={c.Layers} n_heads={c.Heads} n_kv_heads={c.KvHeads} vocab_size={c.VocabSize} seq_len={c.SeqLen}"
        + (c.FfnActivation == ModelConfig.ActivationReluGlu ? " ffn=relu" : "");

    /// <summary>Looks beside the checkpoint for tok{vocab}.bin, then tokenizer.bin.</summary>
    private static string FindTokenizer(string checkpointPath, int vocab)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(checkpointPath)) ?? ".";
        string[] candidates = [Path.Combine(dir, $"tok{vocab}.bin"), Path.Combine(dir, "tokenizer.bin")];
        foreach (string c in candidates)
            if (File.Exists(c)) return c;
        throw new InputException("--tokenizer", $"not given, and no tokenizer found beside {checkpointPath} (looked for tok{vocab}.bin, tokenizer.bin)");
    }

    internal static byte[] ReadFile(string path, string what)
    {
        if (Directory.Exists(path)) throw new InputException(path, $"is a directory, expected a {what} file");
        if (!File.Exists(path)) throw new InputException(path, $"{what} file not found");
        return File.ReadAllBytes(path);
    }
}
