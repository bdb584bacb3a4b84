using System.Buffers.Binary;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Converter.Etb;

/// <summary>Encodes a tokenizer as the runtime's tokenizer section: u32 vocab, u32 max length, then per token f32 score, u32 length, bytes.</summary>
public static class TokenizerSection
{
    public static byte[] Encode(SourceTokenizer t)
    {
        using var ms = new MemoryStream();
        byte[] word = new byte[4];
        void U32(int v) { BinaryPrimitives.WriteInt32LittleEndian(word, v); ms.Write(word); }
        U32(t.Pieces.Length);
        U32(t.MaxTokenLength);
        for (int i = 0; i < t.Pieces.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, t.Scores[i]);
            ms.Write(word);
            U32(t.Pieces[i].Length);
            ms.Write(t.Pieces[i]);
        }
        return ms.ToArray();
    }
}
