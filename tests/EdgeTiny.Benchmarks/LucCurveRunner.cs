using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// KL vs file bytes for the luc, edge-llm and uniform policies on stories260K, at the byte sizes of uniform q7 … q2
/// (between ~2.5 and ~8 effective bits per weight), each measured on held-out model-sampled text; the smallest LUC file
/// with mean KL ≤ 0.05; and the wall time of one `convert --policy luc`.
/// </summary>
public static class LucCurveRunner
{
    public static JsonObject Run(TextWriter log)
    {
        SourceModel source = Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512);
        var options = new ConvertOptions { Policy = "luc", BudgetBytes = 200 * 1024 };
        TokenSequences calibration = TokenSequences.SampleFromModel(source, options.CalibrationSequences, options.CalibrationLength, options.Seed);
        TokenSequences heldOut = TokenSequences.SampleFromModel(source, 8, 128, 4321);
        SensitivityTable table = SensitivityTable.Build(source, calibration, Candidate.Grid, options.GroupSize, SensitivityMetric.Kl);
        log.WriteLine($"sensitivity sweep: {table.Elapsed.TotalSeconds:F1} s");
        var eval = new PlanEvaluator(table.Model, heldOut);
        long fixedBytes = ModelConverter.FixedBytes(source, options, calibration);
        long fp32File = fixedBytes + Policies.Uniform(table, Candidate.Float).MatrixBytes;

        JsonObject Point(CompressionPlan plan)
        {
            PlanQuality q = eval.Evaluate(plan);
            long file = fixedBytes + plan.MatrixBytes;
            return new JsonObject
            {
                ["file_bytes"] = file,
                ["effective_bits_per_weight"] = Math.Round(file * 8.0 / source.ParameterCount, 3),
                ["kl"] = Math.Round(q.MeanKl, 6),
                ["top1_agreement"] = Math.Round(q.Top1Agreement, 4),
                ["perplexity"] = Math.Round(q.Perplexity, 4),
                ["plan"] = plan.Detail,
            };
        }

        var points = new JsonArray();
        foreach (int bits in new[] { 7, 6, 5, 4, 3, 2 })
        {
            CompressionPlan uniform = Policies.Uniform(table, new Candidate(bits, 0));
            long budget = uniform.MatrixBytes;
            var point = new JsonObject
            {
                ["budget"] = $"uniform q{bits} size",
                ["file_budget_bytes"] = fixedBytes + budget,
                ["uniform"] = Point(uniform),
                ["luc"] = Point(Policies.Luc(table, budget)),
                ["edge_llm"] = Point(Policies.EdgeLlm(table, budget)),
            };
            log.WriteLine($"{point["budget"]}: KL uniform {point["uniform"]!["kl"]}, luc {point["luc"]!["kl"]}, edge-llm {point["edge_llm"]!["kl"]}");
            points.Add(point);
        }

        // Smallest LUC file with held-out mean KL ≤ 0.05: bisection on the budget (KL falls as the budget grows).
        long lo = 60_000, hi = fp32File - fixedBytes;
        CompressionPlan? best = null;
        while (hi - lo > 512)
        {
            long mid = (lo + hi) / 2;
            CompressionPlan p = Policies.Luc(table, mid);
            if (eval.Evaluate(p).MeanKl <= 0.05) { hi = mid; best = p; } else lo = mid;
        }
        JsonObject smallest = Point(best ?? Policies.Luc(table, hi));
        smallest["ratio_vs_fp32"] = Math.Round((double)fp32File / (long)smallest["file_bytes"]!, 3);
        log.WriteLine($"smallest luc file with KL <= 0.05: {smallest["file_bytes"]} B, {smallest["ratio_vs_fp32"]}x smaller than fp32 ({fp32File} B)");

        // One real conversion, end to end, timed.
        string output = Path.Combine(Path.GetTempPath(), $"edgetiny-luc-{Environment.ProcessId}.etb");
        var clock = Stopwatch.StartNew();
        ConversionReport report = ModelConverter.Convert(source, options, output);
        clock.Stop();
        File.Delete(output);
        log.WriteLine($"convert --policy luc --budget 200KB: {clock.Elapsed.TotalSeconds:F1} s, {report.FileBytes} B");

        return new JsonObject
        {
            ["model"] = "stories260K",
            ["calibration"] = new JsonObject { ["source"] = calibration.Source, ["tokens"] = calibration.Tokens, ["seed"] = calibration.Seed },
            ["held_out"] = new JsonObject { ["source"] = heldOut.Source, ["tokens"] = heldOut.Tokens, ["seed"] = heldOut.Seed },
            ["candidates"] = string.Join(", ", Candidate.Grid.Select(c => c.ToString())),
            ["sensitivity_sweep_seconds"] = Math.Round(table.Elapsed.TotalSeconds, 2),
            ["fp32_file_bytes"] = fp32File,
            ["points"] = points,
            ["smallest_with_kl_at_most_0_05"] = smallest,
            ["convert_luc_200KB"] = new JsonObject { ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2), ["file_bytes"] = report.FileBytes },
        };
    }
}
