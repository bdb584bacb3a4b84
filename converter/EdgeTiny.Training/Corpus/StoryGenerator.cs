using System.Text;

namespace EdgeTiny.Training.Corpus;

/// <summary>
/// Writes short children's stories from a <see cref="StoryWorld"/>'s word lists and a shared story grammar
/// (<see cref="StoryArcs"/>), deterministically from a seed: the corpus of a tiny demo model (≈250K parameters,
/// 512-token vocabulary, 256-token context) is rebuilt bit for bit from the seed instead of being shipped.
/// </summary>
/// <remarks>
/// Each story: an opening paragraph (who, where), one of the plots (lost and found, sharing, fear overcome, trip,
/// weather change, helping, surprise gift, new friend, animal in need) and a moral, 60–140 words, paragraphs
/// separated by "\n". Hero, friend and adult are drawn once per story and every later sentence refers back to
/// them by name or pronoun; nouns named once ({toy}, {place}…) recur, so the model has to carry them forward.
///
/// Size of the grammar (<see cref="ArcCount"/> and <see cref="TemplateCount"/>; a test keeps these figures
/// honest): 9 plots of 8–10 steps, 79 steps with 243 sentence templates, plus 3 opening steps (20 templates) and
/// one closing step (6): 269 templates, many with inline alternatives. Village: 24 children, 6 adults, 10 pet
/// names, 27 lists of 222 entries, 303 distinct words; Harbor: 20 children, 6 adults, 8 pet names, 205 entries,
/// 288 distinct words, no name shared with Village.
///
/// Measured (seed 1): 2,000 Village stories have 100 words on average, 670 distinct words and 63% distinct
/// sentences (Harbor: 104 words, 646, 60%); over 20,000 stories the vocabulary stays at 670 words and 29% of
/// the sentences are distinct. 20,000 stories take under a second to write.
/// </remarks>
public sealed class StoryGenerator
{
    public const int MinWords = 60;
    public const int MaxWords = 140;

    // A story outside MinWords..MaxWords is drawn again; the grammar makes that rare, so this only stops a bug.
    private const int MaxAttempts = 100;

    private readonly StoryWorld _world;
    private readonly StoryRandom _random;
    private readonly Dictionary<string, string> _bound = new(StringComparer.Ordinal);     // {key} / {key#n} → entry
    private readonly Dictionary<string, string> _rendered = new(StringComparer.Ordinal);  // {key:form} → text, once per story
    private readonly Dictionary<string, HashSet<string>> _used = new(StringComparer.Ordinal);
    private readonly List<List<string>> _paragraphs = [];
    private StoryCharacter _hero = null!, _friend = null!, _adult = null!;

    public StoryGenerator(StoryWorld world, ulong seed)
    {
        _world = world;
        // The world's name goes into the seed: without it, two worlds with one seed would tell the same sequence
        // of plots and casts in different words.
        ulong nameHash = 14695981039346656037UL;                      // FNV-1a
        foreach (char c in world.Name) nameHash = (nameHash ^ c) * 1099511628211UL;
        _random = new StoryRandom(seed ^ nameHash);
    }

    public static int ArcCount => StoryArcs.All.Count;

    /// <summary>Sentence templates in the grammar: openings, plots and closings.</summary>
    public static int TemplateCount =>
        StoryArcs.Opening.Concat(StoryArcs.Closing).Concat(StoryArcs.All.SelectMany(a => a.Steps)).Sum(s => s.Templates.Count);

    /// <summary><paramref name="count"/> stories of one generator: the same seed gives the same sequence.</summary>
    public static IEnumerable<string> Stories(StoryWorld world, ulong seed, int count)
    {
        var generator = new StoryGenerator(world, seed);
        for (int i = 0; i < count; i++) yield return generator.Next();
    }

    public static CorpusStats Stats(IEnumerable<string> stories) => CorpusStats.Measure(stories);

    /// <summary>The next story: ASCII, paragraphs separated by "\n", no trailing newline.</summary>
    public string Next()
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            string story = Compose();
            int words = CorpusStats.CountWords(story);
            if (words >= MinWords && words <= MaxWords) return story;
        }
        throw new InvalidOperationException($"no story of {MinWords}..{MaxWords} words in {MaxAttempts} attempts: the grammar is out of balance");
    }

    private string Compose()
    {
        StoryArc arc = _random.Pick(StoryArcs.All);
        _hero = _random.Pick(_world.Children);
        do _friend = _random.Pick(_world.Children); while (_friend.Name == _hero.Name);
        _adult = _random.Pick(_world.Adults);
        _bound.Clear();
        _rendered.Clear();
        _used.Clear();
        _paragraphs.Clear();
        _paragraphs.Add([]);

        foreach (StoryStep step in StoryArcs.Opening) Run(step, skipFriend: arc.FriendIsNew);
        foreach (StoryStep step in arc.Steps) Run(step, skipFriend: false);
        foreach (StoryStep step in StoryArcs.Closing) Run(step, skipFriend: false);
        return string.Join("\n", _paragraphs.Where(p => p.Count > 0).Select(p => string.Join(" ", p)));
    }

    private void Run(StoryStep step, bool skipFriend)
    {
        if (step.Chance < 1 && !_random.Chance(step.Chance)) return;
        var choices = step.Templates.Where(t => !skipFriend || !t.Contains("{F", StringComparison.Ordinal)).ToList();
        if (step.NewParagraph && _paragraphs[^1].Count > 0) _paragraphs.Add([]);
        int repeats = _random.Between(step.MinRepeat, step.MaxRepeat);
        for (int r = 0; r < repeats && choices.Count > 0; r++)
        {
            // A repeated step never says the same template twice.
            int pick = _random.Next(choices.Count);
            _paragraphs[^1].Add(Finish(Render(choices[pick], 0)));
            choices.RemoveAt(pick);
        }
    }

    /// <summary>Expands alternatives, placeholders and backtick quotes of one template (see <see cref="StoryArcs"/>).</summary>
    private string Render(string template, int depth)
    {
        if (depth > 4) throw new InvalidOperationException($"placeholders nest too deep in '{template}'");
        var sb = new StringBuilder(template.Length + 32);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '[')
            {
                int end = template.IndexOf(']', i);
                string[] options = template[(i + 1)..end].Split('|');
                sb.Append(Render(options[_random.Next(options.Length)], depth + 1));
                i = end;
            }
            else if (c == '{')
            {
                int end = template.IndexOf('}', i);
                sb.Append(Resolve(template[(i + 1)..end], depth));
                i = end;
            }
            else sb.Append(c == '`' ? '"' : c);
        }
        return sb.ToString();
    }

    private string Resolve(string spec, int depth)
    {
        bool fresh = spec.StartsWith('~');
        string key = fresh ? spec[1..] : spec;
        string form = "";
        int colon = key.IndexOf(':');
        if (colon >= 0)
        {
            form = key[(colon + 1)..];
            key = key[..colon];
        }
        switch (key)
        {
            case "H": return Person(_hero, form);
            case "F": return Person(_friend, form);
            case "P": return Person(_adult, form);
        }
        string list = key.Split('#')[0];
        if (fresh) return Render(Form(Choose(list), form), depth + 1);
        if (_rendered.TryGetValue(spec, out string? done)) return done;
        if (!_bound.TryGetValue(key, out string? entry)) _bound[key] = entry = Choose(list);
        return _rendered[spec] = Render(Form(entry, form), depth + 1);
    }

    private static string Person(StoryCharacter c, string form) => form switch
    {
        "" => c.Name,
        "he" => c.He,
        "him" => c.Him,
        "his" => c.His,
        "self" => c.Self,
        "kid" => c.Kid,
        _ => throw new InvalidOperationException($"unknown person form ':{form}'"),
    };

    /// <summary>A word from a list, one the story has not used yet while there are any.</summary>
    private string Choose(string list)
    {
        if (!_world.Lists.TryGetValue(list, out var entries))
            throw new InvalidOperationException($"world '{_world.Name}' has no word list '{list}'");
        if (!_used.TryGetValue(list, out var used)) _used[list] = used = new HashSet<string>(StringComparer.Ordinal);
        int free = entries.Count(e => !used.Contains(e));
        string chosen;
        if (free == 0) chosen = _random.Pick(entries);
        else
        {
            int k = _random.Next(free);
            chosen = entries.Where(e => !used.Contains(e)).ElementAt(k);
        }
        used.Add(chosen);
        return chosen;
    }

    /// <summary>"box/boxes" entries: the singular, or the plural (given, or by the usual English rules).</summary>
    private static string Form(string entry, string form)
    {
        int slash = entry.IndexOf('/');
        if (form == "") return slash < 0 ? entry : entry[..slash];
        if (form != "pl") throw new InvalidOperationException($"unknown word form ':{form}'");
        if (slash >= 0) return entry[(slash + 1)..];
        if (entry.EndsWith('s') || entry.EndsWith('x') || entry.EndsWith('z') || entry.EndsWith("ch") || entry.EndsWith("sh")) return entry + "es";
        if (entry.Length > 1 && entry[^1] == 'y' && !"aeiou".Contains(entry[^2])) return entry[..^1] + "ies";
        return entry + "s";
    }

    /// <summary>Agreement that depends on the words around a placeholder: "a"/"an", capitals.</summary>
    private static string Finish(string sentence) => Capitalize(Articles(sentence));

    private static string Articles(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        for (int i = 0; i < s.Length; i++)
        {
            sb.Append(s[i]);
            bool article = s[i] is 'a' or 'A' && (i == 0 || !char.IsLetter(s[i - 1])) && i + 2 < s.Length && s[i + 1] == ' ';
            if (article && NeedsAn(s, i + 2)) sb.Append('n');
        }
        return sb.ToString();
    }

    private static bool NeedsAn(string s, int at)
    {
        if (at >= s.Length) return false;
        string next = s[at..].ToLowerInvariant();
        if (next.StartsWith("hour") || next.StartsWith("honest")) return true;
        if (next.StartsWith("uni") || next.StartsWith("use") || next.StartsWith("one") || next.StartsWith("eu")) return false;
        return "aeiou".Contains(next[0]);
    }

    /// <summary>Capital at the start, after ". ", "! ", "? " and after an opening quote.</summary>
    private static string Capitalize(string s)
    {
        var chars = s.ToCharArray();
        bool cap = true;
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (char.IsLetter(c))
            {
                if (cap) chars[i] = char.ToUpperInvariant(c);
                cap = false;
            }
            else if (c == '"' && (i == 0 || chars[i - 1] == ' ')) cap = true;
            else if (c is '.' or '!' or '?' && i + 1 < chars.Length && chars[i + 1] == ' ') cap = true;
        }
        return new string(chars);
    }
}
