using System.Text;
using System.Text.Json;

namespace EdgeTiny.Converter.Import.HuggingFace;

/// <summary>
/// A Hugging Face tokenizer.json of the SentencePiece kind (Llama 2, TinyLlama, Mistral): model BPE with byte_fallback,
/// pieces with "▁" for a space, a normalizer that prepends "▁" and turns spaces into "▁". Merges are ranked; the runtime
/// merges by score, so a piece made by the merge of rank r scores -r (earlier merges win, as in Hugging Face's BPE) and a
/// piece no merge makes scores below any merge (it is never formed by merging). GPT-2-style byte-level BPE (model BPE
/// without byte fallback, no normalizer, pre_tokenizer ByteLevel — or a Sequence of Llama 3's or Qwen2's Split pattern or SmolLM's
/// Digits with ByteLevel — decoder ByteLevel) is read by <see cref="ByteLevelVocabulary"/>; special added tokens are
/// control tokens, non-special added tokens are refused (matched in the text before BPE). BOS and EOS are config.json's
/// bos_token_id / eos_token_id (the first, when it lists several), else the ids of "&lt;s&gt;" / "&lt;/s&gt;", else 1 and 2.
/// </summary>
public static class HfTokenizer
{
    private const string SpaceMark = "\u2581";
    public const float NeverMerged = -1e30f;

    /// <summary>The Llama 3 pattern tokenizer.json's Split pre-tokenizer carries (as llama.cpp's llama-bpe).</summary>
    public const string Llama3Pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /// <summary>Qwen2's Split pattern (llama.cpp's qwen2): Llama 3's with one digit a word.</summary>
    public static readonly string Qwen2Pattern = Llama3Pattern.Replace("\\p{N}{1,3}", "\\p{N}");

    public static SourceTokenizer Read(string path, int vocabSize, int? bosId = null, int? eosId = null)
    {
        if (!File.Exists(path)) throw new InputException(path, "tokenizer not found (a Hugging Face folder needs tokenizer.json)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement, model = root.GetProperty("model");
            string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            if (type != "BPE") throw new InputException(path, $"tokenizer model '{type}' is not supported (BPE)");
            if (root.GetRawText().Contains("\"ByteLevel\"", StringComparison.Ordinal))
                return ReadByteLevel(path, root, model, vocabSize, bosId, eosId) with { AddBos = AddsBos(path, root) };
            if (!(model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True))
                throw new InputException(path, "BPE without byte_fallback is not supported (SentencePiece-style BPE with byte fallback only)");

            var pieces = new string?[vocabSize];
            void Put(string piece, int id)
            {
                if (id < 0 || id >= vocabSize) throw new InputException(path, $"token '{piece}' has id {id}, outside the model's vocabulary of {vocabSize}");
                pieces[id] = piece;
            }
            foreach (JsonProperty p in model.GetProperty("vocab").EnumerateObject()) Put(p.Name, p.Value.GetInt32());
            if (root.TryGetProperty("added_tokens", out var added))
                foreach (JsonElement a in added.EnumerateArray()) Put(a.GetProperty("content").GetString()!, a.GetProperty("id").GetInt32());
            int bos = Special(path, pieces, bosId, "<s>", EdgeTiny.Runtime.Text.Tokenizer.DefaultBos);
            int eos = Special(path, pieces, eosId, "</s>", EdgeTiny.Runtime.Text.Tokenizer.DefaultEos);

            var scores = Enumerable.Repeat(NeverMerged, vocabSize).ToArray();
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < vocabSize; i++) if (pieces[i] is string s) ids.TryAdd(s, i);
            int rank = 0;
            foreach (JsonElement m in model.GetProperty("merges").EnumerateArray())
            {
                string merged = m.ValueKind == JsonValueKind.Array ? m[0].GetString() + m[1].GetString() : m.GetString()!.Replace(" ", "");
                if (ids.TryGetValue(merged, out int id) && scores[id] == NeverMerged) scores[id] = -rank;
                rank++;
            }
            // Vocabularies padded beyond the tokenizer (vocab_size rounded up) get unreachable placeholder pieces.
            byte[][] bytes = [.. pieces.Select((p, i) => Encoding.UTF8.GetBytes(p?.Replace(SpaceMark, " ") ?? $"<unused{i}>"))];
            if (bytes.Any(b => b.Length == 0)) throw new InputException(path, "has an empty token");
            return new SourceTokenizer(bytes, scores, bytes.Max(b => b.Length)) { Bos = bos, Eos = eos, AddBos = AddsBos(path, root) };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException(path, $"is not a tokenizer.json this importer understands: {e.Message}");
        }
    }

    /// <summary>
    /// Whether the tokenizer puts BOS before a text: its post_processor's template starts with a special token (Llama's
    /// TemplateProcessing "&lt;s&gt; $A"); a ByteLevel processor or a template without one (GPT-2, SmolLM, Qwen2) adds none.
    /// Without a post_processor BOS is added, as llama2.c's vocabularies always had it (Hugging Face itself would add none).
    /// </summary>
    private static bool AddsBos(string path, JsonElement root) =>
        !root.TryGetProperty("post_processor", out var p) || p.ValueKind == JsonValueKind.Null || ProcessorAddsBos(path, p);

    private static bool ProcessorAddsBos(string path, JsonElement p)
    {
        string type = p.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        return type switch
        {
            "ByteLevel" => false,
            "TemplateProcessing" => p.GetProperty("single") is var single && single.GetArrayLength() > 0 && single[0].TryGetProperty("SpecialToken", out _),
            "Sequence" => p.GetProperty("processors").EnumerateArray().Any(q => ProcessorAddsBos(path, q)),
            _ => throw new InputException(path, $"post_processor '{type}' is not supported (TemplateProcessing, ByteLevel or a Sequence of them)"),
        };
    }

    private static int Special(string path, string?[] pieces, int? configured, string piece, int fallback)
    {
        int id = configured ?? (Array.IndexOf(pieces, piece) is int at and >= 0 ? at : fallback);
        if (id < 0 || id >= pieces.Length) throw new InputException(path, $"special token id {id} is outside the vocabulary of {pieces.Length}");
        return id;
    }

    private static SourceTokenizer ReadByteLevel(string path, JsonElement root, JsonElement model, int vocabSize, int? bosId, int? eosId)
    {
        if (model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True)
            throw new InputException(path, "byte-level BPE with byte_fallback is not supported");
        if (root.TryGetProperty("normalizer", out var norm) && norm.ValueKind != JsonValueKind.Null)
            throw new InputException(path, $"byte-level BPE with a normalizer ({norm.GetProperty("type").GetString()}) is not supported");
        int preTokenizer = PreTokenizerOf(path, root.GetProperty("pre_tokenizer"));
        var tokens = new string?[vocabSize];
        var control = new bool[vocabSize];
        foreach (JsonProperty p in model.GetProperty("vocab").EnumerateObject())
        {
            int id = p.Value.GetInt32();
            if (id < 0 || id >= vocabSize) throw new InputException(path, $"token '{p.Name}' has id {id}, outside the model's vocabulary of {vocabSize}");
            tokens[id] = p.Name;
        }
        if (root.TryGetProperty("added_tokens", out var added))
            foreach (JsonElement a in added.EnumerateArray())
            {
                int id = a.GetProperty("id").GetInt32();
                string content = a.GetProperty("content").GetString()!;
                if (id < 0 || id >= vocabSize) throw new InputException(path, $"added token '{content}' has id {id}, outside the model's vocabulary of {vocabSize}");
                if (!(a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True))
                    throw new InputException(path, $"added token '{content}' is not special: such tokens are matched in the text before BPE, which is not supported");
                tokens[id] = content;
                control[id] = true;
            }
        // Vocabularies padded beyond the tokenizer (vocab_size rounded up) get unreachable control placeholders.
        for (int i = 0; i < vocabSize; i++)
            if (tokens[i] is null)
            {
                tokens[i] = $"<unused{i}>";
                control[i] = true;
            }
        string[] all = [.. tokens.Select(t => t!)];
        int bos = Special(path, all, bosId, "<s>", EdgeTiny.Runtime.Text.Tokenizer.DefaultBos);
        int eos = Special(path, all, eosId, "</s>", EdgeTiny.Runtime.Text.Tokenizer.DefaultEos);
        var merges = model.GetProperty("merges").EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array
            ? (m[0].GetString()!, m[1].GetString()!) : ByteLevelVocabulary.SplitMerge(path, m.GetString()!)).ToList();
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        return ByteLevelVocabulary.Build(path, all, control, merges, preTokenizer, ignoreMerges, bos, eos);
    }

    /// <summary>
    /// The runtime pre-tokenizer a tokenizer.json's pre_tokenizer is: ByteLevel (use_regex, no prefix space) = GPT-2;
    /// Sequence[Split(Llama 3's pattern, Isolated), ByteLevel(no regex)] = llama-bpe; Sequence[Digits(individual),
    /// ByteLevel(use_regex)] = smollm. Anything else is refused, named.
    /// </summary>
    private static int PreTokenizerOf(string path, JsonElement pre)
    {
        static bool Bool(JsonElement e, string key, bool absent) => e.TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.True : absent;
        static string Type(JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        bool ByteLevel(JsonElement e, bool regex) => Type(e) == "ByteLevel" && !Bool(e, "add_prefix_space", true) && Bool(e, "use_regex", true) == regex;
        if (ByteLevel(pre, true)) return EdgeTiny.Runtime.Text.PreTokenizer.Gpt2;
        if (Type(pre) == "Sequence" && pre.GetProperty("pretokenizers") is { ValueKind: JsonValueKind.Array } seq && seq.GetArrayLength() == 2)
        {
            JsonElement first = seq[0], second = seq[1];
            if (Type(first) == "Split" && first.TryGetProperty("pattern", out var pat) && pat.TryGetProperty("Regex", out var rx)
                && first.GetProperty("behavior").GetString() == "Isolated" && !Bool(first, "invert", false) && ByteLevel(second, false))
            {
                if (rx.GetString() == Llama3Pattern) return EdgeTiny.Runtime.Text.PreTokenizer.Llama3;
                if (rx.GetString() == Qwen2Pattern) return EdgeTiny.Runtime.Text.PreTokenizer.Qwen2;
            }
            if (Type(first) == "Digits" && Bool(first, "individual_digits", false) && ByteLevel(second, true))
                return EdgeTiny.Runtime.Text.PreTokenizer.SmolLm;
        }
        throw new InputException(path, $"byte-level pre_tokenizer {pre.GetRawText()} is not supported (ByteLevel with GPT-2's regex, Llama 3's or Qwen2's Split + ByteLevel, SmolLM's Digits + ByteLevel)");
    }
}
