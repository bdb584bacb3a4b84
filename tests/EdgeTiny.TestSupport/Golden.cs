using System.Runtime.InteropServices;
using System.Text.Json;

namespace EdgeTiny.TestSupport;

/// <summary>One prompt of ../shared/golden/stories260K: the reference C implementation's tokens and logits.</summary>
public sealed record GoldenCase(string Prompt, int PromptTokens, int[] Tokens, string Text, float[][] Logits)
{
    /// <summary>The greedy continuation (the tokens after the prompt).</summary>
    public int[] Generated => Tokens[PromptTokens..];

    public override string ToString() => $"\"{Prompt}\"";
}

public static class Golden
{
    private static readonly Lazy<IReadOnlyList<GoldenCase>> s_cases = new(Load);

    public static IReadOnlyList<GoldenCase> Cases => s_cases.Value;

    /// <summary>Case indices, for [MemberData].</summary>
    public static IEnumerable<object[]> Indices => Enumerable.Range(0, 5).Select(i => new object[] { i });

    private static IReadOnlyList<GoldenCase> Load()
    {
        string dir = SharedData.Path("golden", "stories260K");
        var cases = new List<GoldenCase>();
        foreach (string line in File.ReadLines(System.IO.Path.Combine(dir, "golden.jsonl")).Where(l => l.Trim().Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            int positions = e.GetProperty("positions").GetInt32();
            int vocab = e.GetProperty("vocab").GetInt32();
            byte[] raw = File.ReadAllBytes(System.IO.Path.Combine(dir, e.GetProperty("logits_file").GetString()!));
            float[] all = MemoryMarshal.Cast<byte, float>(raw).ToArray();
            if (all.Length != positions * vocab) throw new InvalidDataException($"logits file has {all.Length} floats, expected {positions * vocab}");
            var rows = Enumerable.Range(0, positions).Select(p => all.AsSpan(p * vocab, vocab).ToArray()).ToArray();
            cases.Add(new GoldenCase(
                e.GetProperty("prompt").GetString()!,
                e.GetProperty("prompt_tokens").GetInt32(),
                e.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
                e.GetProperty("text").GetString()!,
                rows));
        }
        return cases;
    }
}
