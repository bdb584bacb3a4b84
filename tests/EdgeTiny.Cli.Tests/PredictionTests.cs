using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// `bench --board` / `run --board --json` predict time per token with and without the native kernels, split into
/// native kernels, interpreted kernels, glue and SD, from kernel work counted on the real model.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PredictionTests(CliModels models)
{
    private static readonly string[] Parts = ["kernels_native", "kernels_interpreted", "glue", "sd"];

    private static double D(JsonNode? n) => (double)n!;

    [SharedDataFact]
    public void Bench_splits_the_predicted_token_time_for_both_firmwares_and_the_parts_add_up()
    {
        BoardProfile board = BoardProfiles.Wroom;
        CliResult r = CliRunner.Run("bench", models.Q8, "--board", board.Id, "--tokens", "8", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonObject p = r.Json["predicted"]!.AsObject();
        Assert.Equal(0.0, (double)r.Json["allocated_bytes_per_token"]!); // counting allocates nothing
        foreach (string firmware in new[] { "native_kernels", "portable_only" })
        {
            JsonNode f = p[firmware]!, ms = f["ms_per_token"]!;
            double sum = Parts.Sum(part => D(ms[part]));
            Assert.Equal(D(ms["total"]), sum, 3);
            Assert.Equal(1000.0 / D(ms["total"]), D(f["tokens_per_second"]), 2);
            Assert.Contains((string)f["dominant"]!, Parts);
        }
        JsonNode n = p["native_kernels"]!["ms_per_token"]!, po = p["portable_only"]!["ms_per_token"]!;
        // The SD time is the simulated one of the real reads; glue the same in both firmwares.
        Assert.Equal(D(r.Json["io"]!["simulated_ms_per_token"]), D(n["sd"]), 3);
        Assert.Equal(D(n["glue"]), D(po["glue"]));
        Assert.Equal(0.0, D(po["kernels_native"]));
        InterpreterSpec i = board.Interpreter!;
        double factor = (double)i.InstructionsPerOperation * board.KernelMacsPerSecond / i.InstructionsPerSecond;
        // (JSON figures carry 4 decimals: the rounding of the native time, times the factor, is the tolerance.)
        Assert.InRange(D(po["kernels_interpreted"]) - (D(n["kernels_interpreted"]) + D(n["kernels_native"]) * factor), -1e-4 * factor, 1e-4 * factor);
        Assert.True(D(p["portable_only"]!["tokens_per_second"]) < D(p["native_kernels"]!["tokens_per_second"]));
        Assert.Equal(D(p["native_kernels"]!["tokens_per_second"]), D(r.Json["board"]!["predicted_tokens_per_second"]), 2);
    }

    [SharedDataFact]
    public void The_counted_work_is_the_model_s_own()
    {
        CliResult r = CliRunner.Run("bench", models.Q8, "--board", "esp32-s3-devkitc-1-n8r8", "--tokens", "8", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonNode p = r.Json["predicted"]!;
        ModelConfig c = EdgeTiny.Host.EtbFile.ReadHead(models.Q8).Config;
        JsonObject byKernel = p["by_kernel"]!.AsObject();
        // Every matrix of a q8 file is an int8 matvec: the seven projections per layer and the classifier, per token.
        long matvec = c.Layers * (2L * c.Dim * c.Dim + 2L * c.KvDim * c.Dim + 3L * c.HiddenDim * c.Dim) + (long)c.VocabSize * c.Dim;
        Assert.Equal(matvec, D(byKernel["MatVecQ8"]!["operations"]));
        Assert.Equal(7 * c.Layers + 1, D(byKernel["MatVecQ8"]!["calls"]));
        Assert.Equal(2 * c.Layers, D(byKernel["Rope"]!["calls"]));
        Assert.Equal(c.Layers * (c.Dim + c.KvDim), D(byKernel["Rope"]!["operations"]));
        Assert.Equal(c.Layers * c.Heads, D(byKernel["Softmax"]!["calls"]));
        Assert.Equal(byKernel.Sum(k => D(k.Value!["operations"])), D(p["kernel_operations"]), 0);
        Assert.Equal(byKernel.Sum(k => D(k.Value!["calls"])), D(p["kernel_calls"]), 1);
    }

    [SharedDataFact]
    public void Run_json_carries_the_same_prediction_and_a_pi_has_no_interpreted_part()
    {
        GoldenCase g = Golden.Cases[0];
        CliResult r = CliRunner.Run("run", models.Q8, "--prompt", g.Prompt, "--steps", "8", "--temperature", "0", "--board", "raspberry-pi-4b", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string firmware in new[] { "native_kernels", "portable_only" })
        {
            JsonNode ms = r.Json["predicted"]![firmware]!["ms_per_token"]!;
            Assert.Equal((0.0, 0.0), (D(ms["kernels_interpreted"]), D(ms["glue"])));
            Assert.True(D(ms["kernels_native"]) > 0);
        }
        CliResult plain = CliRunner.Run("run", models.Q8, "--prompt", g.Prompt, "--steps", "4", "--json");
        Assert.Null(plain.Json["predicted"]);
    }
}
