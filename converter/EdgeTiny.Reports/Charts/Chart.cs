using System.Text.RegularExpressions;
using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>
/// One drawn chart: ScottPlot renders it to SVG; the page inlines it. Every chart has a title, axis labels with units
/// and a one-line caption saying what to look for.
/// </summary>
public sealed record Chart(string Id, string Title, string Caption, string Svg, int Width, int Height)
{
    public const int DefaultWidth = 760;
    public const int DefaultHeight = 340;

    /// <summary>A fresh plot with the report's look: sans-serif text, the title and axis labels set.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, size: 15);
        plot.XLabel(xLabel, size: 13);
        plot.YLabel(yLabel, size: 13);
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> to inline SVG, its element ids made unique to this chart (a page holds many).</summary>
    public static Chart Render(string id, string title, string caption, Plot plot, int width = DefaultWidth, int height = DefaultHeight)
    {
        string svg = plot.GetSvgXml(width, height);
        svg = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];
        svg = Regex.Replace(svg, "id=\"([^\"]+)\"", m => $"id=\"{id}-{m.Groups[1].Value}\"");
        svg = Regex.Replace(svg, "url\\(#([^)]+)\\)", m => $"url(#{id}-{m.Groups[1].Value})");
        svg = Regex.Replace(svg, "href=\"#([^\"]+)\"", m => $"href=\"#{id}-{m.Groups[1].Value}\"");
        return new Chart(id, title, caption, svg, width, height);
    }

    /// <summary>Category labels under bars at 0..n-1, turned when there are many.</summary>
    public static void CategoryTicks(Plot plot, IReadOnlyList<string> labels)
    {
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        int longest = labels.Select(l => l.Length).DefaultIfEmpty(0).Max();
        if (labels.Count * longest > 90)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 24 + longest * 4.6f; // room for the longest label turned 45°
        }
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
    }

    public static readonly Color[] Palette = [.. new ScottPlot.Palettes.Category10().Colors];
}
