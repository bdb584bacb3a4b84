using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import;

/// <summary>A float32 tensor read from a source checkpoint, named as in the .etb file (see <see cref="TensorNames"/>).</summary>
public sealed record SourceTensor(string Name, int Rows, int Cols, float[] Data)
{
    /// <summary>Norm weights (1 × n vectors) stay float32 whatever the policy.</summary>
    public bool IsNorm => Rows == 1;

    /// <summary>The int8 values and group scales the source file stored (llama2.c version 2), or null.</summary>
    public Int8Groups? Int8 { get; init; }
}

/// <summary>
/// Group-symmetric int8 values as a source stored them: value i is Values[i] × Scales[i / GroupSize], groups running
/// over the flattened matrix.
/// </summary>
public sealed record Int8Groups(sbyte[] Values, float[] Scales, int GroupSize)
{
    /// <summary>Whether the .etb's 8-bit codec can hold these values as they are: groups of this size that never cross a row.</summary>
    public bool FitsRows(int cols, int groupSize) => groupSize == GroupSize && cols % GroupSize == 0;
}

/// <summary>
/// A tokenizer as the runtime stores it (<see cref="EdgeTiny.Runtime.Text.Tokenizer"/>): one byte string and merge score per
/// token (llama2.c's layout); for a byte-level BPE vocabulary also its pre-tokenizer and ranked merges (left, right,
/// result ids, three ints per merge); the BOS and EOS ids.
/// </summary>
public sealed record SourceTokenizer(byte[][] Pieces, float[] Scores, int MaxTokenLength)
{
    public int Kind { get; init; } = EdgeTiny.Runtime.Text.Tokenizer.KindSentencePiece;
    public int PreTokenizer { get; init; } = EdgeTiny.Runtime.Text.PreTokenizer.None;
    /// <summary>llama.cpp's ignore_merges (Llama 3): a word that is a whole token is not merged.</summary>
    public bool IgnoreMerges { get; init; }
    public int Bos { get; init; } = EdgeTiny.Runtime.Text.Tokenizer.DefaultBos;
    public int Eos { get; init; } = EdgeTiny.Runtime.Text.Tokenizer.DefaultEos;
    /// <summary>Whether a prompt starts with BOS (llama.cpp's add_bos_token; false for GPT-2-style vocabularies).</summary>
    public bool AddBos { get; init; } = true;
    public int[] Merges { get; init; } = [];
}

/// <summary>A trained model read from disk, before compression: config, float32 tensors in file order, tokenizer.</summary>
public sealed record SourceModel(ModelConfig Config, IReadOnlyList<SourceTensor> Tensors, SourceTokenizer Tokenizer, string SourcePath, string SourceSha256)
{
    public SourceTensor Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"no tensor '{name}'");

    public long ParameterCount => Tensors.Sum(t => (long)t.Rows * t.Cols);

    /// <summary>Bytes of the source: the file, or every file of a model folder.</summary>
    public long SourceBytes => Directory.Exists(SourcePath)
        ? Directory.EnumerateFiles(SourcePath).Sum(f => new FileInfo(f).Length)
        : new FileInfo(SourcePath).Length;

    /// <summary>The source file's format as the manifest records it, e.g. "llama2c-v1".</summary>
    public string SourceFormat { get; init; } = "llama2c-v0";
}
