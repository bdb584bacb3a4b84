using System.Security.Cryptography;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import.Gguf;

/// <summary>
/// A GGUF file of architecture "llama" (Llama 1/2/3, TinyLlama, Mistral-style models without sliding-window tricks:
/// the same graph) as a <see cref="SourceModel"/>: metadata → config, tensors dequantized to float32 and named as in
/// the .etb, tokenizer from the tokenizer.ggml.* metadata. GGUF stores llama's q/k rows in the interleaved-pair RoPE
/// layout the runtime uses (llama.cpp's converter undoes Hugging Face's permutation), so no rows move.
/// </summary>
public static class GgufModel
{
    public static SourceModel Read(string path)
    {
        GgufFile f = GgufFile.Read(path);
        string arch = f.RequireString("general.architecture");
        if (arch != "llama")
            throw new InputException(path, $"architecture '{arch}' is not supported (only 'llama' and models sharing its graph)");

        var byName = f.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        GgufTensorInfo embedding = Require(f, byName, "token_embd.weight");
        int dim = Int(f, "llama.embedding_length");
        int heads = Int(f, "llama.attention.head_count");
        var config = new ModelConfig
        {
            Dim = dim,
            HiddenDim = Int(f, "llama.feed_forward_length"),
            Layers = Int(f, "llama.block_count"),
            Heads = heads,
            KvHeads = (int)(f.OptionalInt("llama.attention.head_count_kv") ?? heads),
            VocabSize = embedding.Shape.Length == 2 ? checked((int)embedding.Shape[1]) : 0,
            SeqLen = Int(f, "llama.context_length"),
            SharedClassifier = !byName.ContainsKey("output.weight"),
            FfnActivation = ModelConfig.ActivationSwiGlu,
            NormEps = f.OptionalFloat("llama.attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeTheta = f.OptionalFloat("llama.rope.freq_base") ?? 10000f,
        };
        SourceLayout.Validate(path, config, "metadata");
        if (f.OptionalInt("llama.vocab_size") is long v && v != config.VocabSize)
            throw new InputException(path, $"metadata llama.vocab_size {v} disagrees with token_embd.weight's {config.VocabSize} rows");
        if (f.OptionalInt("llama.rope.dimension_count") is long rd && rd != config.HeadSize)
            throw new InputException(path, $"llama.rope.dimension_count {rd} differs from the head size {config.HeadSize}: partial RoPE is not supported");
        if (f.Metadata.ContainsKey("llama.rope.scaling.type") && f.Metadata["llama.rope.scaling.type"] is string st && st != "none")
            throw new InputException(path, $"RoPE scaling '{st}' is not supported");
        if (f.Metadata.ContainsKey("llama.expert_count") && f.OptionalInt("llama.expert_count") > 0)
            throw new InputException(path, "mixture-of-experts llama models are not supported");

        var tensors = new List<SourceTensor>();
        foreach (SourceLayout.Slot slot in SourceLayout.Slots(config))
        {
            string name = GgufName(slot.Name);
            GgufTensorInfo info = Require(f, byName, name);
            long[] want = slot.Rows == 1 ? [slot.Cols] : [slot.Cols, slot.Rows];
            if (!info.Shape.SequenceEqual(want))
                throw new InputException(path, $"tensor {name} has shape [{string.Join(", ", info.Shape)}], the metadata ({Describe(config)}) needs [{string.Join(", ", want)}]");
            tensors.Add(new SourceTensor(slot.Name, slot.Rows, slot.Cols, f.ReadFloats(info)));
        }
        SourceLayout.CheckFinite(path, tensors);

        SourceTokenizer tokenizer = GgufTokenizer.Read(f, config.VocabSize);
        string sha = Convert.ToHexStringLower(SHA256.HashData(f.FileBytes));
        string types = string.Join("+", f.Tensors.Select(t => t.Type.ToString()).Distinct().Order());
        return new SourceModel(config, tensors, tokenizer, path, sha) { SourceFormat = $"gguf-v{f.Version}-{types}" };
    }

    /// <summary>The GGUF tensor name (llama.cpp's naming) of an .etb tensor name.</summary>
    public static string GgufName(string etbName)
    {
        int dot = etbName.IndexOf('.');
        if (etbName.StartsWith('L') && dot > 1)
        {
            string layer = etbName[1..dot], part = etbName[(dot + 1)..];
            string g = part switch
            {
                TensorNames.RmsAtt => "attn_norm", TensorNames.Wq => "attn_q", TensorNames.Wk => "attn_k", TensorNames.Wv => "attn_v",
                TensorNames.Wo => "attn_output", TensorNames.RmsFfn => "ffn_norm", TensorNames.W1 => "ffn_gate", TensorNames.W2 => "ffn_down",
                TensorNames.W3 => "ffn_up", _ => throw new ArgumentException(etbName),
            };
            return $"blk.{layer}.{g}.weight";
        }
        return etbName switch
        {
            TensorNames.TokenEmbedding => "token_embd.weight",
            TensorNames.RmsFinal => "output_norm.weight",
            TensorNames.Classifier => "output.weight",
            _ => throw new ArgumentException(etbName),
        };
    }

    private static GgufTensorInfo Require(GgufFile f, Dictionary<string, GgufTensorInfo> byName, string name) =>
        byName.TryGetValue(name, out var t) ? t : throw new InputException(f.Path, $"tensor {name} is missing");

    private static int Int(GgufFile f, string key)
    {
        long v = f.RequireInt(key);
        return v is > 0 and <= int.MaxValue ? (int)v : throw new InputException(f.Path, $"metadata {key} is {v}, must be a positive 32-bit integer");
    }

    private static string Describe(ModelConfig c) => Llama2cCheckpoint.Describe(c);
}
