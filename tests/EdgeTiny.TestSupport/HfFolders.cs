using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.HuggingFace;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.TestSupport;

/// <summary>
/// Writes a model as a Hugging Face folder the way transformers saves a LlamaForCausalLM: config.json, safetensors
/// (F32, F16 or BF16; one file or shards with model.safetensors.index.json), q/k rows permuted into Hugging Face's RoPE
/// layout, and a SentencePiece-style tokenizer.json (BPE with byte fallback, "▁" for spaces, merges ranked by the
/// llama2.c scores).
/// </summary>
public static class HfFolders
{
    public static void Write(SourceModel m, string folder, string dtype = "F32", int shards = 1)
    {
        Directory.CreateDirectory(folder);
        ModelConfig c = m.Config;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["model_type"] = "llama", ["hidden_act"] = "silu",
            ["hidden_size"] = c.Dim, ["intermediate_size"] = c.HiddenDim, ["num_hidden_layers"] = c.Layers,
            ["num_attention_heads"] = c.Heads, ["num_key_value_heads"] = c.KvHeads, ["vocab_size"] = c.VocabSize,
            ["max_position_embeddings"] = c.SeqLen, ["rms_norm_eps"] = c.NormEps, ["rope_theta"] = c.RopeTheta,
            ["tie_word_embeddings"] = c.SharedClassifier, ["rope_scaling"] = null, ["torch_dtype"] = dtype == "F32" ? "float32" : dtype == "F16" ? "float16" : "bfloat16",
            ["bos_token_id"] = m.Tokenizer.Bos, ["eos_token_id"] = m.Tokenizer.Eos,
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());

        var tensors = m.Tensors.Select(t =>
        {
            float[] data = t.Name.EndsWith("." + TensorNames.Wq) ? HfModel.Permute(t.Data, c.Heads, t.Rows, t.Cols)
                : t.Name.EndsWith("." + TensorNames.Wk) ? HfModel.Permute(t.Data, c.KvHeads, t.Rows, t.Cols) : t.Data;
            return (Name: HfModel.HfName(t.Name), Shape: t.IsNorm ? new long[] { t.Cols } : [t.Rows, t.Cols], Data: data);
        }).ToList();
        if (shards == 1) WriteSafetensors(Path.Combine(folder, "model.safetensors"), tensors, dtype);
        else
        {
            var map = new JsonObject();
            int per = (tensors.Count + shards - 1) / shards;
            for (int s = 0; s < shards; s++)
            {
                string name = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
                var part = tensors.Skip(s * per).Take(per).ToList();
                WriteSafetensors(Path.Combine(folder, name), part, dtype);
                foreach (var t in part) map[t.Name] = name;
            }
            File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        }
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerJson(m.Tokenizer).ToJsonString());
    }

    public static void WriteSafetensors(string path, IReadOnlyList<(string Name, long[] Shape, float[] Data)> tensors, string dtype)
    {
        int size = dtype == "F32" ? 4 : 2;
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long at = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = dtype, ["shape"] = new JsonArray([.. t.Shape.Select(v => (JsonNode)v)]),
                ["data_offsets"] = new JsonArray(at, at + (long)t.Data.Length * size),
            };
            at += (long)t.Data.Length * size;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // safetensors pads the header with spaces to 8 bytes
        using var f = File.Create(path);
        var word = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(word, (ulong)(json.Length + pad));
        f.Write(word);
        f.Write(json);
        f.Write(Enumerable.Repeat((byte)' ', pad).ToArray());
        foreach (var t in tensors)
            foreach (float v in t.Data)
            {
                if (dtype == "F32") BinaryPrimitives.WriteSingleLittleEndian(word, v);
                else if (dtype == "F16") BinaryPrimitives.WriteHalfLittleEndian(word, (Half)v);
                else BinaryPrimitives.WriteUInt16LittleEndian(word, Bf16(v));
                f.Write(word, 0, size);
            }
    }

    /// <summary>float → bfloat16, round to nearest even (what torch's .to(torch.bfloat16) does).</summary>
    public static ushort Bf16(float v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(v);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static JsonObject TokenizerJson(SourceTokenizer t)
    {
        if (t.Kind == EdgeTiny.Runtime.Text.Tokenizer.KindByteLevel) return ByteLevelTokenizerJson(t);
        int n = t.Pieces.Length;
        string[] pieces = [.. Enumerable.Range(0, n).Select(i => i switch
        {
            0 => "<unk>", 1 => "<s>", 2 => "</s>",
            _ => Encoding.UTF8.GetString(t.Pieces[i]).Replace(" ", "\u2581"),
        })];
        var ids = new Dictionary<string, int>();
        for (int i = 0; i < n; i++) ids.TryAdd(pieces[i], i);
        var vocab = new JsonObject();
        foreach (var (p, id) in ids) vocab[p] = id;
        // A merge for every piece a split into two pieces makes, highest llama2.c score first.
        var merges = new JsonArray();
        foreach (int i in Enumerable.Range(3, n - 3).OrderByDescending(i => t.Scores[i]))
        {
            string p = pieces[i];
            if (p.StartsWith("<0x", StringComparison.Ordinal)) continue;
            for (int cut = 1; cut < p.Length; cut++)
            {
                if (char.IsLowSurrogate(p[cut])) continue;
                if (ids.ContainsKey(p[..cut]) && ids.ContainsKey(p[cut..]))
                {
                    merges.Add($"{p[..cut]} {p[cut..]}");
                    break;
                }
            }
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 0, ["content"] = "<unk>", ["special"] = true },
                new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true },
                new JsonObject { ["id"] = 2, ["content"] = "</s>", ["special"] = true }),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "\u2581" }),
            },
            ["pre_tokenizer"] = null,
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["unk_token"] = "<unk>", ["fuse_unk"] = true, ["byte_fallback"] = true, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
    }

    /// <summary>
    /// A GPT-2-style tokenizer.json as tokenizers saves one: model BPE (no byte fallback) with vocab and "left right"
    /// merges, the control tokens (BOS, EOS, …) as special added tokens, no normalizer, pre_tokenizer and decoder ByteLevel.
    /// </summary>
    private static JsonObject ByteLevelTokenizerJson(SourceTokenizer t)
    {
        string[] tokens = ByteLevelBpeTrainer.TokenStrings(t);
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Length; i++) vocab[tokens[i]] = i;
        JsonObject Special(int id) => new() { ["id"] = id, ["content"] = tokens[id], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray([.. Enumerable.Range(0, tokens.Length).Where(i => ByteLevelBpeTrainer.IsControl(t, i)).Select(i => (JsonNode)Special(i))]),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            // GPT-2's own tokenizer.json: a ByteLevel post-processor, which adds no BOS.
            ["post_processor"] = t.AddBos ? null : new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. ByteLevelBpeTrainer.MergeStrings(t).Select(m => (JsonNode)m)]),
            },
        };
    }
}
