using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;

namespace EdgeTiny.Converter.Tests;

/// <summary>Board profiles: the shipped ones are valid, and every kind of bad profile is refused naming file and field.</summary>
public sealed class BoardProfileTests
{
    private static string BoardsDir => Path.Combine(SharedData.RepoRoot, "boards");
    private static string Wroom => File.ReadAllText(Path.Combine(BoardsDir, "esp32-wroom-32.json"));

    private static InputException Refused(string json, string file = "bad.json") =>
        Assert.Throws<InputException>(() => BoardProfileReader.Parse(json, file));

    private static string Edit(Action<JsonObject> change)
    {
        JsonObject o = JsonNode.Parse(Wroom)!.AsObject();
        change(o);
        return o.ToJsonString();
    }

    [Fact]
    public void Every_shipped_profile_is_valid_and_has_the_five_required_boards()
    {
        var boards = BoardCatalog.LoadAll(BoardsDir);
        Assert.Equal(["esp32-s3-devkitc-1-n8r8", "esp32-wroom-32", "esp32-wrover-kit", "raspberry-pi-4b", "raspberry-pi-zero-2w"], boards.Select(b => b.Id));
        // What the reader returns is what the file says (compared with a plain JSON read, not with restated numbers).
        BoardProfile wroom = boards.Single(b => b.Id == "esp32-wroom-32");
        JsonNode raw = JsonNode.Parse(Wroom)!;
        Assert.Equal(((long)raw["memory"]!["managed_heap_bytes"]!, (long)raw["memory"]!["model_budget_bytes"]!),
            (wroom.Memory.ManagedHeapBytes, wroom.Memory.ModelBudgetBytes));
        Assert.Equal(((int)raw["storage"]!["command_latency_us"]!, (long)raw["storage"]!["bandwidth_bytes_per_second"]!, (int)raw["storage"]!["sector_bytes"]!),
            (wroom.Storage.CommandLatencyUs, wroom.Storage.BandwidthBytesPerSecond, wroom.Storage.SectorBytes));
        Assert.Equal("sd-spi", wroom.Storage.Kind);
    }

    [Fact]
    public void Validator_and_schema_name_the_same_fields()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(BoardsDir, "board.schema.json")));
        JsonElement props = schema.RootElement.GetProperty("properties");
        Assert.Equal(BoardProfileReader.TopFields.Order(), props.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(BoardProfileReader.Required.Order(), schema.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order());
        string[] Names(string obj) => props.GetProperty(obj).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(BoardProfileReader.CpuFields.Order(), Names("cpu"));
        Assert.Equal(BoardProfileReader.MemoryFields.Order(), Names("memory"));
        Assert.Equal(BoardProfileReader.StorageFields.Order(), Names("storage"));
        Assert.Equal(BoardProfileReader.PinFields.Order(), Names("sd_pins"));
        Assert.Equal(BoardProfileReader.InterpreterFields.Order(), Names("interpreter"));
        Assert.Equal(BoardProfileReader.StorageKinds.Order(), props.GetProperty("storage").GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).Order());
    }

    [Fact]
    public void The_interpreter_figures_are_required_on_nanoframework_boards_refused_on_dotnet_ones_and_sourced()
    {
        Assert.Equal("interpreter: required for a nanoframework board: the prediction prices interpreted C# with it",
            Refused(Edit(o => o.Remove("interpreter"))).Message);
        Assert.Equal("interpreter: a dotnet board has no interpreter (.NET compiles the C#)",
            Refused(Edit(o => { o["runtime"] = "dotnet"; o["storage"]!["kind"] = "os-file"; o.Remove("sd_pins"); o["sources"]!.AsObject().Remove("sd_pins"); })).Message);
        Assert.Equal("sources.interpreter.instructions_per_second: missing: every number needs its source",
            Refused(Edit(o => o["sources"]!.AsObject().Remove("interpreter.instructions_per_second"))).Message);
        Assert.Equal("interpreter.speed: unknown field", Refused(Edit(o => o["interpreter"]!["speed"] = 1)).Message);
        Assert.StartsWith("interpreter.instructions_per_second: 0 is out of range", Refused(Edit(o => o["interpreter"]!["instructions_per_second"] = 0)).Message);
    }

    [Fact]
    public void Bad_json_is_refused() => Assert.Contains("not valid JSON", Refused("{ \"id\": ").Message);

    [Fact]
    public void Unknown_field_is_refused()
    {
        Assert.Equal("storage.speed: unknown field", Refused(Edit(o => o["storage"]!["speed"] = 3)).Message);
        Assert.Equal("colour: unknown field", Refused(Edit(o => o["colour"] = "blue")).Message);
    }

    [Fact]
    public void Negative_bandwidth_is_refused() =>
        Assert.StartsWith("storage.bandwidth_bytes_per_second: -5 is out of range", Refused(Edit(o => o["storage"]!["bandwidth_bytes_per_second"] = -5)).Message);

    [Fact]
    public void Missing_source_is_refused()
    {
        InputException e = Refused(Edit(o => o["sources"]!.AsObject().Remove("storage.command_latency_us")));
        Assert.Equal("bad.json", e.Subject);
        Assert.Equal("sources.storage.command_latency_us: missing: every number needs its source", e.Message);
    }

    [Fact]
    public void Impossible_values_are_refused()
    {
        Assert.Contains("exceeds managed_heap_bytes", Refused(Edit(o => o["memory"]!["model_budget_bytes"] = 10_000_000)).Message);
        Assert.Contains("must be one of 512", Refused(Edit(o => o["storage"]!["sector_bytes"] = 100)).Message);
        Assert.Contains("'ssd' must be one of", Refused(Edit(o => o["storage"]!["kind"] = "ssd")).Message);
        Assert.Contains("sd_pins.chip_select: required", Refused(Edit(o => o["sd_pins"]!.AsObject().Remove("chip_select"))).Message);
        Assert.Contains("must be a whole number", Refused(Edit(o => o["cpu"]!["mhz"] = "fast")).Message);
        Assert.Contains("memory.managed_heap_bytes: missing required field", Refused(Edit(o => o["memory"]!.AsObject().Remove("managed_heap_bytes"))).Message);
        Assert.Contains("names no field", Refused(Edit(o => o["sources"]!["storage.speed"] = "a made-up field")).Message);
        Assert.Contains("must match the file name", Refused(Wroom, "/x/other-board.json").Message);
    }
}
