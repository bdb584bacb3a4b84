using System.Text;
using System.Text.RegularExpressions;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.TestSupport;

/// <summary>
/// Trains a GPT-2-style byte-level BPE vocabulary on real text, for tests: the text split by GPT-2's pattern (.NET's regex
/// engine, test code only), each word as bytes in GPT-2's alphabet, then the most frequent adjacent pair merged, again and
/// again (ties broken by the pair's ordinal order, so the result is deterministic). Tokens: the 256 bytes in byte order,
/// the merge results in merge order, then the control tokens "&lt;|bos|&gt;", "&lt;|eos|&gt;" and "&lt;|pad|&gt;" — so BOS
/// and EOS are neither 1 nor 2, and one control token is neither.
/// </summary>
public static class ByteLevelBpeTrainer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// What the test vocabularies are trained on: the project's own stories (tests/data/adaptation, train and held-out)
    /// and a few lines with what the stories lack — numbers, dates, code-like indentation, upper-case contractions — so
    /// merges exist where the pre-tokenizers differ (digit runs, line breaks after spaces, "'S" vs "'s").
    /// </summary>
    public static string TrainingText =>
        File.ReadAllText(Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", "train.txt"))
        + File.ReadAllText(Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", "heldout.txt"))
        + string.Concat(Enumerable.Repeat(Extra, 3));

    private const string Extra =
        "In 2026 the harbor had 1,234 boats, 56 nets and 789 fish; by 2027 it had 1,500 boats and 100 nets.\n"
        + "Call 555-0199 at 10:30 or 12:45, room 42, floor 3.\n\n"
        + "    if (boats > 100) {\n        count += 1;\n    }\n  \n"
        + "IT'S BRINDLE'S BOAT! DON'T TOUCH IT. WE'RE SURE THEY'LL SEE IT.\n"
        + "\t\tTabs\tand  double  spaces   and\r\nWindows line ends.\r\n";

    public static SourceTokenizer Train(string text, int merges)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(text, Gpt2Pattern))
        {
            string w = ByteLevelVocabulary.Encode(Encoding.UTF8.GetBytes(m.Value));
            words[w] = words.GetValueOrDefault(w) + 1;
        }
        var split = words.Select(kv => (Symbols: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value)).ToList();
        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevelVocabulary.Encode([(byte)b])).ToList();
        var known = new HashSet<string>(tokens, StringComparer.Ordinal);
        var rules = new List<(string, string)>();
        while (rules.Count < merges)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in split)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0) break;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal).First();
            if (best.Value < 2) break;
            var (a, b) = best.Key;
            rules.Add((a, b));
            if (known.Add(a + b)) tokens.Add(a + b);
            foreach (var (symbols, _) in split)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == a && symbols[i + 1] == b)
                    {
                        symbols[i] = a + b;
                        symbols.RemoveAt(i + 1);
                    }
        }
        tokens.Add("<|bos|>");
        tokens.Add("<|eos|>");
        tokens.Add("<|pad|>");
        bool[] control = [.. tokens.Select((_, i) => i >= tokens.Count - 3)];
        return ByteLevelVocabulary.Build("trained vocabulary", [.. tokens], control, rules, PreTokenizer.Gpt2, false, tokens.Count - 3, tokens.Count - 2);
    }

    /// <summary>The vocabulary's token strings as GGUF and tokenizer.json store them (control tokens as their text).</summary>
    public static string[] TokenStrings(SourceTokenizer t) =>
        [.. t.Pieces.Select((p, i) => IsControl(t, i) ? Encoding.UTF8.GetString(p) : ByteLevelVocabulary.Encode(p))];

    /// <summary>Control tokens of a byte-level vocabulary carry a negative score (<see cref="ByteLevelVocabulary.Build"/>).</summary>
    public static bool IsControl(SourceTokenizer t, int id) => t.Scores[id] < 0;

    /// <summary>The merges as "left right" strings, by rank.</summary>
    public static string[] MergeStrings(SourceTokenizer t)
    {
        string[] s = TokenStrings(t);
        return [.. Enumerable.Range(0, t.Merges.Length / 3).Select(r => s[t.Merges[3 * r]] + " " + s[t.Merges[3 * r + 1]])];
    }
}
