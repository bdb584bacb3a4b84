using System.Text.Json.Nodes;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// How well the fast sweep (`convert --policy luc --sweep fast`) stands in for the full one, per model (stories260K, the
/// demo model): rank and log correlation of its estimates with the full table's KL, the forward passes and seconds
/// each took, and held-out KL of LUC from each at the budgets of results/luc-curve.json (uniform q7 … q2 sizes); at
/// the same budgets, uniform --budget's choice and edge-llm's plan from the full table and from a fast one.
/// </summary>
public static class SweepQualityRunner
{
    public static JsonObject Run(TextWriter log)
    {
        var result = new JsonObject();
        foreach ((string name, string checkpoint, string tokenizer) in new[]
        {
            ("stories260K", SharedData.Stories260K, SharedData.Tok512),
            ("demo", DemoModel.Checkpoint, Path.Combine(DemoModel.Directory, "tok512.bin")),
        })
            result[name] = Model(log, name, Llama2cCheckpoint.Read(checkpoint, tokenizer));
        return result;
    }

    private static JsonObject Model(TextWriter log, string name, SourceModel source)
    {
        var options = new ConvertOptions { Policy = "luc", BudgetBytes = 1 };
        TokenSequences calibration = TokenSequences.SampleFromModel(source, options.CalibrationSequences, options.CalibrationLength, options.Seed);
        TokenSequences heldOut = TokenSequences.SampleFromModel(source, 8, 128, 4321);
        SensitivityTable full = SensitivityTable.Build(source, calibration, Candidate.Grid, options.GroupSize, SensitivityMetric.Kl);
        SensitivityTable fast = SensitivityTable.Estimate(source, calibration, Candidate.Grid, options.GroupSize);
        log.WriteLine($"{name}: full sweep {full.Elapsed.TotalSeconds:F1} s ({full.Counts.ForwardPasses} passes), fast {fast.Elapsed.TotalSeconds:F1} s ({fast.Counts.ForwardPasses} passes)");

        var estimated = new List<(double Fast, double Full)>();
        for (int i = 0; i < full.Matrices.Count; i++)
            for (int k = 0; k < full.Candidates.Count; k++)
                if (!fast.Measured[i, k]) estimated.Add((fast.Sensitivity[i, k], full.Sensitivity[i, k]));
        double spearman = Pearson(Ranks(estimated.Select(e => e.Fast)), Ranks(estimated.Select(e => e.Full)));
        double logPearson = Pearson([.. estimated.Select(e => Math.Log(Math.Max(e.Fast, 1e-12)))], [.. estimated.Select(e => Math.Log(Math.Max(e.Full, 1e-12)))]);
        log.WriteLine($"  estimates vs full KL over {estimated.Count} entries: Spearman {spearman:F3}, Pearson of logs {logPearson:F3}");

        var eval = new PlanEvaluator(full.Model, heldOut);
        long fixedBytes = ModelConverter.FixedBytes(source, options, calibration);
        var points = new JsonArray();
        foreach (int bits in new[] { 7, 6, 5, 4, 3, 2 })
        {
            long budget = Policies.Uniform(full, new Candidate(bits, 0)).MatrixBytes;
            CompressionPlan fromFull = Policies.Luc(full, budget);
            SensitivityTable table = SensitivityTable.Estimate(source, calibration, Candidate.Grid, options.GroupSize);
            CompressionPlan fromFast = Policies.LucMeasured(table, budget);
            double klFull = eval.Evaluate(fromFull).MeanKl, klFast = eval.Evaluate(fromFast).MeanKl;
            log.WriteLine($"  q{bits} size: KL luc full {klFull:F4}, fast {klFast:F4} ({table.Counts.ForwardPasses} passes vs {full.Counts.ForwardPasses})");
            // uniform --budget and edge-llm at the same budget, from the full table and from a fast one each.
            CompressionPlan uniformFull = Policies.Uniform(full, budget);
            SensitivityTable forUniform = SensitivityTable.Estimate(source, calibration, Candidate.Grid, options.GroupSize);
            CompressionPlan uniformFast = Policies.UniformMeasured(forUniform, budget);
            CompressionPlan edgeFull = Policies.EdgeLlm(full, budget);
            SensitivityTable forEdge = SensitivityTable.Estimate(source, calibration, Candidate.Grid, options.GroupSize);
            CompressionPlan edgeFast = Policies.EdgeLlmMeasured(forEdge, budget);
            double klEdgeFull = eval.Evaluate(edgeFull).MeanKl, klEdgeFast = eval.Evaluate(edgeFast).MeanKl;
            double klUniformFull = eval.Evaluate(uniformFull).MeanKl, klUniformFast = eval.Evaluate(uniformFast).MeanKl;
            log.WriteLine($"    uniform: full {uniformFull.Choices[0].Label} KL {klUniformFull:F4}, fast {uniformFast.Choices[0].Label} KL {klUniformFast:F4} ({forUniform.Counts.ForwardPasses} passes); "
                + $"edge-llm: full KL {klEdgeFull:F4}, fast {klEdgeFast:F4} ({forEdge.Counts.ForwardPasses} passes)");
            points.Add(new JsonObject
            {
                ["budget"] = $"uniform q{bits} size",
                ["file_budget_bytes"] = fixedBytes + budget,
                ["kl_luc_full"] = Math.Round(klFull, 6),
                ["kl_luc_fast"] = Math.Round(klFast, 6),
                ["fast_over_full"] = Math.Round(klFast / klFull, 4),
                ["fast_forward_passes"] = table.Counts.ForwardPasses,
                ["fast_seconds"] = Math.Round(table.Elapsed.TotalSeconds, 2),
                ["fast_plan"] = fromFast.Detail,
                ["uniform_full_choice"] = uniformFull.Choices[0].Label,
                ["uniform_fast_choice"] = uniformFast.Choices[0].Label,
                ["kl_uniform_full"] = Math.Round(klUniformFull, 6),
                ["kl_uniform_fast"] = Math.Round(klUniformFast, 6),
                ["uniform_fast_forward_passes"] = forUniform.Counts.ForwardPasses,
                ["kl_edge_llm_full"] = Math.Round(klEdgeFull, 6),
                ["kl_edge_llm_fast"] = Math.Round(klEdgeFast, 6),
                ["edge_llm_same_plan"] = edgeFull.Detail == edgeFast.Detail.Split("; fast sweep")[0]
                    && edgeFull.Choices.Zip(edgeFast.Choices).All(p => p.First.Encoded.Payload.AsSpan().SequenceEqual(p.Second.Encoded.Payload)),
                ["edge_llm_fast_forward_passes"] = forEdge.Counts.ForwardPasses,
            });
        }
        return new JsonObject
        {
            ["full_sweep"] = new JsonObject { ["seconds"] = Math.Round(full.Elapsed.TotalSeconds, 2), ["forward_passes"] = full.Counts.ForwardPasses },
            ["fast_sweep"] = new JsonObject { ["seconds"] = Math.Round(fast.Elapsed.TotalSeconds, 2), ["forward_passes"] = fast.Counts.ForwardPasses },
            ["estimated_entries"] = estimated.Count,
            ["spearman"] = Math.Round(spearman, 4),
            ["pearson_of_logs"] = Math.Round(logPearson, 4),
            ["points"] = points,
        };
    }

    private static double[] Ranks(IEnumerable<double> values)
    {
        double[] v = [.. values];
        int[] order = [.. Enumerable.Range(0, v.Length).OrderBy(i => v[i])];
        var ranks = new double[v.Length];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks;
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
