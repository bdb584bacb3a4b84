using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.IO;
using EdgeTiny.Reports.Charts;

namespace EdgeTiny.Reports;

/// <summary>
/// One self-contained HTML page: a title, a short text summary, sections of charts (or, where a run has no data for
/// a chart, a sentence saying so) and the JSON it was drawn from in &lt;script type="application/json" id="data"&gt;.
/// No network, no fonts or scripts from elsewhere: the charts are inline SVG, the style is inline CSS.
/// </summary>
public sealed class ReportPage(string title, JsonNode data)
{
    private readonly List<string> _summary = [];
    private readonly List<(string Heading, List<object> Items)> _sections = [];

    public string Title { get; } = title;
    public JsonNode Data { get; } = data;

    /// <summary>Charts on the page, in order.</summary>
    public IEnumerable<Chart> Charts => _sections.SelectMany(s => s.Items.OfType<Chart>());

    public ReportPage Summary(string line)
    {
        _summary.Add(line);
        return this;
    }

    public ReportPage Section(string heading)
    {
        _sections.Add((heading, []));
        return this;
    }

    public ReportPage Add(Chart chart)
    {
        Current.Add(chart);
        return this;
    }

    /// <summary>Adds the chart if there is data for it, else the sentence saying why there is none.</summary>
    public ReportPage AddOr(Chart? chart, string whyMissing)
    {
        Current.Add(chart is null ? new Missing(whyMissing) : chart);
        return this;
    }

    public ReportPage Note(string text)
    {
        Current.Add(new Missing(text) { IsNote = true });
        return this;
    }

    private List<object> Current => _sections.Count > 0 ? _sections[^1].Items : throw new InvalidOperationException("add a Section first");

    private sealed record Missing(string Text)
    {
        public bool IsNote { get; init; }
    }

    private static readonly JsonSerializerOptions EmbeddedJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.Default };

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(Title)).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(E(Title)).Append("</h1>\n<ul class=\"summary\">\n");
        foreach (string line in _summary) html.Append("<li>").Append(E(line)).Append("</li>\n");
        html.Append("</ul>\n");
        foreach ((string heading, List<object> items) in _sections)
        {
            html.Append("<section>\n<h2>").Append(E(heading)).Append("</h2>\n");
            foreach (object item in items)
            {
                if (item is Chart c)
                    html.Append($"<figure class=\"chart\" id=\"{c.Id}\" data-width=\"{c.Width}\" data-height=\"{c.Height}\">\n")
                        .Append(c.Svg).Append("\n<figcaption><b>").Append(E(c.Title)).Append(".</b> ").Append(E(c.Caption)).Append("</figcaption>\n</figure>\n");
                else if (item is Missing m)
                    html.Append(m.IsNote ? "<p class=\"note\">" : "<p class=\"no-data\">").Append(E(m.Text)).Append("</p>\n");
            }
            html.Append("</section>\n");
        }
        // The default encoder escapes <, > and &, so the JSON cannot close the script element early.
        html.Append("<details><summary>The JSON this page was drawn from</summary>\n<script type=\"application/json\" id=\"data\">")
            .Append(Data.ToJsonString(EmbeddedJson)).Append("</script>\n<pre id=\"data-view\"></pre></details>\n")
            .Append("<script>document.getElementById('data-view').textContent = JSON.stringify(JSON.parse(document.getElementById('data').textContent), null, 2);</script>\n")
            .Append("<footer>EdgeTiny report; charts drawn with ScottPlot.</footer>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page crash-safely (temp file, flush, rename): a reader never sees half a report.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToHtml());

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 0; background: #f6f6f4; color: #222; }
        main { max-width: 800px; margin: 0 auto; padding: 12px; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 1.6em; }
        ul.summary { background: #fff; padding: 10px 10px 10px 28px; border: 1px solid #ddd; }
        figure.chart { margin: 12px 0; background: #fff; border: 1px solid #ddd; padding: 6px; }
        figure.chart svg { width: 100%; height: auto; display: block; image-rendering: pixelated; }
        figcaption { font-size: 0.9em; margin-top: 4px; }
        p.no-data { font-style: italic; color: #555; } p.note { font-size: 0.9em; color: #444; }
        pre { font-size: 0.75em; overflow-x: auto; background: #fff; padding: 6px; }
        footer { font-size: 0.8em; color: #777; margin: 2em 0 1em; }
        """;
}
