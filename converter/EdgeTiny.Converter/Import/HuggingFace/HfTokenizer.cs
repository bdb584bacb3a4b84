using System.Text;
using System.Text.Json;

namespace EdgeTiny.Converter.Import.HuggingFace;

/// <summary>
/// A Hugging Face tokenizer.json of the SentencePiece kind (Llama 2, TinyLlama, Mistral): model BPE with byte_fallback,
/// pieces with "▁" for a space, a normalizer that prepends "▁" and turns spaces into "▁". Merges are ranked; the runtime
/// merges by score, so a piece made by the merge of rank r scores -r (earlier merges win, as in Hugging Face's BPE) and a
/// piece no merge makes scores below any merge (it is never formed by merging). GPT-2-style byte-level BPE
/// (pre_tokenizer ByteLevel) is refused by name: the runtime's tokenizer does not implement it yet.
/// </summary>
public static class HfTokenizer
{
    private const string SpaceMark = "\u2581";
    public const float NeverMerged = -1e30f;

    public static SourceTokenizer Read(string path, int vocabSize)
    {
        if (!File.Exists(path)) throw new InputException(path, "tokenizer not found (a Hugging Face folder needs tokenizer.json)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement, model = root.GetProperty("model");
            string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            if (type != "BPE") throw new InputException(path, $"tokenizer model '{type}' is not supported (BPE)");
            if (root.GetRawText().Contains("\"ByteLevel\"", StringComparison.Ordinal))
                throw new InputException(path, "byte-level BPE (GPT-2 style, pre_tokenizer ByteLevel) is not supported; only SentencePiece-style BPE with byte fallback");
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
            CheckSpecial(path, pieces, "<s>", EdgeTiny.Runtime.Text.Tokenizer.Bos);
            CheckSpecial(path, pieces, "</s>", EdgeTiny.Runtime.Text.Tokenizer.Eos);

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
            return new SourceTokenizer(bytes, scores, bytes.Max(b => b.Length));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException(path, $"is not a tokenizer.json this importer understands: {e.Message}");
        }
    }

    private static void CheckSpecial(string path, string?[] pieces, string piece, int id)
    {
        int at = Array.IndexOf(pieces, piece);
        if (at >= 0 && at != id) throw new InputException(path, $"{piece} has id {at}; the runtime's tokenizer uses {id}");
    }
}
