using System.Text.Json.Nodes;

namespace EdgeTiny.Cli.Tests;

[Collection(CliCollection.Name)]
public sealed class RunCommandTests(CliModels models)
{
    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Greedy_run_json_prints_the_golden_tokens(int index)
    {
        GoldenCase g = Golden.Cases[index];
        CliResult r = CliRunner.Run("run", models.F32, "--prompt", g.Prompt, "--steps", "48", "--temperature", "0", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject json = r.Json;
        Assert.Equal(g.Tokens[..g.PromptTokens], json["prompt_tokens"]!.AsArray().Select(t => (int)t!));
        Assert.Equal(g.Generated, json["tokens"]!.AsArray().Select(t => (int)t!));
        Assert.EndsWith(json["text"]!.GetValue<string>(), g.Text);
        Assert.True(double.IsFinite(json["tokens_per_second"]!.GetValue<double>())); // reported, not a speed requirement
        Assert.True(json["memory"]!["peak_bytes"]!.GetValue<long>() > 0);
        Assert.Equal(0, json["io"]!["bytes"]!.GetValue<long>()); // no budget: everything resident, nothing read while generating
    }

    [SharedDataFact]
    public void Resident_gates_read_less_from_the_card_and_give_the_same_tokens()
    {
        JsonObject Run(params string[] extra)
        {
            CliResult r = CliRunner.Run(["run", models.Q8Packed, "--prompt", "The little dog", "--steps", "24", "--temperature", "0",
                "--board", "esp32-s3-devkitc-1-n8r8", "--stream-ffn", .. extra, "--json"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return r.Json;
        }
        JsonObject onCard = Run(), inRam = Run("--resident-gates");
        Assert.Equal(onCard["tokens"]!.ToJsonString(), inRam["tokens"]!.ToJsonString());
        double cardBytes = onCard["io"]!["bytes_per_token"]!.GetValue<double>(), ramBytes = inRam["io"]!["bytes_per_token"]!.GetValue<double>();
        Assert.True(ramBytes > 0, "bundles still come from the card");
        // The five q8 gates of stories260K are 58,480 bytes; each forward pass no longer reads them.
        Assert.True(cardBytes - ramBytes > 50_000, $"bytes per token: gates on card {cardBytes}, in RAM {ramBytes}");
    }

    [SharedDataFact]
    public void Seeded_sampling_is_reproducible()
    {
        string[] args = ["run", models.Q8, "--prompt", "The little dog", "--steps", "30", "--temperature", "0.9", "--seed", "123", "--json"];
        CliResult a = CliRunner.Run(args), b = CliRunner.Run(args);
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Json["tokens"]!.ToJsonString(), b.Json["tokens"]!.ToJsonString());
        Assert.Equal(123UL, a.Json["seed"]!.GetValue<ulong>());
    }

    [SharedDataFact]
    public void Human_output_streams_the_story_to_stdout()
    {
        CliResult r = CliRunner.Run("run", models.F32, "--prompt", "Once upon a time", "--steps", "48", "--temperature", "0");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith(Golden.Cases[0].Text, r.Stdout);
    }
}
