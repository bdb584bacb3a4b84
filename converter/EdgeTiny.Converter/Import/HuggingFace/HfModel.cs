using System.Security.Cryptography;
using System.Text.Json;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import.HuggingFace;

/// <summary>
/// A Hugging Face model folder: config.json (LlamaForCausalLM, and MistralForCausalLM without a sliding window
/// shorter than its context), model.safetensors or the shards a model.safetensors.index.json lists (F32/F16/BF16), and
/// tokenizer.json. Hugging Face stores each head's q/k rows in the "rotate half" RoPE layout (its conversion script
/// permuted Meta's rows); they are permuted back to the interleaved pairs the runtime (and llama2.c, and GGUF) uses.
/// </summary>
public static class HfModel
{
    public static bool IsFolder(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, "config.json"));

    /// <summary>config.json's bos_token_id / eos_token_id: a number, or the first of a list (generation stops at that one only).</summary>
    private static int? SpecialId(JsonElement cfg, string key) => !cfg.TryGetProperty(key, out var v) ? null : v.ValueKind switch
    {
        JsonValueKind.Number => v.GetInt32(),
        JsonValueKind.Array when v.GetArrayLength() > 0 && v[0].ValueKind == JsonValueKind.Number => v[0].GetInt32(),
        _ => null,
    };

    public static SourceModel Read(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) throw new InputException(folder, "is a folder without config.json (expected a Hugging Face model folder)");
        JsonElement cfg;
        try
        {
            cfg = JsonDocument.Parse(File.ReadAllBytes(configPath)).RootElement;
        }
        catch (JsonException e)
        {
            throw new InputException(configPath, $"is not valid JSON: {e.Message}");
        }
        string arch = cfg.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 ? a[0].GetString() ?? "" : "";
        if (arch is not ("LlamaForCausalLM" or "MistralForCausalLM"))
            throw new InputException(configPath, $"architecture '{arch}' is not supported (LlamaForCausalLM, MistralForCausalLM)");
        int Int(string key) => cfg.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i > 0
            ? i : throw new InputException(configPath, $"{key} is missing or not a positive integer");
        int? OptInt(string key) => cfg.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        float? OptFloat(string key) => cfg.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : null;
        bool Flag(string key) => cfg.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;

        if (cfg.TryGetProperty("hidden_act", out var act) && act.GetString() is not ("silu" or null))
            throw new InputException(configPath, $"hidden_act '{act.GetString()}' is not supported (silu)");
        if (cfg.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind != JsonValueKind.Null)
            throw new InputException(configPath, "rope_scaling is not supported");
        if (Flag("attention_bias") || Flag("mlp_bias")) throw new InputException(configPath, "attention/MLP biases are not supported");
        int heads = Int("num_attention_heads");
        var config = new ModelConfig
        {
            Dim = Int("hidden_size"),
            HiddenDim = Int("intermediate_size"),
            Layers = Int("num_hidden_layers"),
            Heads = heads,
            KvHeads = OptInt("num_key_value_heads") ?? heads,
            VocabSize = Int("vocab_size"),
            SeqLen = Int("max_position_embeddings"),
            NormEps = OptFloat("rms_norm_eps") ?? 1e-6f,
            RopeTheta = OptFloat("rope_theta") ?? 10000f,
            FfnActivation = ModelConfig.ActivationSwiGlu,
        };
        if (OptInt("head_dim") is int hd && hd != config.Dim / heads)
            throw new InputException(configPath, $"head_dim {hd} differs from hidden_size / num_attention_heads ({config.Dim / heads})");
        if (OptInt("sliding_window") is int sw && sw < config.SeqLen)
            throw new InputException(configPath, $"sliding_window {sw} is shorter than the context {config.SeqLen}: sliding-window attention is not supported");

        Dictionary<string, (SafetensorsEntry Entry, long DataStart)> entries = Tensors(folder);
        bool tied = cfg.TryGetProperty("tie_word_embeddings", out var t) ? t.ValueKind == JsonValueKind.True : !entries.ContainsKey("lm_head.weight");
        config.SharedClassifier = tied;
        SourceLayout.Validate(configPath, config, "config.json:");

        var tensors = new List<SourceTensor>();
        foreach (SourceLayout.Slot slot in SourceLayout.Slots(config))
        {
            string name = HfName(slot.Name);
            if (!entries.TryGetValue(name, out var e)) throw new InputException(folder, $"tensor {name} is missing");
            long[] want = slot.Rows == 1 ? [slot.Cols] : [slot.Rows, slot.Cols];
            if (!e.Entry.Shape.SequenceEqual(want))
                throw new InputException(e.Entry.File, $"tensor {name} has shape [{string.Join(", ", e.Entry.Shape)}], config.json ({Llama2cCheckpoint.Describe(config)}) needs [{string.Join(", ", want)}]");
            float[] data = Safetensors.ReadFloats(e.Entry, e.DataStart);
            if (slot.Name.EndsWith("." + TensorNames.Wq)) data = Unpermute(data, config.Heads, slot.Rows, slot.Cols);
            if (slot.Name.EndsWith("." + TensorNames.Wk)) data = Unpermute(data, config.KvHeads, slot.Rows, slot.Cols);
            tensors.Add(new SourceTensor(slot.Name, slot.Rows, slot.Cols, data));
        }
        SourceLayout.CheckFinite(folder, tensors);
        SourceTokenizer tokenizer = HfTokenizer.Read(Path.Combine(folder, "tokenizer.json"), config.VocabSize, SpecialId(cfg, "bos_token_id"), SpecialId(cfg, "eos_token_id"));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string f in entries.Values.Select(e => e.Entry.File).Distinct().Order().Prepend(configPath)) sha.AppendData(File.ReadAllBytes(f));
        string dtypes = string.Join("+", entries.Values.Select(e => e.Entry.DType).Distinct().Order());
        return new SourceModel(config, tensors, tokenizer, folder, Convert.ToHexStringLower(sha.GetHashAndReset())) { SourceFormat = $"hf-safetensors-{dtypes}" };
    }

    /// <summary>
    /// Hugging Face's permutation of q/k rows, undone: within each head of size hs, HF row j·hs/2 + i holds the
    /// interleaved layout's row 2i + j (j = 0, 1).
    /// </summary>
    public static float[] Unpermute(float[] hf, int heads, int rows, int cols) => MoveRows(hf, heads, rows, cols, toHf: false);

    /// <summary>The inverse of <see cref="Unpermute"/> (what Hugging Face's conversion does), for writers.</summary>
    public static float[] Permute(float[] w, int heads, int rows, int cols) => MoveRows(w, heads, rows, cols, toHf: true);

    /// <summary>Copies every row between its interleaved place (h·hs + 2i + j) and its HF place (h·hs + j·hs/2 + i).</summary>
    private static float[] MoveRows(float[] from, int heads, int rows, int cols, bool toHf)
    {
        int hs = rows / heads, half = hs / 2;
        var to = new float[from.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                {
                    long interleaved = (long)(h * hs + 2 * i + j) * cols, hf = (long)(h * hs + j * half + i) * cols;
                    Array.Copy(from, toHf ? interleaved : hf, to, toHf ? hf : interleaved, cols);
                }
        return to;
    }

    /// <summary>The Hugging Face tensor name of an .etb tensor name.</summary>
    public static string HfName(string etbName)
    {
        int dot = etbName.IndexOf('.');
        if (etbName.StartsWith('L') && dot > 1)
        {
            string layer = etbName[1..dot];
            string part = etbName[(dot + 1)..] switch
            {
                TensorNames.RmsAtt => "input_layernorm", TensorNames.Wq => "self_attn.q_proj", TensorNames.Wk => "self_attn.k_proj",
                TensorNames.Wv => "self_attn.v_proj", TensorNames.Wo => "self_attn.o_proj", TensorNames.RmsFfn => "post_attention_layernorm",
                TensorNames.W1 => "mlp.gate_proj", TensorNames.W2 => "mlp.down_proj", TensorNames.W3 => "mlp.up_proj",
                _ => throw new ArgumentException(etbName),
            };
            return $"model.layers.{layer}.{part}.weight";
        }
        return etbName switch
        {
            TensorNames.TokenEmbedding => "model.embed_tokens.weight",
            TensorNames.RmsFinal => "model.norm.weight",
            TensorNames.Classifier => "lm_head.weight",
            _ => throw new ArgumentException(etbName),
        };
    }

    private static Dictionary<string, (SafetensorsEntry, long)> Tensors(string folder)
    {
        string single = Path.Combine(folder, "model.safetensors"), index = Path.Combine(folder, "model.safetensors.index.json");
        var result = new Dictionary<string, (SafetensorsEntry, long)>(StringComparer.Ordinal);
        void AddFile(string file)
        {
            if (!File.Exists(file)) throw new InputException(file, "safetensors shard not found");
            foreach (var (name, e) in Safetensors.ReadHeader(file, out long start)) result[name] = (e, start);
        }
        if (File.Exists(index))
        {
            Dictionary<string, string> map;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
                map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InputException(index, $"is not a safetensors index (a weight_map of tensor → shard): {e.Message}");
            }
            foreach (string shard in map.Values.Distinct()) AddFile(Path.Combine(folder, Path.GetFileName(shard)));
            foreach (var (name, shard) in map)
                if (!result.TryGetValue(name, out var e) || Path.GetFileName(e.Item1.File) != Path.GetFileName(shard))
                    throw new InputException(index, $"lists {name} in {shard}, which does not hold it");
        }
        else if (File.Exists(single)) AddFile(single);
        else throw new InputException(folder, "has neither model.safetensors nor model.safetensors.index.json");
        return result;
    }
}
