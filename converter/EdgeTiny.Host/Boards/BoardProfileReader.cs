using System.Text.Json;
using EdgeTiny.Converter;

namespace EdgeTiny.Host.Boards;

/// <summary>
/// Reads and validates a board profile against the rules of boards/board.schema.json: required fields, no unknown
/// fields, values in range, a source for every number. The first problem found is thrown as an
/// <see cref="InputException"/> naming the file and the field.
/// </summary>
public static class BoardProfileReader
{
    public static readonly string[] TopFields = ["id", "name", "runtime", "cpu", "memory", "storage", "sd_pins", "kernel_macs_per_second", "interpreter", "sources"];
    public static readonly string[] Required = ["id", "name", "runtime", "cpu", "memory", "storage", "kernel_macs_per_second", "sources"];
    public static readonly string[] CpuFields = ["name", "mhz", "cores"];
    public static readonly string[] MemoryFields = ["managed_heap_bytes", "model_budget_bytes"];
    public static readonly string[] StorageFields = ["kind", "command_latency_us", "bandwidth_bytes_per_second", "sector_bytes"];
    public static readonly string[] InterpreterFields = ["instructions_per_operation", "glue_instructions_per_kernel_call", "instructions_per_second"];
    public static readonly string[] PinFields = ["mosi", "miso", "clock", "chip_select", "command", "d0", "d1", "d2", "d3"];
    public static readonly string[] Runtimes = ["nanoframework", "dotnet"];
    public static readonly string[] StorageKinds = ["sd-spi", "sd-mmc-1bit", "sd-mmc-4bit", "os-file"];
    public static readonly int[] SectorSizes = [512, 1024, 2048, 4096];

    /// <summary>Field paths whose values must each have an entry in "sources".</summary>
    public static readonly string[] SourcedFields =
    [
        "cpu.mhz", "cpu.cores", "memory.managed_heap_bytes", "memory.model_budget_bytes",
        "storage.command_latency_us", "storage.bandwidth_bytes_per_second", "storage.sector_bytes", "kernel_macs_per_second",
    ];

    public static BoardProfile Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new InputException(path, $"cannot read board profile: {e.Message}");
        }
        return Parse(text, path);
    }

    public static BoardProfile Parse(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InputException(path, $"not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var v = new Validator(path);
            JsonElement root = v.Object(doc.RootElement, "", TopFields, Required);
            string id = v.String(root, "id");
            if (!System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z0-9][a-z0-9-]*$"))
                v.Fail("id", $"'{id}' must be lowercase letters, digits and dashes");
            string runtime = v.Enum(root, "runtime", Runtimes);
            JsonElement cpu = v.Object(root.GetProperty("cpu"), "cpu", CpuFields, CpuFields);
            JsonElement mem = v.Object(root.GetProperty("memory"), "memory", MemoryFields, MemoryFields);
            JsonElement sto = v.Object(root.GetProperty("storage"), "storage", StorageFields, StorageFields);

            var profile = new BoardProfile(
                id,
                v.String(root, "name"),
                runtime,
                new CpuSpec(v.String(cpu, "name", "cpu."), (int)v.Integer(cpu, "mhz", 1, 10_000, "cpu."), (int)v.Integer(cpu, "cores", 1, 256, "cpu.")),
                new MemorySpec(v.Integer(mem, "managed_heap_bytes", 1, long.MaxValue, "memory."), v.Integer(mem, "model_budget_bytes", 1, long.MaxValue, "memory.")),
                new StorageSpec(
                    v.Enum(sto, "kind", StorageKinds, "storage."),
                    (int)v.Integer(sto, "command_latency_us", 0, 1_000_000, "storage."),
                    v.Integer(sto, "bandwidth_bytes_per_second", 1, long.MaxValue, "storage."),
                    (int)v.Integer(sto, "sector_bytes", 1, 4096, "storage.")),
                root.TryGetProperty("sd_pins", out JsonElement pins) ? v.Pins(pins) : null,
                v.Integer(root, "kernel_macs_per_second", 1, long.MaxValue),
                root.TryGetProperty("interpreter", out JsonElement interp) ? v.Interpreter(interp) : null,
                v.Sources(root.GetProperty("sources")),
                path);

            if (!SectorSizes.Contains(profile.Storage.SectorBytes))
                v.Fail("storage.sector_bytes", $"{profile.Storage.SectorBytes} must be one of {string.Join(", ", SectorSizes)}");
            if (profile.Memory.ModelBudgetBytes > profile.Memory.ManagedHeapBytes)
                v.Fail("memory.model_budget_bytes", $"{profile.Memory.ModelBudgetBytes} exceeds managed_heap_bytes {profile.Memory.ManagedHeapBytes}");
            bool sd = profile.Storage.Kind != "os-file";
            if (profile.Runtime == "nanoframework" && !sd)
                v.Fail("storage.kind", "a nanoframework board reads the model from an SD card (sd-spi or sd-mmc-*)");
            if (sd && profile.SdPins is null) v.Fail("sd_pins", $"required for storage kind {profile.Storage.Kind}");
            if (profile.SdPins is not null)
            {
                string[] needed = profile.Storage.Kind == "sd-spi" ? ["mosi", "miso", "clock", "chip_select"]
                    : profile.Storage.Kind == "sd-mmc-1bit" ? ["clock", "command", "d0"] : ["clock", "command", "d0", "d1", "d2", "d3"];
                foreach (string pin in needed)
                    if (!profile.SdPins.ContainsKey(pin)) v.Fail($"sd_pins.{pin}", $"required for storage kind {profile.Storage.Kind}");
            }
            if (profile.Runtime == "nanoframework" && profile.Interpreter is null)
                v.Fail("interpreter", "required for a nanoframework board: the prediction prices interpreted C# with it");
            if (profile.Runtime == "dotnet" && profile.Interpreter is not null)
                v.Fail("interpreter", "a dotnet board has no interpreter (.NET compiles the C#)");
            string[] optional = [.. (profile.SdPins is null ? [] : new[] { "sd_pins" }),
                                 .. (profile.Interpreter is null ? [] : InterpreterFields.Select(f => "interpreter." + f))];
            foreach (string field in SourcedFields.Concat(optional))
                if (!profile.Sources.ContainsKey(field)) v.Fail($"sources.{field}", "missing: every number needs its source");
            foreach (string key in profile.Sources.Keys)
                if (!SourcedFields.Contains(key) && !optional.Contains(key))
                    v.Fail($"sources.{key}", "names no field of the profile");
            string stem = System.IO.Path.GetFileNameWithoutExtension(path);
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && stem != id)
                v.Fail("id", $"'{id}' must match the file name '{stem}'");
            return profile;
        }
    }

    /// <summary>Field-by-field checks, each failing with the file and the JSON path of the field.</summary>
    private sealed class Validator(string path)
    {
        public void Fail(string field, string problem) => throw new InputException(path, $"{field}: {problem}");

        public JsonElement Object(JsonElement e, string at, string[] allowed, string[] required)
        {
            string name = at.Length == 0 ? "profile" : at;
            if (e.ValueKind != JsonValueKind.Object) Fail(name, "must be an object");
            foreach (JsonProperty p in e.EnumerateObject())
                if (!allowed.Contains(p.Name)) Fail(Join(at, p.Name), "unknown field");
            foreach (string r in required)
                if (!e.TryGetProperty(r, out _)) Fail(Join(at, r), "missing required field");
            return e;
        }

        public string String(JsonElement e, string field, string prefix = "")
        {
            JsonElement v = e.GetProperty(field);
            if (v.ValueKind != JsonValueKind.String || v.GetString()!.Trim().Length == 0) Fail(prefix + field, "must be a non-empty string");
            return v.GetString()!;
        }

        public string Enum(JsonElement e, string field, string[] values, string prefix = "")
        {
            string s = String(e, field, prefix);
            if (!values.Contains(s)) Fail(prefix + field, $"'{s}' must be one of {string.Join(", ", values)}");
            return s;
        }

        public long Integer(JsonElement e, string field, long min, long max, string prefix = "")
        {
            JsonElement v = e.GetProperty(field);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n)) Fail(prefix + field, "must be a whole number");
            n = v.GetInt64();
            if (n < min || n > max) Fail(prefix + field, $"{n} is out of range ({min}..{max})");
            return n;
        }

        public InterpreterSpec Interpreter(JsonElement e)
        {
            Object(e, "interpreter", InterpreterFields, InterpreterFields);
            return new InterpreterSpec(
                Integer(e, "instructions_per_operation", 1, 1_000_000_000, "interpreter."),
                Integer(e, "glue_instructions_per_kernel_call", 0, 1_000_000_000, "interpreter."),
                Integer(e, "instructions_per_second", 1, long.MaxValue, "interpreter."));
        }

        public IReadOnlyDictionary<string, int> Pins(JsonElement e)
        {
            Object(e, "sd_pins", PinFields, []);
            return e.EnumerateObject().ToDictionary(p => p.Name, p => (int)Integer(e, p.Name, 0, 48, "sd_pins."));
        }

        public IReadOnlyDictionary<string, string> Sources(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) Fail("sources", "must be an object");
            var map = new Dictionary<string, string>();
            foreach (JsonProperty p in e.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString()!.Trim().Length < 10)
                    Fail($"sources.{p.Name}", "must say where the number comes from (at least 10 characters)");
                map[p.Name] = p.Value.GetString()!;
            }
            return map;
        }

        private static string Join(string at, string name) => at.Length == 0 ? name : $"{at}.{name}";
    }
}
