using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>One stacked bar per category (e.g. per board: the parts of its memory plan), with an optional limit line per bar.</summary>
public static class StackedBarChart
{
    public sealed record Part(string Name, IReadOnlyList<double> Values);

    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, IReadOnlyList<string> categories,
        IReadOnlyList<Part> parts, IReadOnlyList<double?>? limits = null, string limitName = "budget")
    {
        Plot plot = Chart.NewPlot(title, xLabel, yLabel);
        var bottoms = new double[categories.Count];
        for (int p = 0; p < parts.Count; p++)
        {
            Color color = Chart.Palette[p % Chart.Palette.Length];
            var bars = new List<Bar>();
            for (int i = 0; i < categories.Count; i++)
            {
                bars.Add(new Bar { Position = i, ValueBase = bottoms[i], Value = bottoms[i] + parts[p].Values[i], Size = 0.6, FillColor = color });
                bottoms[i] += parts[p].Values[i];
            }
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = parts[p].Name, FillColor = color });
        }
        // A limit far above the bars (a Pi's gigabytes beside a few hundred KB) would flatten them: it is written as a
        // label over its bar instead of drawn.
        double top = bottoms.DefaultIfEmpty(0).Max();
        double shownTop = top;
        if (limits is not null)
        {
            bool named = false;
            for (int i = 0; i < categories.Count; i++)
            {
                if (limits[i] is not double limit) continue;
                if (limit > 3 * Math.Max(top, 1e-9))
                {
                    var label = plot.Add.Text($"{limitName}\n{limit:N0} {yLabel} ↑", i, top * 1.02);
                    label.LabelFontSize = 11;
                    label.LabelAlignment = Alignment.LowerCenter;
                    continue;
                }
                shownTop = Math.Max(shownTop, limit);
                var line = plot.Add.Line(i - 0.4, limit, i + 0.4, limit);
                line.LineWidth = 3;
                line.LineColor = Colors.Black;
                line.LinePattern = LinePattern.Dashed;
                if (!named) plot.Legend.ManualItems.Add(new LegendItem { LabelText = limitName, LineColor = Colors.Black, LineWidth = 3, LinePattern = LinePattern.Dashed });
                named = true;
            }
        }
        plot.Axes.SetLimitsY(0, Math.Max(shownTop, top * 1.15) * 1.12);
        plot.ShowLegend(Edge.Right);
        Chart.CategoryTicks(plot, categories);
        return Chart.Render(id, title, caption, plot);
    }
}
