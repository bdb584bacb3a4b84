using System.Text.Json.Nodes;

namespace EdgeTiny.Cli.Tests;

[Collection(CliCollection.Name)]
public sealed class InspectAndConvertTests(CliModels models)
{
    [SharedDataFact]
    public void Inspect_verify_json_describes_the_model()
    {
        CliResult r = CliRunner.Run("inspect", models.Q8, "--verify", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject j = r.Json;
        Assert.True(j["verified"]!.GetValue<bool>());
        Assert.Equal(64, (int)j["config"]!["dim"]!);
        Assert.Equal(260032, (long)j["parameters"]!);
        JsonArray sections = j["sections"]!.AsArray();
        Assert.Equal(3 + 1 + 45 + 1 + 1, sections.Count); // … + the self-check
        Assert.Equal("self-check", (string)sections.Single(s => (string)s!["name"]! == "selfcheck")!["kind"]!);
        Assert.Equal("q8", (string)sections.Single(s => (string)s!["name"]! == "L0.wq")!["codec"]!);
        Assert.Equal("f32", (string)sections.Single(s => (string)s!["name"]! == "L0.rms_att")!["codec"]!);
        Assert.Equal(8, (int)j["manifest"]!["bits"]!);
        Assert.Equal("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", (string)j["manifest"]!["source"]!["sha256"]!);
    }

    [SharedDataFact]
    public void Inspect_text_output_lists_sections()
    {
        CliResult r = CliRunner.Run("inspect", models.F32);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("tok_embedding", r.Stdout);
        Assert.Contains("not verified", r.Stdout);
    }

    [SharedDataFact]
    public void Conversion_is_deterministic()
    {
        using var dir = new TempDir();
        string again = dir.File("again.etb");
        CliResult r = CliRunner.Run("convert", SharedData.Stories260K, "--bits", "8", "-o", again);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(File.ReadAllBytes(models.Q8), File.ReadAllBytes(again));
    }

    [SharedDataFact]
    public void Every_command_has_help()
    {
        foreach (string command in new[] { "convert", "inspect", "run" })
        {
            CliResult r = CliRunner.Run(command, "--help");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Usage:", r.Stdout);
        }
    }
}
