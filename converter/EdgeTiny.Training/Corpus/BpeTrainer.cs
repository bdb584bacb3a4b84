using System.Buffers.Binary;
using System.Text;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.IO;

namespace EdgeTiny.Training.Corpus;

/// <summary>
/// Trains a byte-pair tokenizer in llama2.c's layout for the runtime's encoder
/// (<see cref="EdgeTiny.Runtime.Text.Tokenizer"/>): that encoder prepends a space, starts from one token per code
/// point (byte tokens for unknown ones) and repeatedly merges the adjacent pair whose concatenation is a piece with
/// the highest score. So a merge's score is minus its rank (earlier merges win), and greedy encoding replays the
/// training merges.
/// </summary>
/// <remarks>
/// Layout: 0 "&lt;unk&gt;", 1 "\n&lt;s&gt;\n", 2 "\n&lt;/s&gt;\n", 3..258 byte tokens "&lt;0x00&gt;".."&lt;0xFF&gt;", then every
/// code point of the training text in code point order (all score 0), then merges with scores -1, -2, … until the
/// vocabulary is full.
///
/// Merges never cross a unit: the text (with the dummy space) is cut into a space plus a run of letters, digits or
/// other symbols (" word", " 42", ","), with each other whitespace character ("\n") a unit alone. A piece therefore
/// holds a space only as its first byte, and no concatenation of two tokens across a unit boundary is a piece of
/// the same kind, so the encoder cannot merge across words either. Pairs are counted over the distinct units
/// weighted by their counts, recounted after each merge: O(merges × symbols in the distinct units), well under a
/// second for 20,000 stories and 512 tokens. Ties go to the pair with the smaller concatenated bytes, then the
/// smaller left id: the result depends only on the texts.
/// </remarks>
public static class BpeTrainer
{
    /// <summary>The first id after the special and byte tokens: where the code points start.</summary>
    public const int FirstCharId = 3 + 256;

    public static SourceTokenizer Train(IEnumerable<string> texts, int vocabSize)
    {
        var unitCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            if (text.Length == 0) continue;      // the encoder adds no dummy space to an empty text
            foreach (string unit in Units(" " + text))
                unitCounts[unit] = unitCounts.GetValueOrDefault(unit) + 1;
        }

        var alphabet = unitCounts.Keys.SelectMany(u => u.EnumerateRunes()).Distinct().Order().ToList();
        int baseCount = FirstCharId + alphabet.Count;
        if (vocabSize < baseCount)
            throw new ArgumentException($"vocabulary size {vocabSize} is below the {baseCount} base tokens (3 special, 256 bytes, {alphabet.Count} code points in the texts)", nameof(vocabSize));

        var pieces = new List<byte[]> { "<unk>"u8.ToArray(), "\n<s>\n"u8.ToArray(), "\n</s>\n"u8.ToArray() };
        for (int b = 0; b < 256; b++) pieces.Add(Encoding.ASCII.GetBytes($"<0x{b:X2}>"));
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Rune r in alphabet)
        {
            ids[r.ToString()] = pieces.Count;
            pieces.Add(Encoding.UTF8.GetBytes(r.ToString()));
        }
        var scores = new List<float>(new float[pieces.Count]);

        // Distinct units as symbol sequences, in a fixed order so that nothing depends on hash order.
        var units = unitCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: kv.Key.EnumerateRunes().Select(r => ids[r.ToString()]).ToArray(), Count: kv.Value))
            .ToArray();

        int merges = 0;
        while (pieces.Count < vocabSize)
        {
            var pairs = new Dictionary<(int, int), long>();
            foreach (var (symbols, count) in units)
                for (int i = 0; i + 1 < symbols.Length; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0)
                throw new ArgumentException($"the texts allow only {merges} merges, but vocabulary size {vocabSize} needs {vocabSize - baseCount}: train on more text or choose a smaller vocabulary", nameof(texts));

            (int a, int b) best = default;
            long bestCount = 0;
            byte[] bestBytes = [];
            foreach (var (pair, count) in pairs)
            {
                if (count < bestCount) continue;
                byte[] joined = [.. pieces[pair.Item1], .. pieces[pair.Item2]];
                int order = count > bestCount ? -1 : joined.AsSpan().SequenceCompareTo(bestBytes);
                if (order < 0 || (order == 0 && pair.Item1 < best.a))
                {
                    best = pair;
                    bestCount = count;
                    bestBytes = joined;
                }
            }

            // The concatenation can already be a piece (reached by another split, "a"+"bc" vs "ab"+"c"): the
            // encoder merges into that piece, so training does too, and the vocabulary does not grow.
            string key = Encoding.UTF8.GetString(bestBytes);
            if (!ids.TryGetValue(key, out int merged))
            {
                if (Array.IndexOf(bestBytes, (byte)' ', 1) >= 0)
                    throw new InvalidOperationException($"internal error: merge '{key}' crosses a word boundary");
                merged = pieces.Count;
                ids[key] = merged;
                pieces.Add(bestBytes);
                scores.Add(-(merges + 1));
            }
            merges++;
            for (int u = 0; u < units.Length; u++) units[u].Symbols = Merge(units[u].Symbols, best.a, best.b, merged);
        }
        return new SourceTokenizer(pieces.ToArray(), scores.ToArray(), pieces.Max(p => p.Length));
    }

    /// <summary>Replaces each non-overlapping occurrence of (a, b), left to right, by <paramref name="merged"/>.</summary>
    private static int[] Merge(int[] symbols, int a, int b, int merged)
    {
        int hits = 0;
        for (int i = 0; i + 1 < symbols.Length; i++)
            if (symbols[i] == a && symbols[i + 1] == b) { hits++; i++; }
        if (hits == 0) return symbols;
        var result = new int[symbols.Length - hits];
        int n = 0;
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == a && symbols[i + 1] == b) { result[n++] = merged; i++; }
            else result[n++] = symbols[i];
        }
        return result;
    }

    private enum UnitKind { None, Space, Word, Digit, Symbol }

    /// <summary>
    /// Cuts a text into the units merges stay inside: a space joins the run that follows it; a run is letters
    /// (an apostrophe inside a word included), digits, or other symbols; other whitespace stands alone.
    /// </summary>
    public static IEnumerable<string> Units(string text)
    {
        var current = new StringBuilder();
        UnitKind kind = UnitKind.None;
        foreach (Rune r in text.EnumerateRunes())
        {
            UnitKind k = r.Value == ' ' ? UnitKind.Space
                : Rune.IsWhiteSpace(r) ? UnitKind.None
                : Rune.IsLetter(r) || (r.Value == '\'' && kind == UnitKind.Word) ? UnitKind.Word
                : Rune.IsDigit(r) ? UnitKind.Digit
                : UnitKind.Symbol;
            bool joins = k is not (UnitKind.Space or UnitKind.None) && (kind == UnitKind.Space || kind == k);
            if (!joins && current.Length > 0)
            {
                yield return current.ToString();
                current.Clear();
            }
            current.Append(r.ToString());
            kind = k;
            if (k == UnitKind.None)
            {
                yield return current.ToString();
                current.Clear();
            }
        }
        if (current.Length > 0) yield return current.ToString();
    }

    /// <summary>
    /// Writes llama2.c's tokenizer.bin: int32 max token length, then per token float32 score, int32 length,
    /// bytes. Atomic, and read back with <see cref="Llama2cTokenizer"/> before it replaces the target.
    /// </summary>
    public static void WriteLlama2c(SourceTokenizer t, string path)
    {
        if (t.Pieces.Length != t.Scores.Length)
            throw new ArgumentException($"{t.Pieces.Length} pieces but {t.Scores.Length} scores", nameof(t));
        AtomicFile.Write(path, stream =>
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(word, t.MaxTokenLength);
            stream.Write(word);
            for (int i = 0; i < t.Pieces.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, t.Scores[i]);
                stream.Write(word);
                BinaryPrimitives.WriteInt32LittleEndian(word, t.Pieces[i].Length);
                stream.Write(word);
                stream.Write(t.Pieces[i]);
            }
        }, temp =>
        {
            SourceTokenizer back = Llama2cTokenizer.Read(temp, t.Pieces.Length);
            for (int i = 0; i < t.Pieces.Length; i++)
                if (!back.Pieces[i].AsSpan().SequenceEqual(t.Pieces[i]) || BitConverter.SingleToInt32Bits(back.Scores[i]) != BitConverter.SingleToInt32Bits(t.Scores[i]))
                    throw new IOException($"{path}: token {i} did not read back as written");
        });
    }
}
