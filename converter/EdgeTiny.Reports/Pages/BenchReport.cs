using System.Text.Json.Nodes;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports.Pages;

/// <summary>`bench --report`: memory plan against each board's budget, what every token costs on the card, where the time goes.</summary>
public static class BenchReport
{
    /// <param name="j">`bench --json`: one run, or {"boards": [...]} for --board all.</param>
    public static ReportPage Build(JsonObject j)
    {
        JsonObject[] runs = j.Array("boards") is JsonArray all ? [.. all.OfType<JsonObject>()] : [j];
        string[] names = [.. runs.Select(Name)];
        var page = new ReportPage($"EdgeTiny bench: {Path.GetFileName(runs[0].Text("model") ?? "model.etb")}", j);
        foreach (JsonObject r in runs)
        {
            string line = $"{Name(r)}: {r.Number("tokens_per_second"):0.#} tokens/s on this machine, {r.Number("allocated_bytes_per_token"):0} bytes allocated per token, "
                + $"peak memory {r.Number("memory", "peak_bytes"):N0} bytes" + (r.Number("memory", "budget_bytes") is double b ? $" of a {b:N0}-byte budget" : " (no board: no budget)");
            if (r.Object("board") is not null)
                line += $"; {r.Number("io", "reads_per_token"):0.##} SD reads, {r.Number("io", "bytes_per_token"):N0} bytes and {r.Number("io", "simulated_ms_per_token"):0.###} simulated ms per token; "
                    + $"predicted {r.Number("board", "predicted_tokens_per_second"):0.##} tokens/s on the board";
            page.Summary(line + ".");
        }
        bool boards = runs.Any(r => r.Object("board") is not null);
        const string noBoard = "This run had no --board, so there is no SD card timing or on-board prediction to draw; run `bench --board ID` (or --board all).";

        page.Section("Memory plan against the budget");
        page.Add(Memory(runs, names));

        page.Section("What each token costs on the card");
        page.AddOr(!boards ? null : BarChart.Draw("io-per-token", "SD reads and bytes per token",
            "Mean per generated token over the timed tokens; streamed weights and packed FFNs show up here, resident ones do not.",
            "board", "reads  |  KB", names,
            new BarChart.Series("reads / token", [.. runs.Select(r => r.Number("io", "reads_per_token") ?? 0)]),
            new BarChart.Series("KB / token", [.. runs.Select(r => (r.Number("io", "bytes_per_token") ?? 0) / 1024)])), noBoard);
        page.AddOr(!boards ? null : BarChart.Draw("sd-ms-per-token", "Simulated SD time per token",
            "The board profile's SD timing model (command latency + bytes / bandwidth) applied to every read.",
            "board", "ms / token", names, new BarChart.Series("simulated SD ms", [.. runs.Select(r => r.Number("io", "simulated_ms_per_token") ?? 0)])), noBoard);
        bool cached = runs.Any(r => (r.Number("io", "cache_hits") ?? 0) + (r.Number("io", "cache_misses") ?? 0) > 0);
        page.AddOr(!cached ? null : BarChart.Draw("cache-hit-rate", "Cache hit rate",
            "Share of cache look-ups served from RAM instead of the card.", "board", "hit rate (%)", names,
            new BarChart.Series("hit rate", [.. runs.Select(r => 100 * (r.Number("io", "cache_hits") ?? 0) / Math.Max(1, (r.Number("io", "cache_hits") ?? 0) + (r.Number("io", "cache_misses") ?? 0)))])),
            "No cache was consulted in this run (every weight was resident or read whole), so there is no hit rate.");
        page.Note("bench reports per-token means; the per-token line of reads, bytes and simulated ms is on the demo's report (edgetiny demo writes it).");

        page.Section("Where the time goes");
        page.AddOr(Split(runs[0]), "This run recorded no time split.");
        page.AddOr(Predicted(runs, names), boards
            ? "This bench output has no predicted on-board time split (predicted.native_kernels / portable_only)."
            : noBoard);
        return page;
    }

    private static string Name(JsonObject r) => r.Text("board", "id") ?? "this machine";

    private static Chart Memory(JsonObject[] runs, string[] names)
    {
        double Get(JsonObject r, string key) => r.Number("memory", key) ?? 0;
        double Other(JsonObject r) => Math.Max(0, Get(r, "peak_bytes") - Get(r, "resident_weight_bytes") - Get(r, "kv_bytes") - Get(r, "chunk_bytes") - Get(r, "cache_bytes"));
        var parts = new List<StackedBarChart.Part>
        {
            new("resident weights", [.. runs.Select(r => Get(r, "resident_weight_bytes") / 1024)]),
            new("KV cache", [.. runs.Select(r => Get(r, "kv_bytes") / 1024)]),
            new("streaming chunk", [.. runs.Select(r => Get(r, "chunk_bytes") / 1024)]),
            new("weight cache", [.. runs.Select(r => Get(r, "cache_bytes") / 1024)]),
            new("activations, buffers, adapters", [.. runs.Select(r => Other(r) / 1024)]),
        };
        return StackedBarChart.Draw("memory-plan", "Memory plan per board",
            "Accounted peak RAM split by what holds it; the dashed line is the board's model budget — a bar must stay under it.",
            "board", "KB", names, parts, [.. runs.Select(r => r.Number("memory", "budget_bytes") / 1024)]);
    }

    private static Chart? Split(JsonObject r)
    {
        if (r.Object("time_split") is not JsonObject split || split.Count == 0) return null;
        string[] phases = [.. split.Select(p => p.Key)];
        return BarChart.Draw("time-split", "Time per token by layer type (this machine)",
            "Measured in a second pass of the same tokens; a tall bar is where a faster kernel pays off.",
            "phase", "µs / token", phases, new BarChart.Series("µs / token", [.. split.Select(p => p.Value.Number("us_per_token") ?? 0)]));
    }

    /// <summary>The predicted on-board split (bench --board), native kernels beside portable-only, per board.</summary>
    private static Chart? Predicted(JsonObject[] runs, string[] names)
    {
        string[] parts = ["kernels_native", "kernels_interpreted", "glue", "sd"];
        var rows = runs.Select((r, i) => (r, i)).Where(x => x.r.Object("predicted") is not null).ToArray();
        if (rows.Length == 0) return null;
        var categories = new List<string>();
        var values = parts.Select(_ => new List<double>()).ToArray();
        foreach ((JsonObject r, int i) in rows)
            foreach (string kind in new[] { "native_kernels", "portable_only" })
            {
                categories.Add($"{names[i]} {kind.Replace('_', ' ')}");
                for (int p = 0; p < parts.Length; p++) values[p].Add(r.Number("predicted", kind, "ms_per_token", parts[p]) ?? 0);
            }
        return StackedBarChart.Draw("predicted-split", "Predicted on-board time per token",
            "The board's predicted ms per token with native C kernels and with the portable C# kernels only, split by where it goes.",
            "board and kernels", "ms / token", categories, [.. parts.Select((p, k) => new StackedBarChart.Part(p.Replace('_', ' '), values[k]))]);
    }
}
