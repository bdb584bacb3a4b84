using System.Text.Json.Nodes;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports.Pages;

/// <summary>`eval --report`: perplexity, and agreement with the source model when it was given.</summary>
public static class EvalReport
{
    public static ReportPage Build(JsonObject j)
    {
        var page = new ReportPage($"EdgeTiny eval: {Path.GetFileName(j.Text("model") ?? "model.etb")}", j);
        page.Summary($"{j.Number("sequences")} sequences ({j.Text("text")}), {j.Number("positions"):N0} positions; loss {j.Number("loss_nats_per_token"):0.####} nats/token, perplexity {j.Number("perplexity"):0.###}.");
        if (j.Number("kl") is double kl)
            page.Summary($"Against the source model: mean KL {kl:0.######} nats/token, top-1 agreement {100 * j.Number("top1_agreement"):0.##}%.");
        page.Summary($"File: {j.Number("file_bytes"):N0} bytes.");

        page.Section("Quality");
        var names = new List<string> { "this model" };
        var values = new List<double> { j.Number("perplexity") ?? 0 };
        if (j.Number("reference_perplexity") is double rp) { names.Add("source model"); values.Add(rp); }
        page.Add(BarChart.Draw("perplexity", "Perplexity", "Perplexity on the evaluation text (lower is better); beside the source model's when --reference was given.",
            "", "perplexity", names, new BarChart.Series("perplexity", values)));
        page.AddOr(j.Number("top1_agreement") is not double a ? null : BarChart.Draw("agreement", "Agreement with the source model",
            "Share of positions where this model's most likely next token is the source model's; 100% means greedy text is unchanged.",
            "", "top-1 agreement (%)", ["top-1 agreement"], new BarChart.Series("agreement", [100 * a])),
            "No source model was given (--reference), so there is no agreement to show.");
        return page;
    }
}
