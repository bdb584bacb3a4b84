using System.Text;

namespace EdgeTiny.Converter.Import.Gguf;

/// <summary>
/// The tokenizer stored in a GGUF file's tokenizer.ggml.* metadata, as the runtime's tokenizer section.
/// <c>tokenizer.ggml.model = "llama"</c> is SentencePiece-style BPE: pieces with "▁" (U+2581) for a space, a merge score
/// per piece, byte-fallback pieces "&lt;0xHH&gt;" (type 6). It is the algorithm of llama2.c's tokenizer (greedy highest-score
/// merges of adjacent pieces, a dummy-prefix space, unknown code points as byte pieces), so the pieces are stored with
/// "▁" turned back into a space and the runtime encodes them as llama.cpp does (the tests compare every id).
/// </summary>
public static class GgufTokenizer
{
    private const string SpaceMark = "\u2581";

    /// <summary>llama.cpp's token types (llama_token_type).</summary>
    public const int TypeNormal = 1, TypeUnknown = 2, TypeControl = 3, TypeUserDefined = 4, TypeUnused = 5, TypeByte = 6;

    public static SourceTokenizer Read(GgufFile f, int vocabSize)
    {
        if (!f.Metadata.ContainsKey("tokenizer.ggml.model"))
            throw new InputException(f.Path, "has no tokenizer (metadata tokenizer.ggml.model is missing)");
        string model = f.RequireString("tokenizer.ggml.model");
        string[] tokens = f.OptionalArray<string>("tokenizer.ggml.tokens") ?? throw new InputException(f.Path, "has no tokenizer (metadata tokenizer.ggml.tokens is missing)");
        if (tokens.Length != vocabSize)
            throw new InputException(f.Path, $"tokenizer.ggml.tokens has {tokens.Length} tokens, the model's vocabulary is {vocabSize}");
        float[] scores = f.OptionalArray<float>("tokenizer.ggml.scores") ?? new float[vocabSize];
        int[] types = f.OptionalArray<int>("tokenizer.ggml.token_type") ?? Enumerable.Repeat(TypeNormal, vocabSize).ToArray();
        if (scores.Length != vocabSize || types.Length != vocabSize)
            throw new InputException(f.Path, $"tokenizer.ggml.scores ({scores.Length}) / token_type ({types.Length}) disagree with the {vocabSize} tokens");
        CheckSpecial(f, "tokenizer.ggml.bos_token_id", EdgeTiny.Runtime.Text.Tokenizer.Bos);
        CheckSpecial(f, "tokenizer.ggml.eos_token_id", EdgeTiny.Runtime.Text.Tokenizer.Eos);
        if (f.OptionalBool("tokenizer.ggml.add_space_prefix") == false)
            throw new InputException(f.Path, "tokenizer.ggml.add_space_prefix is false; only SentencePiece vocabularies with the dummy-prefix space are supported");

        switch (model)
        {
            case "llama":
                byte[][] pieces = tokens.Select(t => Encoding.UTF8.GetBytes(t.Replace(SpaceMark, " "))).ToArray();
                return new SourceTokenizer(pieces, scores, Math.Max(1, pieces.Max(p => p.Length)));
            default:
                throw new InputException(f.Path, $"tokenizer.ggml.model '{model}' is not supported (only 'llama', SentencePiece-style BPE)");
        }
    }

    /// <summary>The runtime's BOS/EOS ids are fixed (1 and 2, as in Llama's and llama2.c's vocabularies).</summary>
    private static void CheckSpecial(GgufFile f, string key, int expected)
    {
        if (f.OptionalInt(key) is long id && id != expected)
            throw new InputException(f.Path, $"{key} is {id}; the runtime's tokenizer uses {expected}");
    }
}
