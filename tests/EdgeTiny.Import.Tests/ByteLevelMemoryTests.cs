using System.Text;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// What a byte-level vocabulary costs a board: the tokenizer's heap bytes (the "tokenizer" line of the memory ledger,
/// so of every memory plan) for the trained test vocabulary and for one of GPT-2's size (50,000 merges), and what
/// encoding allocates (per call, sized by the text; nothing per merge or per token).
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class ByteLevelMemoryTests(GgufFiles files, ITestOutputHelper output)
{
    [Fact]
    public void The_tokenizer_line_of_the_ledger_is_what_the_tokenizer_holds()
    {
        EtbModel m = GgufFiles.Load(files.Converted("bytelevel"));
        Assert.Equal(m.Tokenizer.HeldBytes, Enumerable.Range(0, m.Ledger.EntryCount).Where(i => m.Ledger.EntryName(i) == "tokenizer").Sum(m.Ledger.EntryBytes));
        output.WriteLine($"trained vocabulary: {m.Tokenizer.VocabSize} tokens, {m.Tokenizer.Merges.Count} merges: tokenizer {m.Tokenizer.HeldBytes:N0} B"
            + $" (merges {m.Tokenizer.Merges.HeldBytes:N0} B, Unicode class table {UnicodeClassRuns.Create().Length * 4:N0} B + header)");
    }

    [Fact]
    public void A_gpt2_sized_vocabulary_costs_about_a_megabyte_and_encoding_allocates_per_call_only()
    {
        // 256 bytes + 50,000 two-byte tokens made by 50,000 merges (GPT-2 has 50,257 tokens and 50,000 merges).
        var tokens = new List<string>(Enumerable.Range(0, 256).Select(b => ByteLevelVocabulary.Encode([(byte)b])));
        var merges = new List<(string, string)>();
        var known = new HashSet<string>(tokens);
        for (int i = 0; merges.Count < 50_000; i++)
        {
            string a = tokens[32 + i / 224 % 224], b = tokens[32 + i % 224];
            if (!known.Add(a + b)) continue;
            merges.Add((a, b));
            tokens.Add(a + b);
        }
        tokens.Add("<|endoftext|>");
        SourceTokenizer source = ByteLevelVocabulary.Build("synthetic", [.. tokens], [.. tokens.Select((_, i) => i == tokens.Count - 1)], merges,
            PreTokenizer.Gpt2, false, tokens.Count - 1, tokens.Count - 1);
        byte[] section = TokenizerSection.Encode(source);
        var t = new Tokenizer(section);
        Assert.Equal(50_000, t.Merges.Count);
        output.WriteLine($"GPT-2-sized: {t.VocabSize:N0} tokens, {t.Merges.Count:N0} merges: section {section.Length:N0} B, tokenizer {t.HeldBytes:N0} B"
            + $" (merges {t.Merges.HeldBytes:N0} B = {(double)t.Merges.HeldBytes / t.Merges.Count:F1} B per merge)");

        string text = "Once upon a time, in 2026, there were 1,234 boats — naïve café 😀 — and they'll sail.";
        var buffer = new int[Tokenizer.MaxTokens(Encoding.UTF8.GetByteCount(text))];
        t.Encode(text, true, false, buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = t.Encode(text, true, false, buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        int bytes = Encoding.UTF8.GetByteCount(text);
        output.WriteLine($"encoding {bytes} UTF-8 bytes into {n} tokens allocated {allocated:N0} B ({(double)allocated / bytes:F1} B per text byte)");
        Assert.True(allocated < 24L * bytes + 1024, $"{allocated} B for {bytes} bytes of text");
    }
}
