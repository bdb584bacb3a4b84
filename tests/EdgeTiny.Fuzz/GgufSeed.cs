using System.Text;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;

namespace EdgeTiny.Fuzz;

/// <summary>
/// A GGUF v3 file written byte by byte after the GGUF specification (ggml's docs/gguf.md), laid out as llama.cpp's
/// converters lay out a llama model: llama.* hyperparameters, a SentencePiece-style tokenizer.ggml.* vocabulary and F32
/// tensors named token_embd, blk.N.attn_q, …, aligned to 32 bytes. (The tests' GgufExport writes through ggml itself,
/// but it brings llama.cpp's 110 MB of native builds; the fuzz build is copied twice per run.)
/// </summary>
public static class GgufSeed
{
    private const uint U32 = 4, I32 = 5, F32 = 6, Bool = 7, Str = 8, Arr = 9;
    private const int Alignment = 32;

    public static byte[] Write(SourceModel m)
    {
        var c = m.Config;
        var kv = new List<Action<BinaryWriter>>();
        void Meta(string key, uint type, Action<BinaryWriter> value) => kv.Add(w => { String(w, key); w.Write(type); value(w); });
        Meta("general.architecture", Str, w => String(w, "llama"));
        Meta("general.name", Str, w => String(w, "edgetiny-fuzz"));
        Meta("general.alignment", U32, w => w.Write((uint)Alignment));
        Meta("llama.context_length", U32, w => w.Write((uint)c.SeqLen));
        Meta("llama.embedding_length", U32, w => w.Write((uint)c.Dim));
        Meta("llama.feed_forward_length", U32, w => w.Write((uint)c.HiddenDim));
        Meta("llama.block_count", U32, w => w.Write((uint)c.Layers));
        Meta("llama.attention.head_count", U32, w => w.Write((uint)c.Heads));
        Meta("llama.attention.head_count_kv", U32, w => w.Write((uint)c.KvHeads));
        Meta("llama.rope.dimension_count", U32, w => w.Write((uint)c.HeadSize));
        Meta("llama.attention.layer_norm_rms_epsilon", F32, w => w.Write(c.NormEps));
        Meta("llama.rope.freq_base", F32, w => w.Write(c.RopeTheta));

        int n = m.Tokenizer.Pieces.Length;
        var tokens = new string[n];
        var types = new int[n];
        for (int i = 0; i < n; i++)
        {
            string piece = Encoding.UTF8.GetString(m.Tokenizer.Pieces[i]);
            bool isByte = piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece.EndsWith('>');
            (tokens[i], types[i]) = i switch
            {
                0 => ("<unk>", GgufTokenizer.TypeUnknown),
                1 => ("<s>", GgufTokenizer.TypeControl),
                2 => ("</s>", GgufTokenizer.TypeControl),
                _ => (piece.Replace(" ", "\u2581"), isByte ? GgufTokenizer.TypeByte : GgufTokenizer.TypeNormal),
            };
        }
        Meta("tokenizer.ggml.model", Str, w => String(w, "llama"));
        Meta("tokenizer.ggml.tokens", Arr, w => { w.Write(Str); w.Write((ulong)n); foreach (string t in tokens) String(w, t); });
        Meta("tokenizer.ggml.scores", Arr, w => { w.Write(F32); w.Write((ulong)n); foreach (float s in m.Tokenizer.Scores) w.Write(s); });
        Meta("tokenizer.ggml.token_type", Arr, w => { w.Write(I32); w.Write((ulong)n); foreach (int t in types) w.Write(t); });
        Meta("tokenizer.ggml.bos_token_id", U32, w => w.Write(1u));
        Meta("tokenizer.ggml.eos_token_id", U32, w => w.Write(2u));
        Meta("tokenizer.ggml.add_bos_token", Bool, w => w.Write(true));

        using var ms = new MemoryStream();
        using var bw = new BinaryWriter(ms); // little-endian, as GGUF is
        bw.Write(GgufFile.Magic);
        bw.Write(3u);
        bw.Write((ulong)m.Tensors.Count);
        bw.Write((ulong)kv.Count);
        foreach (var write in kv) write(bw);
        long offset = 0;
        foreach (SourceTensor t in m.Tensors)
        {
            String(bw, GgufModel.GgufName(t.Name));
            long[] shape = t.IsNorm ? [t.Cols] : [t.Cols, t.Rows]; // ggml lists the row length first
            bw.Write((uint)shape.Length);
            foreach (long d in shape) bw.Write((ulong)d);
            bw.Write(0u); // GGML_TYPE_F32
            bw.Write((ulong)offset);
            offset = Align(offset + (long)t.Data.Length * 4);
        }
        Pad(bw);
        long dataStart = ms.Position;
        foreach (SourceTensor t in m.Tensors)
        {
            foreach (float v in t.Data) bw.Write(v);
            Pad(bw, dataStart);
        }
        bw.Flush();
        return ms.ToArray();
    }

    private static long Align(long at) => (at + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w, long from = 0)
    {
        long at = w.BaseStream.Position - from;
        for (long i = at; i < Align(at); i++) w.Write((byte)0);
    }

    private static void String(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length);
        w.Write(b);
    }
}
