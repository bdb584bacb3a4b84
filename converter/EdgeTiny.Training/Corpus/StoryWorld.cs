namespace EdgeTiny.Training.Corpus;

public enum StoryGender { Boy, Girl }

/// <summary>
/// A named person of a story. Carries its own pronouns so templates never guess ("he"/"she" must agree with the
/// name chosen at the start: that agreement is one of the things the demo model has to learn).
/// </summary>
public sealed record StoryCharacter(string Name, StoryGender Gender)
{
    public string He => Gender == StoryGender.Boy ? "he" : "she";
    public string Him => Gender == StoryGender.Boy ? "him" : "her";
    public string His => Gender == StoryGender.Boy ? "his" : "her";
    public string Self => Gender == StoryGender.Boy ? "himself" : "herself";
    public string Kid => Gender == StoryGender.Boy ? "boy" : "girl";
}

/// <summary>
/// The vocabulary of one setting: its people and the word lists the shared story grammar draws from. Two worlds
/// with the same grammar but disjoint names and mostly disjoint nouns let a demo show adaptation: a model trained
/// on <see cref="Village"/> text already knows the sentence shapes, so on-device tuning on <see cref="Harbor"/>
/// text only has to learn new words.
/// </summary>
/// <remarks>
/// List entries are plain text or noun entries "singular/plural" (the plural defaults to English rules). An entry
/// may itself contain placeholders (e.g. "a drawing of a {~animal}"), rendered like the templates.
/// </remarks>
public sealed partial class StoryWorld
{
    /// <summary>Word lists every world must provide: the story templates refer to them by these keys.</summary>
    /// <remarks>Computed, not a stored static: the worlds are static properties in other files of this partial
    /// class, and C# leaves the order of static initialisers across partial files unspecified.</remarks>
    public static IReadOnlyList<string> RequiredLists =>
    [
        "town", "home", "place", "time", "fine", "toy", "adj", "color", "food", "pet", "petname", "animal", "trait",
        "good", "bad", "act", "indoor", "spot", "shelter", "far", "travel", "sight", "scary", "storm", "clear",
        "chore", "gift",
    ];

    public string Name { get; }
    public IReadOnlyList<StoryCharacter> Children { get; }
    public IReadOnlyList<StoryCharacter> Adults { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Lists { get; }

    public StoryWorld(string name, IReadOnlyList<StoryCharacter> children, IReadOnlyList<StoryCharacter> adults,
        IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        // Two distinct children per story (hero and friend), and every template key must resolve.
        if (children.Select(c => c.Name).Distinct().Count() < 2) throw new ArgumentException("a world needs at least two distinct children", nameof(children));
        if (adults.Count == 0) throw new ArgumentException("a world needs at least one adult", nameof(adults));
        foreach (string key in RequiredLists)
            if (!lists.TryGetValue(key, out var list) || list.Count < 2)
                throw new ArgumentException($"world '{name}' lacks the word list '{key}' (at least two entries)", nameof(lists));
        Name = name;
        Children = children;
        Adults = adults;
        Lists = lists;
    }

    /// <summary>Every name a reader meets as a person or pet: children, adults and pet names.</summary>
    public IEnumerable<string> CharacterNames =>
        Children.Select(c => c.Name).Concat(Adults.Select(a => a.Name)).Concat(Lists["petname"]).Distinct();

    /// <summary>Distinct words (lower case) in this world's names and lists, placeholders excluded.</summary>
    public int WordCount
    {
        get
        {
            var words = new HashSet<string>(StringComparer.Ordinal);
            IEnumerable<string> texts = Children.Concat(Adults).Select(c => c.Name).Concat(Lists.Values.SelectMany(l => l));
            foreach (string text in texts)
            {
                string plain = System.Text.RegularExpressions.Regex.Replace(text, @"\{[^}]*\}", " ").Replace('/', ' ');
                foreach (string w in CorpusStats.WordsOf(plain)) words.Add(w);
            }
            return words.Count;
        }
    }

    private static StoryCharacter[] Boys(string names) => Split(names).Select(n => new StoryCharacter(n, StoryGender.Boy)).ToArray();
    private static StoryCharacter[] Girls(string names) => Split(names).Select(n => new StoryCharacter(n, StoryGender.Girl)).ToArray();
    private static string[] Split(string entries) => entries.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Lists shared by every world (feelings and colours read the same by the sea as in the village).</summary>
    private static Dictionary<string, IReadOnlyList<string>> Common() => new()
    {
        ["good"] = Split("happy|glad|proud|excited|cheerful|thankful"),
        ["bad"] = Split("sad|worried|upset|lonely|scared|grumpy"),
        ["color"] = Split("red|blue|green|yellow|purple|orange|pink|brown|white"),
    };

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> With(Dictionary<string, IReadOnlyList<string>> own)
    {
        var all = Common();
        foreach (var (key, list) in own) all[key] = list;
        return all;
    }
}
