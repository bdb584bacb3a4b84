using System.Text;
using System.Text.RegularExpressions;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Tests.Text;

/// <summary>
/// The runtime's Unicode classes (a generated table) and its hand-written pre-tokenizers, against .NET: every code point's
/// class, and the words of the GPT-2 / Llama 3 / SmolLM patterns as System.Text.RegularExpressions splits them.
/// </summary>
public sealed class UnicodeClassRunsTests(ITestOutputHelper output)
{
    private static readonly int[] Runs = UnicodeClassRuns.Create();

    [Fact]
    public void The_committed_table_is_what_the_generator_writes_from_this_NET()
    {
        string path = Path.Combine(SharedData.RepoRoot, "runtime", "EdgeTiny.Runtime", "Text", "UnicodeClassRuns.cs");
        string expected = UnicodeClassTable.Source();
        if (File.ReadAllText(path) != expected)
        {
            File.WriteAllText(path, expected);
            Assert.Fail($"{path} was out of date with this .NET's Unicode data and has been rewritten: rebuild and run again");
        }
        output.WriteLine($"{Runs.Length} runs, {Runs.Length * 4} bytes");
    }

    [Fact]
    public void Every_code_point_has_the_class_NET_gives_it()
    {
        int wrong = 0, first = -1;
        for (int cp = 0; cp <= 0x10FFFF; cp++)
            if (UnicodeClasses.Of(Runs, cp) != UnicodeClassTable.Classify(cp) && wrong++ == 0) first = cp;
        Assert.True(wrong == 0, $"{wrong} code points differ, the first U+{first:X4}");
    }

    public static readonly string[] Texts =
    [
        "Hello world", "Hello, World! How are you? I'm fine: thanks; really...", "don't won't can't it's we're they've I'd you'll",
        "DON'T WON'T IT'S WE'RE", "'s 't 'x '", "  two leading spaces", "trailing spaces   ", "a  b   c    d", "\n", " \n ",
        "line one\nline two\n\nafter a blank line", "\r\n\r\n  x", "\ttab\tseparated\tvalues  \t ", "0123456789 12 345 6789 3.14159 -42 +7 1,000,000",
        "2026-11-26 13:20 UTC", "e-mail: someone@example.com, url: https://example.org/a?b=c&d=e", "café naïve résumé façade Ångström",
        "Ελληνικά и русский текст", "日本語のテキストと中文", "한국어", "emoji: 😀🎉👍🏽 and 🦙", "mixed😀text😀without spaces", "x½y²z ⅷ ٣٤",
        "\u00a0non-breaking\u2003em space\u3000ideographic", "((nested)) [[x]] {{y}} !!! ???", "a", "", " ", "  ",
    ];

    public static IEnumerable<object[]> Cases() =>
        from pre in new[] { PreTokenizer.Gpt2, PreTokenizer.Llama3, PreTokenizer.SmolLm, PreTokenizer.Qwen2 }
        from i in Enumerable.Range(0, Texts.Length)
        select new object[] { pre, i };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Words_equal_the_regular_expression(int pre, int text)
    {
        Assert.Equal(RegexWords(pre, Texts[text]), OurWords(pre, Texts[text]));
    }

    [Fact]
    public void Random_text_splits_as_the_regular_expression()
    {
        // Letters, digits, other numbers, spaces of several kinds, line breaks, punctuation, apostrophes, emoji.
        string alphabet = "aZé日Ж5٣½ \t\n\r\u00a0\u3000'.,!-😀sStTdDmMlLrReEvV";
        var runes = alphabet.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var rng = new Random(18);
        int words = 0;
        for (int i = 0; i < 3000; i++)
        {
            string s = string.Concat(Enumerable.Range(0, rng.Next(1, 24)).Select(_ => runes[rng.Next(runes.Length)]));
            foreach (int pre in new[] { PreTokenizer.Gpt2, PreTokenizer.Llama3, PreTokenizer.SmolLm, PreTokenizer.Qwen2 })
            {
                string[] expected = RegexWords(pre, s);
                Assert.True(expected.SequenceEqual(OurWords(pre, s)), $"{PreTokenizer.Name(pre)} on \"{s}\": [{string.Join("|", expected)}] vs [{string.Join("|", OurWords(pre, s))}]");
                words += expected.Length;
            }
        }
        output.WriteLine($"3000 random texts × 4 pre-tokenizers, {words} words, 0 differences");
    }

    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// The words by .NET's regex engine. It matches UTF-16 code units, so each astral code point (here only emoji, class
    /// other) is matched as one BMP private-use character (also other) and put back. SmolLM first isolates each \p{N},
    /// then applies GPT-2's pattern inside each piece (llama.cpp's two regexes in turn).
    /// </summary>
    private static string[] RegexWords(int pre, string text)
    {
        string[] runes = [.. text.EnumerateRunes().Select(r => r.ToString())];
        Assert.All(runes, r => Assert.True(r.Length == 1 || UnicodeClassTable.Classify(char.ConvertToUtf32(r, 0)) == UnicodeClasses.Other));
        string bmp = string.Concat(runes.Select(r => r.Length == 1 ? r : "\uE000"));
        // (?i:...) in .NET would also fold non-ASCII letters; llama.cpp folds ASCII only, so spell the cases out.
        string llama3 = Llama3Pattern.Replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]");
        string pattern = pre == PreTokenizer.Llama3 ? llama3 : pre == PreTokenizer.Qwen2 ? llama3.Replace(@"\p{N}{1,3}", @"\p{N}") : Gpt2Pattern;
        var words = new List<string>();
        void Match(int from, int length)
        {
            foreach (Match m in Regex.Matches(bmp.Substring(from, length), pattern))
                words.Add(string.Concat(runes.Skip(from + m.Index).Take(m.Length)));
        }
        if (pre != PreTokenizer.SmolLm) Match(0, bmp.Length);
        else
        {
            int start = 0;
            for (int i = 0; i < bmp.Length; i++)
            {
                if (!Regex.IsMatch(bmp[i].ToString(), @"\p{N}")) continue;
                if (i > start) Match(start, i - start);
                words.Add(runes[i]);
                start = i + 1;
            }
            if (start < bmp.Length) Match(start, bmp.Length - start);
        }
        return [.. words];
    }

    private static string[] OurWords(int pre, string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int[] cps = new int[utf8.Length], starts = new int[utf8.Length + 1], ends = new int[utf8.Length];
        byte[] classes = new byte[utf8.Length];
        int n = UnicodeClasses.Decode(utf8, utf8.Length, Runs, cps, starts, classes);
        int words = PreTokenizer.Split(pre, cps, classes, n, ends);
        var result = new string[words];
        for (int w = 0, from = 0; w < words; from = ends[w], w++)
            result[w] = Encoding.UTF8.GetString(utf8, starts[from], starts[ends[w]] - starts[from]);
        return result;
    }
}
