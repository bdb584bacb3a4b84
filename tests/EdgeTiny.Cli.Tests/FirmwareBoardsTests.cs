using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeTiny.Cli.Commands;
using EdgeTiny.Host.Boards;

namespace EdgeTiny.Cli.Tests;

/// <summary>firmware/EdgeTiny.Firmware/Boards/*.cs are generated from boards/*.json: the committed files must be current.</summary>
public sealed class FirmwareBoardsTests
{
    private static string BoardsDir => Path.Combine(SharedData.RepoRoot, "firmware", "EdgeTiny.Firmware", "Boards");

    [Fact]
    public void Committed_firmware_board_files_match_the_board_profiles()
    {
        CliResult r = CliRunner.Run("firmware-boards", "--out", BoardsDir, "--check");
        Assert.True(r.ExitCode == 0, "firmware/EdgeTiny.Firmware/Boards is stale; run `edgetiny firmware-boards --out firmware/EdgeTiny.Firmware/Boards`\n" + r);
    }

    [Fact]
    public void Check_names_stale_missing_and_extra_files_and_generation_repairs_them()
    {
        using var dir = new TempDir();
        foreach (string f in Directory.GetFiles(BoardsDir, "*.cs")) File.Copy(f, dir.File(Path.GetFileName(f)));
        File.AppendAllText(dir.File("Esp32Wroom32.cs"), "// edited by hand\n");
        File.Delete(dir.File("Esp32WroverKit.cs"));
        File.WriteAllText(dir.File("OldBoard.cs"), FirmwareBoardsHeader + "boards/old-board.json.\n");

        CliResult check = CliRunner.Run("firmware-boards", "--out", dir.Path, "--check");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Esp32Wroom32.cs: stale", check.Stderr);
        Assert.Contains("Esp32WroverKit.cs: missing", check.Stderr);
        Assert.Contains("OldBoard.cs: no longer generated", check.Stderr);

        Assert.Equal(0, CliRunner.Run("firmware-boards", "--out", dir.Path).ExitCode);
        Assert.Equal(0, CliRunner.Run("firmware-boards", "--out", dir.Path, "--check").ExitCode);
        Assert.False(File.Exists(dir.File("OldBoard.cs")));
        foreach (string f in Directory.GetFiles(BoardsDir, "*.cs"))
            Assert.Equal(File.ReadAllText(f), File.ReadAllText(dir.File(Path.GetFileName(f))));
    }

    [Fact]
    public void Committed_board_files_equal_what_the_generator_writes_now()
    {
        Dictionary<string, string> generated = FirmwareBoardsCommand.Generate(BoardCatalog.LoadAll(ProfilesDir));
        string[] committed = Directory.GetFiles(BoardsDir, "*.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), committed);
        foreach (var (name, text) in generated)
            Assert.True(text == File.ReadAllText(Path.Combine(BoardsDir, name)).ReplaceLineEndings("\n"), $"Boards/{name} differs from the generator's output");
    }

    /// <summary>
    /// Every nanoFramework board's class carries its profile's SD costs (read from boards/*.json directly, not through the
    /// generator's reader), so Program.cs's options.Storage is the card the benchmarks measured; and no class is left without a profile.
    /// </summary>
    [Fact]
    public void Every_generated_board_class_carries_its_profiles_storage_costs()
    {
        var nano = new List<string>();
        foreach (string json in Directory.GetFiles(ProfilesDir, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)))
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = doc.RootElement;
            if (root.GetProperty("runtime").GetString() != "nanoframework") continue;
            string id = root.GetProperty("id").GetString()!;
            JsonElement storage = root.GetProperty("storage");
            string cls = FirmwareBoardsCommand.ClassName(id);
            nano.Add(cls + ".cs");
            string path = Path.Combine(BoardsDir, cls + ".cs");
            Assert.True(File.Exists(path), $"{id}: no generated class {cls}.cs");
            string code = File.ReadAllText(path);
            Assert.Equal(storage.GetProperty("command_latency_us").GetInt64(), Assigned(code, "SdCommandLatencyUs", id));
            Assert.Equal(storage.GetProperty("bandwidth_bytes_per_second").GetInt64(), Assigned(code, "SdBandwidthBytesPerSecond", id));
            Assert.Equal(storage.GetProperty("sector_bytes").GetInt64(), Assigned(code, "SdSectorBytes", id));
            Assert.Equal(root.GetProperty("memory").GetProperty("model_budget_bytes").GetInt64(), Assigned(code, "ModelBudgetBytes", id));
            Assert.Contains($"if (id == \"{id}\") return {cls}.Create();", File.ReadAllText(Path.Combine(BoardsDir, "BoardCatalog.cs")));
        }
        Assert.Equal(3, nano.Count); // esp32-wroom-32, esp32-wrover-kit, esp32-s3-devkitc-1-n8r8
        string[] classes = Directory.GetFiles(BoardsDir, "*.cs").Select(Path.GetFileName).Where(f => f != "BoardCatalog.cs").ToArray()!;
        Assert.Equal(nano.Order(StringComparer.Ordinal), classes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Program_gives_the_planner_the_boards_storage_timing()
    {
        string program = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "firmware", "EdgeTiny.Firmware", "Program.cs"));
        Assert.Contains("options.Storage = board.StorageTiming();", program);
        string pins = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "firmware", "EdgeTiny.Firmware", "BoardPins.cs"));
        Assert.Contains("new SdTimingModel(SdCommandLatencyUs, SdBandwidthBytesPerSecond, SdSectorBytes)", pins);
    }

    private static long Assigned(string code, string field, string id)
    {
        MatchCollection m = Regex.Matches(code, @"^\s*b\." + field + @" = (\d+);$", RegexOptions.Multiline);
        Assert.True(m.Count == 1, $"{id}: expected one assignment of {field}, found {m.Count}");
        return long.Parse(m[0].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string ProfilesDir => Path.Combine(SharedData.RepoRoot, "boards");

    private const string FirmwareBoardsHeader = EdgeTiny.Cli.Commands.FirmwareBoardsCommand.Header;
}
