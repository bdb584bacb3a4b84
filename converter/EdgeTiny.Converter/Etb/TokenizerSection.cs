using System.Buffers.Binary;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Converter.Etb;

/// <summary>
/// Encodes a tokenizer as the runtime's tokenizer section (the layout is documented on <see cref="Tokenizer"/>): version 1
/// (u32 vocab, u32 max length, per token f32 score, u32 length, bytes) for a SentencePiece-style vocabulary with BOS 1 and
/// EOS 2 — byte for byte what every earlier converter wrote — and version 2 (a header with the kind, pre-tokenizer, flags,
/// BOS and EOS; the same tokens; the merges) for anything else.
/// </summary>
public static class TokenizerSection
{
    public static byte[] Encode(SourceTokenizer t)
    {
        using var ms = new MemoryStream();
        byte[] word = new byte[4];
        void U32(int v) { BinaryPrimitives.WriteInt32LittleEndian(word, v); ms.Write(word); }
        bool version1 = t.Kind == Tokenizer.KindSentencePiece && t.Bos == Tokenizer.DefaultBos && t.Eos == Tokenizer.DefaultEos && t.AddBos;
        if (!version1)
        {
            U32(-1);
            U32(2);
            U32(t.Kind);
            U32(t.PreTokenizer);
            U32((t.IgnoreMerges ? Tokenizer.FlagIgnoreMerges : 0) | (t.AddBos ? 0 : Tokenizer.FlagNoBos));
            U32(t.Bos);
            U32(t.Eos);
        }
        U32(t.Pieces.Length);
        U32(t.MaxTokenLength);
        for (int i = 0; i < t.Pieces.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, t.Scores[i]);
            ms.Write(word);
            U32(t.Pieces[i].Length);
            ms.Write(t.Pieces[i]);
        }
        if (t.Kind == Tokenizer.KindByteLevel)
        {
            U32(t.Merges.Length / 3);
            foreach (int id in t.Merges) U32(id);
        }
        return ms.ToArray();
    }
}
