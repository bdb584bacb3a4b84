using System.Text;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Tests.Text;

/// <summary>llama2.c tokenizer semantics on the real 512-token vocabulary.</summary>
[Collection(Stories260KCollection.Name)]
public sealed class TokenizerTests(ConvertedModels models)
{
    private Tokenizer Tok => ConvertedModels.Load(models.Q8Path).Tokenizer;

    private static int[] Encode(Tokenizer t, string text, bool bos = true, bool eos = false)
    {
        var buffer = new int[Tokenizer.MaxTokens(Encoding.UTF8.GetByteCount(text))];
        return buffer[..t.Encode(text, bos, eos, buffer)];
    }

    private static string Decode(Tokenizer t, int[] tokens)
    {
        var bytes = new List<byte>();
        var piece = new byte[t.MaxTokenLength + 1];
        for (int i = 1; i < tokens.Length; i++) bytes.AddRange(piece[..t.Decode(tokens[i - 1], tokens[i], piece, 0)]);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [SharedDataTheory]
    [InlineData("Once upon a time, there was a little girl named Lily.")]
    [InlineData("\"Hello!\" said Tom.\nThe end.")]
    [InlineData("naïve café — 日本 🙂")]  // not in a 512-token vocabulary: byte fallback
    public void Decode_of_encode_gives_back_the_text(string text)
    {
        Tokenizer t = Tok;
        Assert.Equal(text, Decode(t, Encode(t, text)));
    }

    [SharedDataFact]
    public void Empty_text_is_just_BOS_and_EOS_when_asked()
    {
        Assert.Equal([Tokenizer.DefaultBos], Encode(Tok, ""));
        Assert.Equal([Tokenizer.DefaultBos, Tokenizer.DefaultEos], Encode(Tok, "", eos: true));
        Assert.Equal([], Encode(Tok, "", bos: false));
    }

    [SharedDataFact]
    public void Unknown_characters_fall_back_to_byte_tokens()
    {
        Tokenizer t = Tok;
        int[] tokens = Encode(t, "🙂", bos: false);
        // " " + the four UTF-8 bytes F0 9F 99 82 as tokens byte + 3 (no merges exist for them).
        Assert.Equal([0xF0 + 3, 0x9F + 3, 0x99 + 3, 0x82 + 3], tokens[1..]);
    }

    [SharedDataFact]
    public void Leading_space_is_stripped_only_after_BOS()
    {
        Tokenizer t = Tok;
        int once = Encode(t, "Once", bos: false)[0];
        var piece = new byte[64];
        Assert.Equal("Once", Encoding.UTF8.GetString(piece, 0, t.Decode(t.Bos, once, piece, 0)));
        Assert.Equal(" Once", Encoding.UTF8.GetString(piece, 0, t.Decode(400, once, piece, 0)));
    }

    [SharedDataFact]
    public void Lookup_finds_every_piece_of_the_vocabulary()
    {
        Tokenizer t = Tok;
        for (int id = 0; id < t.VocabSize; id++)
        {
            byte[] p = t.Piece(id);
            int found = t.Lookup(p, 0, p.Length);
            Assert.Equal(p, t.Piece(found));
        }
    }
}
