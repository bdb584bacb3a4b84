using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.IO;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// A sensitivity table (or one shard of it) as a JSON file, and shards merged back into the table. A file says what
/// it was measured on — the source's SHA-256, the calibration tokens' SHA-256, group size, metric, candidates and
/// matrices — and merging refuses files that disagree with the model being converted or with each other, shards
/// missing or given twice. Values are written shortest-round-trip, so merged shards are the one-process table exactly.
/// </summary>
public static class SensitivityParts
{
    public const string Format = "edgetiny-sensitivity";
    public const int Version = 1;

    /// <summary>Writes the jobs <paramref name="table"/>'s shard scored, atomically.</summary>
    public static void Write(SensitivityTable table, string path)
    {
        var values = new JsonArray();
        int K = table.Candidates.Count;
        for (int job = 0; job < table.Matrices.Count * K; job++)
            if (table.Shard.Owns(job)) values.Add(new JsonArray(job / K, job % K, table.Sensitivity[job / K, job % K]));
        JsonObject json = Header(table.Source, table.Calibration, table.Candidates, table.GroupSize, table.Metric);
        json["shard"] = table.Shard.ToString();
        json["sensitivity"] = values;
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
    }

    /// <summary>
    /// The table the shard files <paramref name="paths"/> make together, for this model and calibration (the input
    /// norms Wanda needs come from one reference pass here; nothing is re-scored).
    /// </summary>
    public static SensitivityTable Merge(IReadOnlyList<string> paths, SourceModel source, TokenSequences calibration,
        IReadOnlyList<Candidate> candidates, int groupSize, SensitivityMetric metric, string flag)
    {
        if (paths.Count == 0) throw new InputException(flag, "give at least one sensitivity file");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonObject expected = Header(source, calibration, candidates, groupSize, metric);
        int N = expected["matrices"]!.AsArray().Count, K = candidates.Count;
        var sensitivity = new double[N, K];
        var seen = new string?[N * K];
        var shardsSeen = new Dictionary<int, string>();
        int count = -1;
        foreach (string path in paths)
        {
            if (!File.Exists(path)) throw new InputException(path, $"{flag}: file not found");
            JsonObject json;
            try { json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty"); }
            catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InputException(path, $"{flag}: not a sensitivity file ({e.Message})"); }
            foreach (var (key, value) in expected)
                if (!JsonNode.DeepEquals(json[key], value))
                    throw new InputException(path, $"{flag}: its {key} ({Short(json[key])}) differs from this conversion's ({Short(value)}): measured on another model, calibration or settings");
            SweepShard shard = SweepShard.Parse((string?)json["shard"] ?? "", path);
            if (count >= 0 && shard.Count != count) throw new InputException(path, $"{flag}: shard {shard} is of {shard.Count} shards, the others of {count}");
            count = shard.Count;
            if (shardsSeen.TryGetValue(shard.Index, out string? twice)) throw new InputException(path, $"{flag}: shard {shard} is also in {twice}");
            shardsSeen[shard.Index] = path;
            foreach (JsonNode? entry in json["sensitivity"]?.AsArray() ?? throw new InputException(path, $"{flag}: no sensitivity values"))
            {
                int i = (int)entry![0]!, k = (int)entry[1]!;
                if (i < 0 || i >= N || k < 0 || k >= K || !shard.Owns(i * K + k))
                    throw new InputException(path, $"{flag}: entry [{i}, {k}] is outside shard {shard}");
                sensitivity[i, k] = (double)entry[2]!;
                seen[i * K + k] = path;
            }
        }
        var missing = Enumerable.Range(0, count).Where(i => !shardsSeen.ContainsKey(i)).ToList();
        if (missing.Count > 0) throw new InputException(flag, $"shards {string.Join(", ", missing.Select(i => $"{i}/{count}"))} are missing");
        int hole = Array.IndexOf(seen, null);
        if (hole >= 0) throw new InputException(shardsSeen[hole % count], $"{flag}: no value for matrix {hole / K}, candidate {hole % K}");

        var model = new DenseModel(source);
        CalibrationPass pass = CalibrationPass.Norms(model, calibration);
        return new SensitivityTable(source, model, calibration, candidates, groupSize, metric, pass.InputNorms, sensitivity,
            clock.Elapsed, new SweepCounts(0, calibration.Sequences.Length), SweepShard.All);
    }

    private static JsonObject Header(SourceModel source, TokenSequences calibration, IReadOnlyList<Candidate> candidates, int groupSize, SensitivityMetric metric) => new()
    {
        ["format"] = Format,
        ["version"] = Version,
        ["source_sha256"] = source.SourceSha256,
        ["calibration"] = new JsonObject
        {
            ["source"] = calibration.Source,
            ["seed"] = calibration.Seed,
            ["sequences"] = calibration.Sequences.Length,
            ["tokens"] = calibration.Tokens,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(calibration.Sequences.SelectMany(s => s).ToArray().AsSpan()))),
        },
        ["group_size"] = groupSize,
        ["metric"] = metric == SensitivityMetric.Kl ? "kl" : "mse",
        ["candidates"] = new JsonArray([.. candidates.Select(c => (JsonNode)c.ToString())]),
        ["matrices"] = new JsonArray([.. Runtime.Model.LlamaWeights.MatrixNames(source.Config).Select(m => (JsonNode)m)]),
    };

    private static string Short(JsonNode? node)
    {
        string s = node?.ToJsonString() ?? "missing";
        return s.Length > 80 ? s[..77] + "..." : s;
    }
}
