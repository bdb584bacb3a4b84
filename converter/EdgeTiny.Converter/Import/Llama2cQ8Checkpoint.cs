using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeTiny.Converter.IO;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// llama2.c's int8 export ("version 2", what runq.c reads, used by ESP32 ports): a 256-byte header — magic "ak42"
/// (u32 0x616b3432), int32 version 2, the 7 config ints, u8 shared_classifier, int32 group_size (at byte 37, unpadded)
/// — then float32 rms_att (all layers), rms_ffn (all layers), rms_final, then each matrix as int8 values followed by
/// one float32 scale per group of group_size values of the flattened matrix: token_embedding, wq, wk, wv, wo, w1, w2, w3
/// (each for all layers in turn) and the classifier when unshared. A value is q × scale (export.py's quantize_q80:
/// scale = max|w| / 127 per group, q = round(w / scale)).
/// Each matrix keeps its int8 values and scales (<see cref="SourceTensor.Int8"/>) so that <c>--policy none --bits 8</c>
/// stores them unchanged when its groups are the file's.
/// </summary>
public static class Llama2cQ8Checkpoint
{
    public const int Version = 2;
    private const int GroupSizeAt = 37;

    public static bool IsVersion2(byte[] head) =>
        head.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Llama2cCheckpoint.V1Magic && BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4)) == Version;

    public static SourceModel Read(string path, string? tokenizerPath)
    {
        byte[] bytes = Llama2cCheckpoint.ReadFile(path, "checkpoint");
        if (bytes.Length < Llama2cCheckpoint.V1HeaderBytes)
            throw new InputException(path, $"truncated: {bytes.Length} bytes, a llama2.c version 2 header needs {Llama2cCheckpoint.V1HeaderBytes}");
        int Field(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 + i * 4));
        var config = new ModelConfig
        {
            Dim = Field(0), HiddenDim = Field(1), Layers = Field(2), Heads = Field(3), KvHeads = Field(4), VocabSize = Field(5), SeqLen = Field(6),
            SharedClassifier = bytes[36] != 0,
        };
        SourceLayout.Validate(path, config, "header");
        int groupSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(GroupSizeAt));
        if (groupSize <= 0) throw new InputException(path, $"header group_size {groupSize} must be positive");
        foreach (var (name, rows, cols) in Matrices(config))
            if ((long)rows * cols % groupSize != 0)
                throw new InputException(path, $"header group_size {groupSize} does not divide {name} ({rows}x{cols})");
        long expected = ExpectedBytes(config, groupSize);
        if (bytes.Length != expected)
            throw new InputException(path, bytes.Length < expected
                ? $"truncated: the header ({Llama2cCheckpoint.Describe(config)} group_size={groupSize}) needs {expected} bytes, the file has {bytes.Length}"
                : $"size {bytes.Length} bytes disagrees with the header ({Llama2cCheckpoint.Describe(config)} group_size={groupSize}), which needs exactly {expected} bytes");

        var byName = new Dictionary<string, SourceTensor>();
        int at = Llama2cCheckpoint.V1HeaderBytes;
        foreach (var (name, _, cols) in Norms(config))
        {
            byName[name] = new SourceTensor(name, 1, cols, Floats(bytes, at, cols));
            at += cols * 4;
        }
        foreach (var (name, rows, cols) in Matrices(config))
        {
            int n = rows * cols, groups = n / groupSize;
            var q = new sbyte[n];
            bytes.AsSpan(at, n).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(q.AsSpan()));
            float[] scales = Floats(bytes, at + n, groups);
            at += n + groups * 4;
            var data = new float[n];
            for (int i = 0; i < n; i++) data[i] = q[i] * scales[i / groupSize];
            byName[name] = new SourceTensor(name, rows, cols, data) { Int8 = new Int8Groups(q, scales, groupSize) };
        }
        List<SourceTensor> tensors = [.. SourceLayout.Slots(config).Select(s => byName[s.Name])];
        SourceLayout.CheckFinite(path, tensors);
        string tokPath = tokenizerPath ?? Llama2cCheckpoint.FindTokenizer(path, config.VocabSize);
        SourceTokenizer tokenizer = Llama2cTokenizer.Read(tokPath, config.VocabSize);
        return new SourceModel(config, tensors, tokenizer, path, Convert.ToHexStringLower(SHA256.HashData(bytes))) { SourceFormat = "llama2c-v2-q8" };
    }

    /// <summary>
    /// Writes a float model as a version 2 file exactly as llama2.c's export.py does (group size halved until it
    /// divides dim; scale = max|w| / 127; q = round-half-even(w / scale)), atomically. Returns the group size used.
    /// </summary>
    public static int Write(SourceModel model, string path, int groupSize = 64)
    {
        ModelConfig c = model.Config;
        while (c.Dim % groupSize != 0) groupSize /= 2;
        using var ms = new MemoryStream();
        var header = new byte[Llama2cCheckpoint.V1HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Llama2cCheckpoint.V1Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), Version);
        int[] ints = [c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, c.VocabSize, c.SeqLen];
        for (int i = 0; i < ints.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8 + i * 4), ints[i]);
        header[36] = (byte)(c.SharedClassifier ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(GroupSizeAt), groupSize);
        ms.Write(header);
        foreach (var (name, _, _) in Norms(c)) ms.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Tensor(name).Data.AsSpan()));
        foreach (var (name, _, _) in Matrices(c))
        {
            float[] w = model.Tensor(name).Data;
            if (w.Length % groupSize != 0) throw new ArgumentException($"{name}: {w.Length} values are not a multiple of group size {groupSize}");
            var q = new byte[w.Length];
            var scales = new float[w.Length / groupSize];
            for (int g = 0; g < scales.Length; g++)
            {
                float max = 0f;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) max = Math.Max(max, Math.Abs(w[i]));
                float scale = max / 127f;
                scales[g] = scale;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++)
                    q[i] = (byte)(sbyte)(scale == 0f ? 0 : MathF.Round(w[i] / scale, MidpointRounding.ToEven));
            }
            ms.Write(q);
            ms.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(scales.AsSpan()));
        }
        byte[] bytes = ms.ToArray();
        AtomicFile.Write(path, s => s.Write(bytes));
        return groupSize;
    }

    private static IEnumerable<(string Name, int Rows, int Cols)> Norms(ModelConfig c) =>
    [
        .. Enumerable.Range(0, c.Layers).Select(l => (TensorNames.Layer(l, TensorNames.RmsAtt), 1, c.Dim)),
        .. Enumerable.Range(0, c.Layers).Select(l => (TensorNames.Layer(l, TensorNames.RmsFfn), 1, c.Dim)),
        (TensorNames.RmsFinal, 1, c.Dim),
    ];

    private static IEnumerable<(string Name, int Rows, int Cols)> Matrices(ModelConfig c)
    {
        IEnumerable<(string, int, int)> PerLayer(string name, int rows, int cols) =>
            Enumerable.Range(0, c.Layers).Select(l => (TensorNames.Layer(l, name), rows, cols));
        IEnumerable<(string, int, int)> all =
        [
            (TensorNames.TokenEmbedding, c.VocabSize, c.Dim), .. PerLayer(TensorNames.Wq, c.Dim, c.Dim), .. PerLayer(TensorNames.Wk, c.KvDim, c.Dim),
            .. PerLayer(TensorNames.Wv, c.KvDim, c.Dim), .. PerLayer(TensorNames.Wo, c.Dim, c.Dim), .. PerLayer(TensorNames.W1, c.HiddenDim, c.Dim),
            .. PerLayer(TensorNames.W2, c.Dim, c.HiddenDim), .. PerLayer(TensorNames.W3, c.HiddenDim, c.Dim),
        ];
        return c.SharedClassifier ? all : all.Append((TensorNames.Classifier, c.VocabSize, c.Dim));
    }

    private static long ExpectedBytes(ModelConfig c, int groupSize) =>
        Llama2cCheckpoint.V1HeaderBytes + Norms(c).Sum(n => 4L * n.Cols)
        + Matrices(c).Sum(m => (long)m.Rows * m.Cols + (long)m.Rows * m.Cols / groupSize * 4);

    private static float[] Floats(byte[] b, int at, int n) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b.AsSpan(at, n * 4)).ToArray();
}
