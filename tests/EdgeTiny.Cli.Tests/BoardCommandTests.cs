using System.Text.Json.Nodes;

namespace EdgeTiny.Cli.Tests;

/// <summary>`boards`, and `run`/`bench` as a board would run them.</summary>
[Collection(CliCollection.Name)]
public sealed class BoardCommandTests(CliModels models)
{
    [Fact]
    public void Boards_json_lists_every_profile_with_its_sources()
    {
        CliResult r = CliRunner.Run("boards", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonArray boards = r.Json["boards"]!.AsArray();
        string[] ids = boards.Select(b => (string)b!["id"]!).ToArray();
        Assert.Equal(["esp32-s3-devkitc-1-n8r8", "esp32-wroom-32", "esp32-wrover-kit", "raspberry-pi-4b", "raspberry-pi-zero-2w"], ids);
        foreach (JsonNode? b in boards)
        {
            Assert.True(b!["sources"]!.AsObject().Count >= 8);
            Assert.True((long)b["memory"]!["model_budget_bytes"]! <= (long)b["memory"]!["managed_heap_bytes"]!);
            // nanoFramework boards carry the interpreter figures the prediction prices C# with; .NET boards have none.
            Assert.Equal((string)b["runtime"]! == "nanoframework", b["interpreter"] is JsonObject);
        }
    }

    [SharedDataFact]
    public void Run_on_the_wroom_profile_gives_the_golden_tokens_within_its_budget()
    {
        GoldenCase g = Golden.Cases[0];
        CliResult r = CliRunner.Run("run", models.Q8, "--prompt", g.Prompt, "--steps", "48", "--temperature", "0", "--board", "esp32-wroom-32", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject j = r.Json;
        Assert.Equal(g.Generated, j["tokens"]!.AsArray().Select(t => (int)t!));
        long peak = (long)j["memory"]!["peak_bytes"]!, budget = (long)j["memory"]!["budget_bytes"]!;
        Assert.Equal(BoardProfiles.Wroom.Memory.ModelBudgetBytes, budget);
        Assert.True(peak <= budget, $"{peak} > {budget}");
        Assert.True((long)j["io"]!["reads"]! > 0);
        Assert.True((double)j["io"]!["simulated_ms_per_token"]! > 0);
        // A prediction from the board profile and the counted work (deterministic), not a measured speed.
        double predicted = (double)j["board"]!["predicted_tokens_per_second"]!;
        Assert.True(double.IsFinite(predicted) && predicted > 0, $"predicted {predicted} tokens/s");
    }

    [SharedDataFact]
    public void A_budget_too_small_fails_at_load_naming_the_minimum()
    {
        CliResult r = CliRunner.Run("run", models.Q8, "--board", "esp32-wroom-32", "--budget", "16KB", "--steps", "4");
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains("--budget", line);
        Assert.Matches(@"needs at least \d+ bytes .*the budget is 16384 bytes", line);
    }

    [SharedDataFact]
    public void Unknown_board_and_bad_budget_are_named()
    {
        CliResult r = CliRunner.Run("run", models.Q8, "--board", "esp8266");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--board: unknown board 'esp8266' (known: esp32-s3-devkitc-1-n8r8, esp32-wroom-32", Assert.Single(r.ErrorLines));
        r = CliRunner.Run("run", models.Q8, "--budget", "lots");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--budget: 'lots' is not a size", Assert.Single(r.ErrorLines));
    }

    [SharedDataFact]
    public void Bench_json_reports_speed_allocations_and_board_costs()
    {
        CliResult r = CliRunner.Run("bench", models.Q8, "--board", "esp32-wroom-32", "--tokens", "32", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject j = r.Json;
        Assert.True(double.IsFinite((double)j["tokens_per_second"]!)); // this machine's speed is reported, not required
        Assert.Equal(0.0, (double)j["allocated_bytes_per_token"]!);
        Assert.True((double)j["io"]!["reads_per_token"]! > 0);
        Assert.True((long)j["memory"]!["peak_bytes"]! <= BoardProfiles.Wroom.Memory.ModelBudgetBytes);
    }
}
