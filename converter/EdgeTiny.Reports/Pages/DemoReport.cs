using System.Text.Json.Nodes;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports.Pages;

/// <summary>`edgetiny demo`'s report.html, drawn from its summary.json: conversion, generation on the simulated board, tuning.</summary>
public static class DemoReport
{
    public static ReportPage Build(JsonObject j)
    {
        var page = new ReportPage($"EdgeTiny demo: {j.Text("model")} on {j.Text("board")}", j);
        JsonObject convert = j.Object("convert") ?? [], generate = j.Object("generate") ?? [], tune = j.Object("tune") ?? [];
        page.Summary($"Converted {convert.Number("source_bytes"):N0} → {convert.Number("bytes"):N0} bytes (within {convert.Number("size_budget_bytes"):N0}; "
            + $"policy {convert.Text("policy")}, FFNs packed by {convert.Text("pack")}).");
        page.Summary($"Generated {generate.Number("tokens")} tokens on the simulated board: peak {generate.Number("peak_bytes"):N0} of {generate.Number("budget_bytes"):N0} bytes, "
            + $"{generate.Number("reads_per_token"):0.#} SD reads, {generate.Number("bytes_per_token"):N0} bytes and {generate.Number("simulated_ms_per_token"):0.##} simulated ms per token; "
            + $"predicted {generate.Number("predicted_tokens_per_second"):0.#} tokens/s.");
        page.Summary($"Tuned the top {tune.Number("layers")} layers for {tune.Number("steps")} steps: held-out loss {tune.Number("heldout_loss_before"):0.###} → {tune.Number("heldout_loss_after"):0.###} nats/token, "
            + $"base-domain perplexity {tune.Number("base_perplexity_before"):0.##} → {tune.Number("base_perplexity_after"):0.##}.");
        page.Summary($"Generated before tuning: “{generate.Text("text")}”");
        foreach (JsonObject p in (tune.Array("prompts") ?? []).OfType<JsonObject>())
            page.Summary($"{p.Text("prompt")} ({p.Text("domain")}): before “{p.Text("before")}” — after “{p.Text("after")}”");

        page.Section("Generation on the simulated board, token by token");
        page.AddOr(PerToken(generate, "reads", "SD reads", "reads / token", "per-token-reads",
                "SD read commands each token needed; packed FFN neurons that fire together are read in one command."),
            "The summary has no per-token costs.");
        page.AddOr(PerToken(generate, "bytes", "Bytes read from the card", "KB / token", "per-token-bytes",
                "Bytes streamed per token: only the active neurons' bundles, less what the bundle cache already holds.", 1.0 / 1024),
            "The summary has no per-token costs.");
        page.AddOr(PerToken(generate, "simulated_ms", "Simulated SD time", "ms / token", "per-token-ms",
                "The board profile's SD timing model applied to each token's reads."),
            "The summary has no per-token costs.");
        page.AddOr(PerToken(generate, "cache_hit_rate", "Bundle cache hit rate", "% of lookups", "per-token-cache",
                "Share of active-neuron bundle lookups the board's bundle caches answered without reading the card.", 100),
            "The summary has no per-token cache counts.");

        if (convert.Object("details") is JsonObject details) ConvertReport.AddSections(page, details);
        else page.Section("Conversion").AddOr(null, "The summary has no conversion details.");
        TuneReport.AddSections(page, tune);
        return page;
    }

    private static Chart? PerToken(JsonObject generate, string key, string title, string unit, string id, string caption, double scale = 1)
    {
        if (generate.Array("per_token", key) is not JsonArray values || values.Count == 0) return null;
        double[] y = [.. values.Numbers().Select(v => v * scale)];
        return LineChart.Draw(id, title, caption + " Token 1 also carries the prompt's forward passes.", "generated token", unit, fromZero: true,
            new LineChart.Series(title, [.. Enumerable.Range(1, y.Length).Select(i => (double)i)], y));
    }
}
