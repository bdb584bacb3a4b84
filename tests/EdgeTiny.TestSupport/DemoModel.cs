using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.TestSupport;

/// <summary>The demo model committed in models/demo (trained by `edgetiny train`), and prompts for it.</summary>
public static class DemoModel
{
    public static string Directory => System.IO.Path.Combine(SharedData.RepoRoot, "models", "demo");
    public static string Checkpoint => System.IO.Path.Combine(Directory, "village280k.bin");
    public static string Report => System.IO.Path.Combine(Directory, "village280k.json");

    public static readonly string[] PromptTexts =
    [
        "Once upon a time", "One day, Mia", "There was a little dog", "Tom and Lily went to the park", "It was a rainy day",
    ];

    /// <summary>Each prompt encoded (with BOS) by the model's own tokenizer, with its length.</summary>
    public static List<(int[] Tokens, int PromptTokens)> Prompts(SourceModel m)
    {
        var tok = new Tokenizer(TokenizerSection.Encode(m.Tokenizer));
        var result = new List<(int[], int)>();
        foreach (string p in PromptTexts)
        {
            int[] buffer = new int[Tokenizer.MaxTokens(p.Length)];
            int n = tok.Encode(p, true, false, buffer);
            result.Add((buffer[..n], n));
        }
        return result;
    }
}
