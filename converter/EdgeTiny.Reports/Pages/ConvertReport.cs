using System.Text.Json.Nodes;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports.Pages;

/// <summary>`convert --report`: what the converter decided per matrix, what it measured to decide, and how packing laid out the FFNs.</summary>
public static class ConvertReport
{
    public static ReportPage Build(JsonObject j)
    {
        var page = new ReportPage($"EdgeTiny convert: {Path.GetFileName(j.Text("output") ?? "model.etb")}", j);
        double file = j.Number("file_bytes") ?? 0, source = j.Number("source_bytes") ?? 0;
        page.Summary($"Wrote {ReportJson.Bytes(file)} ({file:N0} bytes) from a {ReportJson.Bytes(source)} source: {source / Math.Max(file, 1):0.00}x smaller, "
            + $"{j.Number("bits_per_parameter"):0.00} bits per parameter.");
        page.Summary($"Policy {j.Text("policy")}" + (j.Number("budget_bytes") is double b ? $" within a budget of {b:N0} bytes" : "") + (j.Text("plan") is string p ? $": {p}." : "."));
        if (j.Object("calibration") is JsonObject c)
            page.Summary($"Calibration: {c.Number("sequences")} sequences, {c.Number("tokens")} tokens ({c.Text("source")}).");
        AddSections(page, j);
        return page;
    }

    /// <summary>The convert sections, also used by the demo's page (its summary embeds the conversion's JSON).</summary>
    public static void AddSections(ReportPage page, JsonObject j)
    {
        JsonObject[] matrices = [.. (j.Array("tensors") ?? []).OfType<JsonObject>().Where(t => t.Number("rows") > 1 && t.Number("cols") > 1)];
        string[] names = [.. matrices.Select(t => t.Text("name") ?? "?")];
        page.Section("Per matrix: what the converter chose");
        page.AddOr(matrices.Length == 0 ? null : BarChart.Draw("bits-per-matrix", "Stored bits per weight",
            "Bits each weight matrix costs in the file (scales, indices and sector padding included); lower bars are compressed harder.",
            "weight matrix", "bits / weight", names, new BarChart.Series("bits", [.. matrices.Select(t => t.Number("bits_per_weight") ?? 0)])),
            "The conversion listed no weight matrices.");
        page.AddOr(Chosen(j), "No per-matrix choice to show: this conversion used one codec for every matrix (--policy none).");
        page.AddOr(matrices.Length == 0 ? null : BarChart.Draw("bytes-per-matrix", "Bytes per matrix in the file",
            "Where the file's bytes go; the embedding table and the FFN matrices usually dominate.",
            "weight matrix", "KB", names, new BarChart.Series("KB", [.. matrices.Select(t => (t.Number("bytes") ?? 0) / 1024)])),
            "The conversion listed no weight matrices.");
        page.AddOr(Sensitivity(j), "No sensitivities were measured: only --policy luc, edge-llm and uniform (without --bits 32) measure them.");

        page.Section("Size against predicted quality");
        page.AddOr(Policies(j), "No policy comparison: the converter measures one only when it compresses by sensitivity (luc, edge-llm, uniform).");

        page.Section("Co-activation packing of the FFN neurons");
        JsonObject[] layers = [.. (j.Array("packing") ?? []).OfType<JsonObject>()];
        if (layers.Length == 0)
        {
            page.AddOr(null, "No FFN was packed (--pack none), so there is no co-activation layout to show.");
            return;
        }
        JsonObject first = layers[0];
        int blocks = (int)(first.Number("blocks") ?? 1), neurons = (int)(first.Number("neurons") ?? 1);
        string[] everyFourth = [.. Enumerable.Range(0, blocks).Select(b => b % 4 == 0 ? b.ToString() : "")];
        foreach ((string key, string when) in new[] { ("coactivation_original", "original"), ("coactivation_packed", "packed") })
            page.Add(HeatmapChart.Draw($"coactivation-{when}", $"Layer {first.Number("layer")} co-activation, {when} order",
                when == "original"
                    ? "How often two neurons fire on the same token, in the checkpoint's neuron order: co-active pairs are scattered."
                    : "The same rates after Ripple's placement: neurons that fire together now sit side by side, so the bright cells merge into one block instead of scattered stripes.",
                $"neuron position (block of {Math.Ceiling((double)neurons / blocks)} neurons)", "neuron position (block)", "share of tokens",
                Grid(first.Array(key)!.Numbers(), blocks, blocks), everyFourth, everyFourth, height: 420));
        page.Add(BarChart.Draw("runs-per-token", "Reads per token: contiguous runs of active neurons",
            "Each run of adjacent active neurons is one SD read before nearby runs are merged; packing should lower the packed bars.",
            "layer", "runs per token", [.. layers.Select(l => $"L{l.Number("layer")}")],
            new BarChart.Series("original order", [.. layers.Select(l => l.Number("runs_per_token_original") ?? 0)]),
            new BarChart.Series("packed order", [.. layers.Select(l => l.Number("runs_per_token_packed") ?? 0)])));
        page.Add(BarChart.Draw("bytes-per-token", "Bytes read per token: original vs packed order",
            "Each run's neuron bundles, widened to whole 512-byte SD sectors, per calibration token: packing should lower the packed bars (fewer partly used sectors).",
            "layer", "KB per token", [.. layers.Select(l => $"L{l.Number("layer")}")],
            new BarChart.Series("original order", [.. layers.Select(l => (l.Number("bytes_per_token_original") ?? 0) / 1024)]),
            new BarChart.Series("packed order", [.. layers.Select(l => (l.Number("bytes_per_token_packed") ?? 0) / 1024)])));
        double[] orig = Sum(layers, "run_lengths_original"), packed = Sum(layers, "run_lengths_packed");
        page.Add(BarChart.Draw("run-lengths", "Run lengths of active neurons",
            "How many active neurons each read covers (all packed layers, calibration tokens); longer runs mean fewer, larger reads.",
            "neurons in the run (last bin: that many or more)", "runs", [.. Enumerable.Range(1, orig.Length).Select(i => i.ToString())],
            new BarChart.Series("original order", orig), new BarChart.Series("packed order", packed)));
        page.Note("Runs and bytes above are the converter's own count on its calibration tokens, before nearby runs are merged; the runtime's measured reads are in the benchmarks (tests/EdgeTiny.Benchmarks/results/ffn-io.json).");
    }

    /// <summary>The policy's choice per weight matrix (packed layers write w2 and w3 together as bundles, at the wider of their widths).</summary>
    private static Chart? Chosen(JsonObject j)
    {
        if (j.Object("sensitivity_table") is not JsonObject t || t.Array("chosen_bits") is not JsonArray bits) return null;
        string[] matrices = [.. t.Array("matrices")!.Select(n => n!.GetValue<string>())];
        return BarChart.Draw("choice-per-matrix", "Chosen bit width and sparsity",
            "The candidate the policy picked for each matrix: its quantization bit width (32 = float) and the share of weights Wanda pruned.",
            "weight matrix", "bits  |  sparsity %", matrices,
            new BarChart.Series("bit width", bits.Numbers()),
            new BarChart.Series("sparsity %", [.. t.Array("chosen_sparsity")!.Numbers().Select(v => 100 * v)]));
    }

    private static Chart? Sensitivity(JsonObject j)
    {
        if (j.Object("sensitivity_table") is not JsonObject t) return null;
        string[] candidates = [.. t.Array("candidates")!.Select(n => n!.GetValue<string>())];
        string[] matrices = [.. t.Array("matrices")!.Select(n => n!.GetValue<string>())];
        double[][] rows = [.. t.Array("values")!.Select(r => r!.AsArray().Numbers())];
        var grid = new double[matrices.Length, candidates.Length];
        for (int i = 0; i < matrices.Length; i++)
            for (int k = 0; k < candidates.Length; k++) grid[i, k] = rows[i][k];
        string metric = t.Text("metric") == "mse" ? "output MSE" : "KL increase, nats/token";
        // The chosen cell of each row, where the choice is one of the candidates (Edge-LLM's sparsities may fall between).
        double[] bits = t.Array("candidate_bits")?.Numbers() ?? [], sparsity = t.Array("candidate_sparsity")?.Numbers() ?? [];
        double[] chosenBits = t.Array("chosen_bits")?.Numbers() ?? [], chosenSparsity = t.Array("chosen_sparsity")?.Numbers() ?? [];
        var marks = new List<(int, int)>();
        for (int i = 0; i < chosenBits.Length && i < matrices.Length; i++)
            for (int k = 0; k < bits.Length; k++)
                if (bits[k] == chosenBits[i] && Math.Abs(sparsity[k] - chosenSparsity[i]) < 1e-3) marks.Add((k, i));
        double cells = matrices.Length * candidates.Length, measured = t.Number("measured_cells") ?? cells;
        string how = measured >= cells ? "" : $" {measured:N0} of {cells:N0} cells were measured on the whole model; the rest are estimates scaled from each matrix's own output error (the fast sweep).";
        return HeatmapChart.Draw("sensitivity", "Sensitivity over the candidates",
            $"Each cell: {metric} with only that matrix stored that way (float costs nothing); white squares mark the policy's choice, which buys low cells where bytes are cheap.{how}",
            "candidate (bits, @ sparsity)", "", metric, grid, candidates, matrices, logScale: true, height: 150 + 16 * matrices.Length, marks: marks);
    }

    private static Chart? Policies(JsonObject j)
    {
        JsonObject[] points = [.. (j.Array("policies") ?? []).OfType<JsonObject>()];
        if (points.Length == 0) return null;
        LineChart.Series Of(string name, IEnumerable<JsonObject> ps, bool markers, bool highlight = false)
        {
            JsonObject[] a = [.. ps.OrderBy(p => p.Number("matrix_bytes"))];
            return new LineChart.Series(name, [.. a.Select(p => (p.Number("matrix_bytes") ?? 0) / 1024)],
                [.. a.Select(p => Math.Log10(Math.Max(p.Number("predicted_sensitivity") ?? 0, 1e-6)))], markers, highlight);
        }
        var series = new List<LineChart.Series> { Of("uniform (each candidate)", points.Where(p => p.Text("policy") == "uniform" && p["chosen"]?.GetValue<bool>() != true), true) };
        if (points.Any(p => p.Text("label") == "luc")) series.Add(Of("luc at this budget", points.Where(p => p.Text("label") == "luc"), true));
        JsonObject chosen = points.First(p => p["chosen"]?.GetValue<bool>() == true);
        series.Add(Of(chosen.Text("label")!, [chosen], true, highlight: true));
        return LineChart.Draw("size-vs-kl", "Matrix bytes against predicted KL",
            "Predicted KL = sum of the per-matrix sensitivities (the table's estimate, not a whole-model measurement); the chosen plan should sit below the uniform points at its size.",
            "weight-matrix bytes (KB)", "log10 predicted KL (nats/token)", [.. series]);
    }

    private static double[,] Grid(double[] values, int rows, int cols)
    {
        var g = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) g[r, c] = values[r * cols + c];
        return g;
    }

    private static double[] Sum(JsonObject[] layers, string key)
    {
        double[] total = layers[0].Array(key)!.Numbers();
        foreach (JsonObject l in layers.Skip(1))
        {
            double[] v = l.Array(key)!.Numbers();
            for (int i = 0; i < total.Length; i++) total[i] += v[i];
        }
        return total;
    }
}
