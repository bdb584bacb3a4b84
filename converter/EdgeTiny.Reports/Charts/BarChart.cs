using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>Bars per category; several series side by side (e.g. before / after, original / packed order).</summary>
public static class BarChart
{
    public sealed record Series(string Name, IReadOnlyList<double> Values);

    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, IReadOnlyList<string> categories,
        params Series[] series)
    {
        Plot plot = Chart.NewPlot(title, xLabel, yLabel);
        double width = 0.8 / series.Length;
        for (int s = 0; s < series.Length; s++)
        {
            var bars = series[s].Values.Select((v, i) => new Bar
            {
                Position = i - 0.4 + width * (s + 0.5),
                Value = v,
                Size = width * 0.95,
                FillColor = Chart.Palette[s % Chart.Palette.Length],
                // Few bars: each carries its value, so the page reads without a ruler.
                Label = categories.Count * series.Length <= 12 ? v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "",
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.ValueLabelStyle.FontSize = 11;
            if (series.Length > 1) plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = Chart.Palette[s % Chart.Palette.Length] });
        }
        if (series.Length > 1) plot.ShowLegend(Alignment.UpperRight);
        Chart.CategoryTicks(plot, categories);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        return Chart.Render(id, title, caption, plot);
    }
}
