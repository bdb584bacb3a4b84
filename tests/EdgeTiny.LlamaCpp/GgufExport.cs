using System.Runtime.InteropServices;
using System.Text;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.LlamaCpp;

/// <summary>
/// Writes a model as a GGUF file (F32 tensors, SentencePiece-style "llama" tokenizer) with ggml's own GGUF writer,
/// as llama.cpp's converters lay it out: llama.* hyperparameters, tokenizer.ggml.* vocabulary (spaces as "▁",
/// "&lt;0xHH&gt;" pieces typed BYTE, ids 0/1/2 UNKNOWN/CONTROL/CONTROL), tensors named token_embd, blk.N.attn_q, …
/// </summary>
public static unsafe class GgufExport
{
    private const int GgmlF32 = 0;

    /// <summary>
    /// Writes the model; with <paramref name="quantize"/>, every matrix whose rows are a multiple of the type's block is
    /// stored in that type by ggml's reference quantizer (quantize_row_*_ref), the others stay F32 — what
    /// llama_model_quantize cannot do for stories260K, whose FFN rows of 172 values are no multiple of 32.
    /// </summary>
    public static void Write(SourceModel model, string path, string name = "edgetiny-test", GgmlType? quantize = null, bool tokenizer = true)
    {
        ModelConfig c = model.Config;
        IntPtr gguf = GgmlNative.gguf_init_empty();
        long dataBytes = model.Tensors.Sum(t => (long)t.Data.Length * 4);
        var init = new GgmlNative.InitParams
        {
            MemSize = (nuint)(dataBytes + (long)(model.Tensors.Count + 8) * ((long)GgmlNative.ggml_tensor_overhead() + 64) + (1 << 20)),
        };
        IntPtr ctx = GgmlNative.ggml_init(init);
        try
        {
            GgmlNative.gguf_set_val_str(gguf, "general.architecture", "llama");
            GgmlNative.gguf_set_val_str(gguf, "general.name", name);
            GgmlNative.gguf_set_val_u32(gguf, "general.file_type", 0); // ALL_F32
            GgmlNative.gguf_set_val_u32(gguf, "llama.context_length", (uint)c.SeqLen);
            GgmlNative.gguf_set_val_u32(gguf, "llama.embedding_length", (uint)c.Dim);
            GgmlNative.gguf_set_val_u32(gguf, "llama.feed_forward_length", (uint)c.HiddenDim);
            GgmlNative.gguf_set_val_u32(gguf, "llama.block_count", (uint)c.Layers);
            GgmlNative.gguf_set_val_u32(gguf, "llama.attention.head_count", (uint)c.Heads);
            GgmlNative.gguf_set_val_u32(gguf, "llama.attention.head_count_kv", (uint)c.KvHeads);
            GgmlNative.gguf_set_val_u32(gguf, "llama.rope.dimension_count", (uint)c.HeadSize);
            GgmlNative.gguf_set_val_f32(gguf, "llama.attention.layer_norm_rms_epsilon", c.NormEps);
            GgmlNative.gguf_set_val_f32(gguf, "llama.rope.freq_base", c.RopeTheta);
            if (tokenizer) WriteTokenizer(gguf, model.Tokenizer);

            foreach (SourceTensor t in model.Tensors)
            {
                bool quantized = quantize is GgmlType q && !t.IsNorm && t.Cols % GgmlTypes.BlockSize(q) == 0;
                int type = quantized ? (int)quantize!.Value : GgmlF32;
                IntPtr tensor = t.IsNorm ? GgmlNative.ggml_new_tensor_1d(ctx, type, t.Cols) : GgmlNative.ggml_new_tensor_2d(ctx, type, t.Cols, t.Rows);
                GgmlNative.ggml_set_name(tensor, GgufModel.GgufName(t.Name));
                void* data = (void*)GgmlNative.ggml_get_data(tensor);
                if (quantized) fixed (float* x = t.Data) GgmlNative.Quantize(quantize!.Value, x, data, t.Data.Length);
                else t.Data.AsSpan().CopyTo(new Span<float>(data, t.Data.Length));
                GgmlNative.gguf_add_tensor(gguf, tensor);
            }
            if (!GgmlNative.gguf_write_to_file(gguf, path, false)) throw new IOException($"ggml's gguf_write_to_file failed for {path}");
        }
        finally
        {
            GgmlNative.ggml_free(ctx);
            GgmlNative.gguf_free(gguf);
        }
    }

    private static void WriteTokenizer(IntPtr gguf, SourceTokenizer tok)
    {
        if (tok.Kind == EdgeTiny.Runtime.Text.Tokenizer.KindByteLevel)
        {
            WriteByteLevelTokenizer(gguf, tok);
            return;
        }
        int n = tok.Pieces.Length;
        var texts = new string[n];
        var types = new int[n];
        for (int i = 0; i < n; i++)
        {
            string piece = Encoding.UTF8.GetString(tok.Pieces[i]);
            bool isByte = piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece.EndsWith('>');
            (texts[i], types[i]) = i switch
            {
                0 => ("<unk>", GgufTokenizer.TypeUnknown),
                1 => ("<s>", GgufTokenizer.TypeControl),
                2 => ("</s>", GgufTokenizer.TypeControl),
                _ => (piece.Replace(" ", "\u2581"), isByte ? GgufTokenizer.TypeByte : GgufTokenizer.TypeNormal),
            };
        }
        GgmlNative.gguf_set_val_str(gguf, "tokenizer.ggml.model", "llama");
        SetStrings(gguf, "tokenizer.ggml.tokens", texts);
        fixed (float* s = tok.Scores) GgmlNative.gguf_set_arr_data(gguf, "tokenizer.ggml.scores", GgmlNative.GgufFloat32, s, (nuint)n);
        fixed (int* t = types) GgmlNative.gguf_set_arr_data(gguf, "tokenizer.ggml.token_type", GgmlNative.GgufInt32, t, (nuint)n);
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.unknown_token_id", 0);
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.bos_token_id", (uint)tok.Bos);
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.eos_token_id", (uint)tok.Eos);
        GgmlNative.gguf_set_val_bool(gguf, "tokenizer.ggml.add_bos_token", tok.AddBos);
        GgmlNative.gguf_set_val_bool(gguf, "tokenizer.ggml.add_eos_token", false);
    }

    /// <summary>
    /// A byte-level BPE vocabulary as llama.cpp's converter writes one: tokenizer.ggml.model "gpt2", the pre-tokenizer's
    /// name in tokenizer.ggml.pre, tokens in GPT-2's byte alphabet (control tokens — BOS, EOS, … — CONTROL, the rest NORMAL), the
    /// merges as "left right" strings by rank, the BOS/EOS ids and add_bos_token.
    /// </summary>
    private static void WriteByteLevelTokenizer(IntPtr gguf, SourceTokenizer tok)
    {
        int n = tok.Pieces.Length;
        int[] types = [.. Enumerable.Range(0, n).Select(i => EdgeTiny.TestSupport.ByteLevelBpeTrainer.IsControl(tok, i) ? GgufTokenizer.TypeControl : GgufTokenizer.TypeNormal)];
        GgmlNative.gguf_set_val_str(gguf, "tokenizer.ggml.model", "gpt2");
        GgmlNative.gguf_set_val_str(gguf, "tokenizer.ggml.pre", EdgeTiny.Runtime.Text.PreTokenizer.Name(tok.PreTokenizer));
        SetStrings(gguf, "tokenizer.ggml.tokens", EdgeTiny.TestSupport.ByteLevelBpeTrainer.TokenStrings(tok));
        fixed (int* t = types) GgmlNative.gguf_set_arr_data(gguf, "tokenizer.ggml.token_type", GgmlNative.GgufInt32, t, (nuint)n);
        SetStrings(gguf, "tokenizer.ggml.merges", EdgeTiny.TestSupport.ByteLevelBpeTrainer.MergeStrings(tok));
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.bos_token_id", (uint)tok.Bos);
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.eos_token_id", (uint)tok.Eos);
        GgmlNative.gguf_set_val_bool(gguf, "tokenizer.ggml.add_bos_token", tok.AddBos);
        GgmlNative.gguf_set_val_bool(gguf, "tokenizer.ggml.add_eos_token", false);
    }

    private static void SetStrings(IntPtr gguf, string key, string[] values)
    {
        var handles = values.Select(s => Marshal.StringToCoTaskMemUTF8(s)).ToArray();
        try
        {
            fixed (IntPtr* p = handles) GgmlNative.gguf_set_arr_str(gguf, key, p, (nuint)values.Length);
        }
        finally
        {
            foreach (IntPtr h in handles) Marshal.FreeCoTaskMem(h);
        }
    }
}
