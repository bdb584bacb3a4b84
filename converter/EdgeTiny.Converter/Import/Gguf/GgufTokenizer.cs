using System.Text;

namespace EdgeTiny.Converter.Import.Gguf;

/// <summary>
/// The tokenizer stored in a GGUF file's tokenizer.ggml.* metadata, as the runtime's tokenizer section.
/// <c>tokenizer.ggml.model = "llama"</c> is SentencePiece-style BPE: pieces with "▁" (U+2581) for a space, a merge score
/// per piece, byte-fallback pieces "&lt;0xHH&gt;" (type 6). It is the algorithm of llama2.c's tokenizer (greedy highest-score
/// merges of adjacent pieces, a dummy-prefix space, unknown code points as byte pieces), so the pieces are stored with
/// "▁" turned back into a space and the runtime encodes them as llama.cpp does (the tests compare every id).
/// <c>"gpt2"</c> is byte-level BPE (<see cref="ByteLevelVocabulary"/>). BOS and EOS come from tokenizer.ggml.bos_token_id /
/// eos_token_id (1 and 2 when a SentencePiece vocabulary leaves them out, as llama.cpp assumes).
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
        int bos = Special(f, "tokenizer.ggml.bos_token_id", vocabSize, model == "gpt2" ? null : EdgeTiny.Runtime.Text.Tokenizer.DefaultBos);
        int eos = Special(f, "tokenizer.ggml.eos_token_id", vocabSize, model == "gpt2" ? null : EdgeTiny.Runtime.Text.Tokenizer.DefaultEos);

        // Absent, BOS is added: llama.cpp's default for SentencePiece vocabularies and what every earlier .etb did.
        bool addBos = f.OptionalBool("tokenizer.ggml.add_bos_token") ?? true;
        return (model switch
        {
            "llama" => SentencePiece(f, tokens, scores, bos, eos),
            "gpt2" => ReadByteLevel(f, tokens, types, bos, eos),
            _ => throw new InputException(f.Path, $"tokenizer.ggml.model '{model}' is not supported ('llama', SentencePiece-style BPE; 'gpt2', byte-level BPE)"),
        }) with { AddBos = addBos };
    }

    /// <summary>SentencePiece-style BPE (llama2.c's kind): tokens with ▁ for a space, merge scores.</summary>
    private static SourceTokenizer SentencePiece(GgufFile f, string[] tokens, float[] scores, int bos, int eos)
    {
        if (f.OptionalBool("tokenizer.ggml.add_space_prefix") == false)
            throw new InputException(f.Path, "tokenizer.ggml.add_space_prefix is false; only SentencePiece vocabularies with the dummy-prefix space are supported");
        byte[][] pieces = tokens.Select(t => Encoding.UTF8.GetBytes(t.Replace(SpaceMark, " "))).ToArray();
        return new SourceTokenizer(pieces, scores, Math.Max(1, pieces.Max(p => p.Length))) { Bos = bos, Eos = eos };
    }

    /// <summary>
    /// GPT-2-style byte-level BPE: tokens in GPT-2's byte alphabet, tokenizer.ggml.merges ("left right", by rank) and the
    /// pre-tokenizer llama.cpp picks by tokenizer.ggml.pre. USER_DEFINED tokens are refused: llama.cpp matches them in the
    /// text before BPE, which the runtime does not.
    /// </summary>
    private static SourceTokenizer ReadByteLevel(GgufFile f, string[] tokens, int[] types, int bos, int eos)
    {
        string[] merges = f.OptionalArray<string>("tokenizer.ggml.merges")
            ?? throw new InputException(f.Path, "tokenizer.ggml.model is gpt2 but tokenizer.ggml.merges is missing");
        string pre = f.Metadata.ContainsKey("tokenizer.ggml.pre") ? f.RequireString("tokenizer.ggml.pre")
            : throw new InputException(f.Path, "tokenizer.ggml.pre is missing (llama.cpp would fall back to its 'default' split, which the runtime does not implement)");
        int preTokenizer = ByteLevelVocabulary.PreTokenizerOf(f.Path, pre);
        int userDefined = Array.IndexOf(types, TypeUserDefined);
        if (userDefined >= 0)
            throw new InputException(f.Path, $"token {userDefined} ('{tokens[userDefined]}') is USER_DEFINED: llama.cpp matches such tokens in the text before BPE, which is not supported");
        bool[] control = [.. types.Select(t => t is TypeControl or TypeUnknown or TypeUnused)];
        // llama.cpp sets ignore_merges for the Llama 3 pre-tokenizer only.
        return ByteLevelVocabulary.Build(f.Path, tokens, control, merges.Select(m => ByteLevelVocabulary.SplitMerge(f.Path, m)),
            preTokenizer, preTokenizer == EdgeTiny.Runtime.Text.PreTokenizer.Llama3, bos, eos);
    }

    /// <summary>A special token id from the metadata (<paramref name="fallback"/> when absent; required when that is null).</summary>
    private static int Special(GgufFile f, string key, int vocabSize, int? fallback)
    {
        long id = f.OptionalInt(key) ?? fallback ?? throw new InputException(f.Path, $"metadata {key} is missing");
        if (id < 0 || id >= vocabSize) throw new InputException(f.Path, $"{key} is {id}, outside the vocabulary of {vocabSize}");
        return (int)id;
    }
}
