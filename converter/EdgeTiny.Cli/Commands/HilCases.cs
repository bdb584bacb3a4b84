using System.Text.Json;
using EdgeTiny.Converter;
using EdgeTiny.Converter.IO;

namespace EdgeTiny.Cli.Commands;

/// <summary>One case of a HIL case file.</summary>
public sealed record HilCase(
    string Name, string Kind, string Prompt, int Steps, float Temperature, float TopP, ulong Seed, bool SendText,
    int TopK, double Tolerance, string Command, string ExpectCode)
{
    /// <summary>A tune case: the text file (uploaded to the board) and the settings; loss per step is compared within Tolerance.</summary>
    public string? Text { get; init; }
    public EdgeTiny.Host.TuneOptions? Tune { get; init; }
}

/// <summary>Where the reference model comes from: an .etb file, or a llama2.c checkpoint converted on the fly.</summary>
public sealed record HilModel(string? Etb, string? Source, string? Tokenizer, int Bits, int GroupSize);

/// <summary>
/// A HIL case file (JSON; unknown fields are refused):
/// <code>
/// { "name": "...", "description": "...",
///   "model": { "etb": "path.etb" } | { "source": "${shared}/models/x.bin", "tokenizer": "...", "bits": 8, "group_size": 64 },
///   "cases": [ { "name": "...", "kind": "generate", "prompt": "...", "steps": 48, "temperature": 0, "top_p": 0.9, "seed": 1, "send": "text"|"tokens" },
///              { "name": "...", "kind": "logits", "prompt": "...", "top_k": 8, "tolerance": 1e-4 },
///              { "name": "...", "kind": "error", "command": "tune", "code": "not-supported" } ] }
/// </code>
/// Paths are relative to the case file; <c>${shared}</c> is EDGETINY_SHARED or the shared folder beside the repository
/// (the folder above the case file that holds EdgeTiny.sln), <c>${repo}</c> that repository.
/// </summary>
public sealed record HilCaseFile(string Path, string Name, HilModel Model, IReadOnlyList<HilCase> Cases)
{
    private static readonly string[] Kinds = ["generate", "logits", "error", "tune", "save", "reload", "reset-adapters"];

    public static HilCaseFile Load(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, "case file not found");
        return Parse(InputFiles.ReadText(path, "HIL case"), path);
    }

    /// <summary>A case file from its text; errors name <paramref name="path"/> (relative paths in it resolve beside it).</summary>
    public static HilCaseFile Parse(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new InputException(path, $"not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var ctx = new Ctx(path);
            JsonElement root = doc.RootElement;
            ctx.Object(root, "the file", ["name", "description", "model", "cases"]);
            string name = ctx.String(root, "name", null) ?? System.IO.Path.GetFileNameWithoutExtension(path);
            if (!root.TryGetProperty("model", out JsonElement m)) throw ctx.Error("'model' is missing");
            ctx.Object(m, "model", ["etb", "source", "tokenizer", "bits", "group_size"]);
            var model = new HilModel(ctx.PathValue(m, "etb"), ctx.PathValue(m, "source"), ctx.PathValue(m, "tokenizer"),
                ctx.Int(m, "bits", 32), ctx.Int(m, "group_size", 64));
            if ((model.Etb is null) == (model.Source is null)) throw ctx.Error("model needs either 'etb' or 'source' (+ 'tokenizer')");
            if (model.Source is not null && model.Tokenizer is null) throw ctx.Error("model.source needs model.tokenizer");

            if (!root.TryGetProperty("cases", out JsonElement list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                throw ctx.Error("'cases' must be a non-empty array");
            var cases = new List<HilCase>();
            var names = new HashSet<string>();
            int i = 0;
            foreach (JsonElement c in list.EnumerateArray())
            {
                string where = $"cases[{i++}]";
                ctx.Object(c, where, ["name", "kind", "prompt", "steps", "temperature", "top_p", "seed", "send", "top_k", "tolerance", "command", "code",
                    "text", "layers", "rank", "lr", "seq_len", "rehearsal", "rehearsal_sequences", "optimizer", "schedule"]);
                string kind = ctx.String(c, "kind", null) ?? throw ctx.Error($"{where}: 'kind' is missing");
                if (!Kinds.Contains(kind)) throw ctx.Error($"{where}: kind '{kind}' must be one of {string.Join(", ", Kinds)}");
                string caseName = ctx.String(c, "name", null) ?? $"{kind} {i}";
                if (!names.Add(caseName)) throw ctx.Error($"{where}: name '{caseName}' is used twice");
                string prompt = ctx.String(c, "prompt", "")!;
                int steps = ctx.Int(c, "steps", 48);
                double temperature = ctx.Number(c, "temperature", 0);
                double tolerance = ctx.Number(c, "tolerance", 1e-4);
                int topK = ctx.Int(c, "top_k", 8);
                string send = ctx.String(c, "send", "text")!;
                if (steps < 0 || steps > 4096) throw ctx.Error($"{where}: steps {steps} must be in 0..4096");
                if (temperature < 0) throw ctx.Error($"{where}: temperature must be >= 0");
                if (!(tolerance >= 0)) throw ctx.Error($"{where}: tolerance must be >= 0");
                if (topK < 1 || topK > EdgeTiny.Runtime.Protocol.DeviceProtocol.MaxTopK) throw ctx.Error($"{where}: top_k must be in 1..{EdgeTiny.Runtime.Protocol.DeviceProtocol.MaxTopK}");
                if (send is not ("text" or "tokens")) throw ctx.Error($"{where}: send must be text or tokens");
                string command = ctx.String(c, "command", "")!;
                if (kind == "error" && HilCommand.CommandKind(command) < 0) throw ctx.Error($"{where}: command '{command}' must be tune or save or a number");
                if (kind != "error" && prompt.Length == 0 && kind == "logits") throw ctx.Error($"{where}: a logits case needs a prompt");
                string? text = null;
                EdgeTiny.Host.TuneOptions? tune = null;
                if (kind == "tune")
                {
                    text = ctx.PathValue(c, "text") ?? throw ctx.Error($"{where}: a tune case needs 'text' (a file)");
                    if (!File.Exists(text)) throw ctx.Error($"{where}: text file {text} not found");
                    string optimizer = ctx.String(c, "optimizer", "adam")!, schedule = ctx.String(c, "schedule", "last")!;
                    if (optimizer is not ("adam" or "sgd")) throw ctx.Error($"{where}: optimizer must be adam or sgd");
                    if (schedule is not ("last" or "adaptive")) throw ctx.Error($"{where}: schedule must be last or adaptive");
                    tune = new EdgeTiny.Host.TuneOptions
                    {
                        Window = ctx.Int(c, "layers", 2), Rank = ctx.Int(c, "rank", 4), Steps = ctx.Int(c, "steps", 4),
                        LearningRate = (float)ctx.Number(c, "lr", 5e-4), SequenceLength = ctx.Int(c, "seq_len", 64),
                        RehearsalSteps = ctx.Int(c, "rehearsal", 1), RehearsalSequences = ctx.Int(c, "rehearsal_sequences", 64),
                        Seed = (ulong)ctx.Int(c, "seed", 7),
                        Optimizer = optimizer == "adam" ? EdgeTiny.Runtime.Training.OptimizerKind.Adam : EdgeTiny.Runtime.Training.OptimizerKind.Sgd,
                        Adaptive = schedule == "adaptive",
                    };
                }
                cases.Add(new HilCase(caseName, kind, prompt, steps, (float)temperature, (float)ctx.Number(c, "top_p", 0.9),
                    (ulong)ctx.Int(c, "seed", 1), send == "text", topK, tolerance, command, ctx.String(c, "code", "not-supported")!)
                { Text = text, Tune = tune });
            }
            return new HilCaseFile(System.IO.Path.GetFullPath(path), name, model, cases);
        }
    }

    private sealed class Ctx(string path)
    {
        private readonly string _dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;

        public InputException Error(string message) => new(path, message);

        public void Object(JsonElement e, string where, string[] allowed)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Error($"{where} must be an object");
            foreach (JsonProperty p in e.EnumerateObject())
                if (!allowed.Contains(p.Name)) throw Error($"{where}: unknown field '{p.Name}'");
        }

        public string? String(JsonElement e, string name, string? fallback)
        {
            if (!e.TryGetProperty(name, out JsonElement v)) return fallback;
            if (v.ValueKind != JsonValueKind.String) throw Error($"'{name}' must be a string");
            return v.GetString();
        }

        public int Int(JsonElement e, string name, int fallback)
        {
            if (!e.TryGetProperty(name, out JsonElement v)) return fallback;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Error($"'{name}' must be an integer");
            return i;
        }

        public double Number(JsonElement e, string name, double fallback)
        {
            if (!e.TryGetProperty(name, out JsonElement v)) return fallback;
            if (v.ValueKind != JsonValueKind.Number) throw Error($"'{name}' must be a number");
            return v.GetDouble();
        }

        public string? PathValue(JsonElement e, string name)
        {
            string? raw = String(e, name, null);
            if (raw is null) return null;
            string expanded = raw;
            if (expanded.Contains("${repo}")) expanded = expanded.Replace("${repo}", RepoRoot() ?? throw Error($"{name}: ${{repo}} used, but no EdgeTiny.sln above {_dir}"));
            if (expanded.Contains("${shared}")) expanded = expanded.Replace("${shared}", SharedRoot() ?? throw Error($"{name}: ${{shared}} used, but EDGETINY_SHARED is not set and no shared folder is beside the repository"));
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(_dir, expanded));
        }

        private string? RepoRoot()
        {
            for (var d = new DirectoryInfo(_dir); d is not null; d = d.Parent)
                if (File.Exists(System.IO.Path.Combine(d.FullName, "EdgeTiny.sln"))) return d.FullName;
            return null;
        }

        private string? SharedRoot()
        {
            string? env = Environment.GetEnvironmentVariable("EDGETINY_SHARED");
            if (!string.IsNullOrEmpty(env)) return env;
            string? repo = RepoRoot();
            string? candidate = repo is null ? null : System.IO.Path.Combine(repo, "..", "shared");
            return candidate is not null && Directory.Exists(candidate) ? System.IO.Path.GetFullPath(candidate) : null;
        }
    }
}
