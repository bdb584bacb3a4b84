using System.Buffers.Binary;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// Reads a llama2.c tokenizer file: int32 max_token_length, then per token float32 score, int32 length, bytes.
/// The file does not store the token count, so it must hold exactly the model's vocabulary size of tokens.
/// </summary>
public static class Llama2cTokenizer
{
    public static SourceTokenizer Read(string path, int vocabSize) => Parse(Llama2cCheckpoint.ReadFile(path, "tokenizer"), path, vocabSize);

    /// <summary>A tokenizer from its file's bytes; errors name <paramref name="path"/>.</summary>
    public static SourceTokenizer Parse(byte[] b, string path, int vocabSize)
    {
        if (b.Length < 4) throw new InputException(path, $"truncated: {b.Length} bytes, a tokenizer starts with a 4-byte max token length");
        int maxLen = BinaryPrimitives.ReadInt32LittleEndian(b);
        if (maxLen <= 0 || maxLen > 1 << 16) throw new InputException(path, $"max token length {maxLen} is out of range (1..65536)");
        var pieces = new List<byte[]>();
        var scores = new List<float>();
        int at = 4;
        while (at < b.Length)
        {
            if (at + 8 > b.Length) throw new InputException(path, $"truncated inside token {pieces.Count} (byte {at})");
            float score = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at));
            int len = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 4));
            at += 8;
            if (len < 0 || len > maxLen) throw new InputException(path, $"token {pieces.Count} has length {len}, outside 0..{maxLen}");
            if (at + len > b.Length) throw new InputException(path, $"truncated inside token {pieces.Count} (byte {at})");
            pieces.Add(b.AsSpan(at, len).ToArray());
            scores.Add(score);
            at += len;
            if (pieces.Count > vocabSize)
                throw new InputException(path, $"has more than {vocabSize} tokens, but the model's vocabulary is {vocabSize}: wrong tokenizer for this model");
        }
        if (pieces.Count != vocabSize)
            throw new InputException(path, $"has {pieces.Count} tokens, but the model's vocabulary is {vocabSize}: wrong tokenizer for this model");
        return new SourceTokenizer(pieces.ToArray(), scores.ToArray(), maxLen);
    }
}
