using System.Text;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// GPT-2-style byte-level BPE vocabularies (GGUF <c>tokenizer.ggml.model = gpt2</c>, tokenizer.json with a ByteLevel
/// pre-tokenizer) as the runtime's tokenizer: token strings are written in GPT-2's byte→unicode alphabet (printable
/// Latin-1 bytes stand for themselves, the other 68 bytes for U+0100…U+0143, so "Ġ" is a space), merges as
/// "left right" pairs ranked by their order. The runtime stores each piece as the raw bytes it stands for and each merge
/// as token ids, so it needs neither the alphabet nor string pairs on a board.
/// </summary>
public static class ByteLevelVocabulary
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    /// <summary>GPT-2's alphabet: the string a byte sequence is written as in a byte-level vocabulary.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var s = new StringBuilder(bytes.Length);
        foreach (byte b in bytes) s.Append(ByteToChar[b]);
        return s.ToString();
    }

    /// <summary>The bytes a token string stands for; characters outside the alphabet (added tokens) stay UTF-8.</summary>
    public static byte[] Decode(string token)
    {
        var bytes = new List<byte>(token.Length);
        foreach (Rune r in token.EnumerateRunes())
        {
            if (r.IsBmp && CharToByte.TryGetValue((char)r.Value, out byte b)) bytes.Add(b);
            else bytes.AddRange(Encoding.UTF8.GetBytes(r.ToString()));
        }
        return [.. bytes];
    }

    /// <summary>The runtime's pre-tokenizer for a llama.cpp tokenizer.ggml.pre name; others are refused by name.</summary>
    public static int PreTokenizerOf(string path, string name) => name switch
    {
        "gpt-2" or "gpt2" => PreTokenizer.Gpt2,
        "llama-bpe" or "llama3" or "llama-v3" => PreTokenizer.Llama3,
        "smollm" => PreTokenizer.SmolLm,
        "qwen2" => PreTokenizer.Qwen2,
        _ => throw new InputException(path, $"byte-level pre-tokenizer '{name}' is not supported (gpt-2, llama-bpe, smollm, qwen2)"),
    };

    /// <summary>
    /// The runtime tokenizer of a byte-level vocabulary. <paramref name="control"/> marks special tokens (BOS, EOS, …:
    /// never produced by merges, decoded to nothing), stored as their UTF-8 text with the score -1 (others 0). Refused: two tokens standing for the
    /// same bytes, a byte with no token, a merge whose parts or result are not tokens.
    /// </summary>
    public static SourceTokenizer Build(string path, string[] tokens, bool[] control, IEnumerable<(string Left, string Right)> merges,
        int preTokenizer, bool ignoreMerges, int bos, int eos)
    {
        int n = tokens.Length;
        if (bos < 0 || bos >= n || eos < 0 || eos >= n)
            throw new InputException(path, $"BOS {bos} / EOS {eos} outside the vocabulary of {n} tokens");
        var pieces = new byte[n][];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            pieces[i] = control[i] ? Encoding.UTF8.GetBytes(tokens[i]) : Decode(tokens[i]);
            if (pieces[i].Length == 0) throw new InputException(path, $"token {i} is empty");
            if (!byBytes.TryAdd(Convert.ToHexString(pieces[i]), i))
                throw new InputException(path, $"tokens {byBytes[Convert.ToHexString(pieces[i])]} and {i} stand for the same bytes ('{tokens[i]}')");
            ids.TryAdd(tokens[i], i);
        }
        for (int b = 0; b < 256; b++)
            if (!ids.ContainsKey(ByteToChar[b].ToString()))
                throw new InputException(path, $"the byte-level vocabulary has no token for byte 0x{b:X2} ('{ByteToChar[b]}')");
        var triples = new List<int>();
        int rank = 0;
        foreach (var (left, right) in merges)
        {
            if (!ids.TryGetValue(left, out int l) || !ids.TryGetValue(right, out int r) || !ids.TryGetValue(left + right, out int result))
                throw new InputException(path, $"merge {rank} '{left} {right}' names a token the vocabulary does not have");
            triples.AddRange([l, r, result]);
            rank++;
        }
        // The score marks control tokens for the runtime (decoded to nothing); byte-level BPE merges by rank, not score.
        float[] scores = [.. control.Select(c => c ? -1f : 0f)];
        return new SourceTokenizer(pieces, scores, pieces.Max(p => p.Length))
        {
            Kind = Tokenizer.KindByteLevel,
            PreTokenizer = preTokenizer,
            IgnoreMerges = ignoreMerges,
            Bos = bos,
            Eos = eos,
            Merges = [.. triples],
        };
    }

    /// <summary>A merge as GGUF and older tokenizer.json files write it: "left right" (neither part contains a space).</summary>
    public static (string, string) SplitMerge(string path, string merge)
    {
        int space = merge.IndexOf(' ');
        if (space <= 0 || space == merge.Length - 1 || merge.IndexOf(' ', space + 1) >= 0)
            throw new InputException(path, $"merge '{merge}' is not two tokens separated by one space");
        return (merge[..space], merge[(space + 1)..]);
    }
}
