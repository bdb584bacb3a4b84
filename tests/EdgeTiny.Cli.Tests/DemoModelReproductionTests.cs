using System.Text.Json.Nodes;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Cli.Tests;

/// <summary>The committed demo model is what its committed training command makes.</summary>
public sealed class DemoModelReproductionTests
{
    [SlowFact]
    public void Rerunning_the_committed_training_command_reproduces_the_held_out_loss_within_one_percent()
    {
        JsonObject committed = JsonNode.Parse(File.ReadAllText(DemoModel.Report))!.AsObject();
        string[] words = ((string)committed["command"]!).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["edgetiny", "train"], words[..2]);
        using var dir = new TempDir();
        string output = dir.File("retrained.bin");
        string[] args = [.. words.Skip(1)];
        int o = Array.IndexOf(args, "-o");
        args[o + 1] = output;

        CliResult r = CliRunner.RunWith(new Dictionary<string, string>(), TimeSpan.FromMinutes(25), [.. args, "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        double expected = (double)committed["heldout"]!["loss"]!, actual = (double)r.Json["heldout"]!["loss"]!;
        Assert.True(Math.Abs(actual - expected) <= 0.01 * expected, $"retrained held-out loss {actual}, committed {expected}");
        Assert.True(File.Exists(output) && File.Exists(dir.File("tok512.bin")) && File.Exists(dir.File("retrained.json")));
    }
}
