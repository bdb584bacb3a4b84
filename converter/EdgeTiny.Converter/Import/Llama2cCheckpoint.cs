using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// Reads a llama2.c "version 0" checkpoint: a header of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
/// vocab_size, seq_len — a negative vocab_size means the classifier is not shared with the embedding), then fp32
/// tensors: token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, the legacy RoPE cos/sin
/// tables (skipped), and the classifier when unshared. The file length must match the header exactly.
/// </summary>
public static class Llama2cCheckpoint
{
    public const int HeaderBytes = 7 * 4;

    public static SourceModel Read(string checkpointPath, string? tokenizerPath)
    {
        byte[] bytes = ReadFile(checkpointPath, "checkpoint");
        ModelConfig config = ParseHeader(checkpointPath, bytes);
        long expected = ExpectedBytes(config);
        if (bytes.Length < expected)
            throw new InputException(checkpointPath, $"truncated: the header ({Describe(config)}) needs {expected} bytes, the file has {bytes.Length}");
        if (bytes.Length > expected)
            throw new InputException(checkpointPath, $"size {bytes.Length} bytes disagrees with the header ({Describe(config)}), which needs exactly {expected} bytes");

        var tensors = new List<SourceTensor>();
        int at = HeaderBytes;
        float[] Take(long count)
        {
            float[] data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(at, checked((int)count * 4))).ToArray();
            at += (int)count * 4;
            return data;
        }

        int L = config.Layers, dim = config.Dim, kv = config.KvDim, hidden = config.HiddenDim;
        tensors.Add(new SourceTensor(TensorNames.TokenEmbedding, config.VocabSize, dim, Take((long)config.VocabSize * dim)));
        // Stacked per-layer tensors come one kind at a time: all layers' rms_att, then all layers' wq, ...
        void PerLayer(string name, int rows, int cols)
        {
            for (int l = 0; l < L; l++) tensors.Add(new SourceTensor(TensorNames.Layer(l, name), rows, cols, Take((long)rows * cols)));
        }
        PerLayer(TensorNames.RmsAtt, 1, dim);
        PerLayer(TensorNames.Wq, dim, dim);
        PerLayer(TensorNames.Wk, kv, dim);
        PerLayer(TensorNames.Wv, kv, dim);
        PerLayer(TensorNames.Wo, dim, dim);
        PerLayer(TensorNames.RmsFfn, 1, dim);
        PerLayer(TensorNames.W1, hidden, dim);
        PerLayer(TensorNames.W2, dim, hidden);
        PerLayer(TensorNames.W3, hidden, dim);
        tensors.Add(new SourceTensor(TensorNames.RmsFinal, 1, dim, Take(dim)));
        at += config.SeqLen * config.HeadSize * 4; // legacy freq_cis_real + freq_cis_imag, seq_len * head_size / 2 each
        if (!config.SharedClassifier)
            tensors.Add(new SourceTensor(TensorNames.Classifier, config.VocabSize, dim, Take((long)config.VocabSize * dim)));

        foreach (var t in tensors)
            if (t.Data.Any(v => !float.IsFinite(v)))
                throw new InputException(checkpointPath, $"tensor {t.Name} contains NaN or infinity");

        string tokPath = tokenizerPath ?? FindTokenizer(checkpointPath, config.VocabSize);
        SourceTokenizer tokenizer = Llama2cTokenizer.Read(tokPath, config.VocabSize);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new SourceModel(config, tensors, tokenizer, checkpointPath, sha);
    }

    /// <summary>The 7-int header as a config; throws naming the checkpoint and the bad field.</summary>
    public static ModelConfig ParseHeader(string path, byte[] bytes)
    {
        if (bytes.Length < HeaderBytes)
            throw new InputException(path, $"truncated: {bytes.Length} bytes, a llama2.c header needs {HeaderBytes}");
        int Field(int i) => BitConverter.ToInt32(bytes, i * 4);
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
            SharedClassifier = vocab > 0,
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

    /// <summary>Exact file length the header implies.</summary>
    public static long ExpectedBytes(ModelConfig c)
    {
        long L = c.Layers, dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim, vocab = c.VocabSize;
        long floats = vocab * dim
            + L * dim * 2                     // rms_att, rms_ffn
            + L * dim * dim * 2               // wq, wo
            + L * kv * dim * 2                // wk, wv
            + L * hidden * dim * 3            // w1, w2, w3
            + dim                             // rms_final
            + (long)c.SeqLen * c.HeadSize     // legacy RoPE tables
            + (c.SharedClassifier ? 0 : vocab * dim);
        return HeaderBytes + floats * 4;
    }

    public static string Describe(ModelConfig c) =>
        $"dim={c.Dim} hidden_dim={c.HiddenDim} n_layers={c.Layers} n_heads={c.Heads} n_kv_heads={c.KvHeads} vocab_size={c.VocabSize} seq_len={c.SeqLen}";

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
