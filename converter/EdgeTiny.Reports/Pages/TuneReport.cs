using System.Text.Json.Nodes;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports.Pages;

/// <summary>`tune --report`: loss per step, held-out loss and base-domain perplexity before and after, and what tuning holds in RAM.</summary>
public static class TuneReport
{
    public static ReportPage Build(JsonObject j)
    {
        var page = new ReportPage($"EdgeTiny tune: {Path.GetFileName(j.Text("adapters") ?? j.Text("target") ?? "adapters")}", j);
        page.Summary($"Tuned the last {j.Number("layers")} layers (LoRA rank {j.Number("rank")}, {j.Text("schedule")} schedule) for {j.Number("steps")} steps"
            + (j.Text("target") is string t ? $" on the board at {t}." : "."));
        if (j.Number("heldout_loss_before") is double hb)
            page.Summary($"Held-out loss {hb:0.###} → {j.Number("heldout_loss_after"):0.###} nats/token ({100 * j.Number("heldout_loss_drop"):0.#}% lower); "
                + $"base-domain perplexity {j.Number("base_perplexity_before"):0.##} → {j.Number("base_perplexity_after"):0.##}.");
        double? peak = j.Number("memory", "tuning_peak_bytes") ?? j.Number("tuning_peak_bytes");
        double? budget = j.Number("memory", "budget_bytes") ?? j.Number("budget_bytes");
        page.Summary($"Tuning peak {peak:N0} bytes" + (budget is double b ? $" of a {b:N0}-byte budget." : " (no board budget)."));
        AddSections(page, j);
        return page;
    }

    /// <summary>The tuning sections; <paramref name="j"/> holds `loss_curve` and the before/after figures (tune's JSON, or the demo summary's tune part).</summary>
    public static void AddSections(ReportPage page, JsonObject j)
    {
        page.Section("Learning");
        page.AddOr(Loss(j), "This run recorded no loss per step.");
        double? before = j.Number("base_perplexity_before"), after = j.Number("base_perplexity_after");
        page.AddOr(before is null ? null : BarChart.Draw("base-perplexity", "Base-domain perplexity before and after",
            "Perplexity on text the model sampled before tuning: a small rise means it did not forget what it knew.",
            "", "perplexity", ["before tuning", "after tuning"], new BarChart.Series("perplexity", [before!.Value, after ?? 0])),
            "The board reports no base-domain perplexity for on-device tuning; `tune -o` on the desktop measures it.");

        page.Section("Memory while tuning");
        page.AddOr(Memory(j), "This output has no breakdown of tuning memory (on-device tuning and the demo report only the peak, in the summary above).");
    }

    private static Chart? Loss(JsonObject j)
    {
        if (j.Array("loss_curve") is not JsonArray curve || curve.Count == 0) return null;
        double[] y = curve.Numbers();
        double[] x = [.. Enumerable.Range(1, y.Length).Select(i => (double)i)];
        var series = new List<LineChart.Series> { new("training loss (batch)", x, y) };
        bool during = j.Array("heldout_curve") is JsonArray points && points.Count > 2;
        if (during)
        {
            JsonObject[] p = [.. j.Array("heldout_curve")!.OfType<JsonObject>()];
            series.Add(new LineChart.Series("held-out loss", [.. p.Select(q => q.Number("step") ?? double.NaN)], [.. p.Select(q => q.Number("loss") ?? double.NaN)], Markers: true));
        }
        else if (j.Number("heldout_loss_before") is double hb && j.Number("heldout_loss_after") is double ha)
            series.Add(new LineChart.Series("held-out loss", [0, y.Length], [hb, ha], Markers: true));
        return LineChart.Draw("loss-per-step", "Loss per step",
            during ? "Training loss of each step's sequence, and held-out loss measured during the run. Both should fall; held-out rising while training falls is overfitting."
                : "Training loss of each step's sequence; held-out loss is measured before the first and after the last step. Both should fall.",
            "step", "loss (nats / token)", [.. series]);
    }

    private static Chart? Memory(JsonObject j)
    {
        if (j.Object("memory") is not JsonObject m || m.Object("tuning") is null) return null;
        (string Name, string Key)[] kinds = [("this run", "tuning"), ("adapters on every layer", "full_depth_adapter_tuning"), ("full fine-tuning", "full_fine_tuning")];
        (string Name, string Key)[] parts = [("saved activations", "saved_activations_bytes"), ("gradients", "gradients_bytes"), ("optimizer state", "optimizer_state_bytes"), ("trained parameters", "parameters_bytes")];
        double budget = m.Number("budget_bytes") ?? double.NaN;
        return StackedBarChart.Draw("tuning-memory", "RAM that tuning adds",
            "Tuning-specific bytes of this run beside tuning adapters on every layer and full fine-tuning; the dashed line is the board's whole budget.",
            "what is trained", "KB", [.. kinds.Select(k => k.Name)],
            [.. parts.Select(p => new StackedBarChart.Part(p.Name, [.. kinds.Select(k => (m.Number(k.Key, p.Key) ?? 0) / 1024)]))],
            double.IsNaN(budget) ? null : [.. kinds.Select(_ => (double?)(budget / 1024))]);
    }
}
