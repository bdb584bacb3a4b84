namespace EdgeTiny.Training.Corpus;

/// <summary>
/// How varied a corpus is. A tiny model trained on text with few distinct sentences memorises them; the tests hold
/// the generator to a distinct-sentence ratio and a vocabulary size so that it has to learn grammar instead.
/// </summary>
/// <param name="Words">Words: runs of letters (an apostrophe inside a word keeps it whole), lower-cased.</param>
/// <param name="Sentences">Sentences as <see cref="SplitSentences"/> finds them.</param>
public sealed record CorpusStats(int Stories, long Words, int DistinctWords, long Sentences, int DistinctSentences)
{
    public double DistinctSentenceRatio => Sentences == 0 ? 0 : (double)DistinctSentences / Sentences;
    public double WordsPerStory => Stories == 0 ? 0 : (double)Words / Stories;

    public static CorpusStats Measure(IEnumerable<string> stories)
    {
        int count = 0;
        long words = 0, sentences = 0;
        var distinctWords = new HashSet<string>(StringComparer.Ordinal);
        var distinctSentences = new HashSet<string>(StringComparer.Ordinal);
        foreach (string story in stories)
        {
            count++;
            foreach (string w in WordsOf(story))
            {
                words++;
                distinctWords.Add(w);
            }
            foreach (string s in SplitSentences(story))
            {
                sentences++;
                distinctSentences.Add(s);
            }
        }
        return new CorpusStats(count, words, distinctWords.Count, sentences, distinctSentences.Count);
    }

    /// <summary>The words of a text, lower-cased.</summary>
    public static IEnumerable<string> WordsOf(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetter(text[i])) { i++; continue; }
            int start = i;
            while (i < text.Length && (char.IsLetter(text[i]) || (text[i] == '\'' && i + 1 < text.Length && char.IsLetter(text[i + 1])))) i++;
            yield return text[start..i].ToLowerInvariant();
        }
    }

    /// <summary>Number of words in a text (as <see cref="WordsOf"/> counts them), without allocating them.</summary>
    public static int CountWords(string text)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
            if (char.IsLetter(text[i]) && (i == 0 || !(char.IsLetter(text[i - 1]) || text[i - 1] == '\''))) n++;
        return n;
    }

    /// <summary>
    /// Splits a text into sentences: at a line break, or after ".", "!" or "?" outside a quotation when a capital
    /// letter or an opening quote follows. A quotation that opens a sentence runs on into its dialogue tag
    /// (<c>"Wait!" Tom said.</c> is one sentence); one that ends a sentence (<c>Tom said, "Wait!"</c>) ends it there.
    /// </summary>
    public static IEnumerable<string> SplitSentences(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            int start = 0;
            bool inQuote = false, quoteEndsSentence = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                bool ends;
                if (c == '"')
                {
                    inQuote = !inQuote;
                    if (inQuote) quoteEndsSentence = i >= 2 && line[i - 1] == ' ' && line[i - 2] is ',' or ':';
                    ends = !inQuote && quoteEndsSentence && line[i - 1] is '.' or '!' or '?';
                }
                else ends = !inQuote && c is '.' or '!' or '?';
                if (!ends || i + 2 >= line.Length || line[i + 1] != ' ') continue;
                char next = line[i + 2];
                if (!char.IsUpper(next) && next != '"') continue;
                yield return line[start..(i + 1)];
                start = i + 2;
            }
            if (start < line.Length) yield return line[start..];
        }
    }
}
