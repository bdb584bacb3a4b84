using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// The runtime's tokenizer, built from a GGUF file's tokenizer.ggml.* metadata, gives llama.cpp's token ids on the same
/// file for a varied text set: ASCII prose, punctuation, digits, whitespace runs, newlines and tabs, accented and
/// non-Latin scripts, emoji (byte fallback: stories260K's 512 pieces hold almost no non-ASCII).
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class TokenizerAgreementTests(GgufFiles files, ITestOutputHelper output)
{
    public static readonly string[] Texts =
    [
        "Once upon a time", "Lily and Tom went to the park.", "The little dog", "One day, a bird", "",
        " ", "  two leading spaces", "trailing spaces   ", "a  b   c    d", "\n", "line one\nline two\n\nafter a blank line",
        "\ttab\tseparated\tvalues", "Hello, World! How are you? I'm fine: thanks; really...", "\"quoted\" (parenthesised) [bracketed] {braced}",
        "0123456789 12 345 6789 3.14159 -42 +7 1,000,000", "2026-11-26 13:20 UTC", "e-mail: someone@example.com, url: https://example.org/a?b=c&d=e",
        "café naïve résumé façade Ångström", "Zürich Straße München", "Ελληνικά и русский текст", "日本語のテキストと中文", "한국어",
        "emoji: 😀🎉👍🏽 and 🦙", "mixed😀text😀without spaces", "<s> not a control token </s>", "<0x41> looks like a byte piece",
        "ÿ\u0001\u007f control characters", "UPPER lower MiXeD", "don't won't can't it's", "a",
        "The quick brown fox jumps over the lazy dog.", "She said, \"Let's go!\" and they went.", "x".PadRight(200, 'y'),
        "Tim and Sue like to play with the ball. They run and jump and laugh.",
    ];

    [SharedDataFact]
    public void Our_token_ids_equal_llama_cpp_for_every_text()
    {
        string gguf = files.File("stories");
        EtbModel m = GgufFiles.Load(files.Converted("stories"));
        using var llama = new LlamaCppModel(gguf);
        int tokens = 0, mismatches = 0;
        var failures = new List<string>();
        foreach (string text in Texts)
        {
            int[] theirs = llama.Tokenize(text, bos: true);
            var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
            int[] ours = buffer[..m.Tokenizer.Encode(text, true, false, buffer)];
            tokens += theirs.Length;
            if (!theirs.SequenceEqual(ours))
            {
                mismatches++;
                failures.Add($"\"{text}\": llama.cpp [{string.Join(",", theirs)}], ours [{string.Join(",", ours)}]");
            }
        }
        output.WriteLine($"{Texts.Length} texts, {tokens} llama.cpp tokens, {mismatches} mismatching texts");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SharedDataFact]
    public void Decoding_our_tokens_gives_the_text_back()
    {
        EtbModel m = GgufFiles.Load(files.Converted("stories"));
        foreach (string text in Texts.Where(t => t.Length > 0 && t[0] != ' '))
        {
            var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
            int n = m.Tokenizer.Encode(text, true, false, buffer);
            var bytes = new List<byte>();
            var piece = new byte[m.Tokenizer.MaxTokenLength + 1];
            for (int i = 1; i < n; i++) bytes.AddRange(piece[..m.Tokenizer.Decode(buffer[i - 1], buffer[i], piece, 0)]);
            Assert.Equal(text, System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
        }
    }
}
