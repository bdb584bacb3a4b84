using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>Lines (or markers only) over a numeric x axis: per-token costs, loss per step, size against quality.</summary>
public static class LineChart
{
    /// <param name="Markers">Draw points without a connecting line (e.g. single measurements among a curve).</param>
    public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Markers = false, bool Highlight = false);

    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, params Series[] series) =>
        Draw(id, title, caption, xLabel, yLabel, fromZero: false, series);

    /// <param name="fromZero">Start the y axis at 0 (counts and times), so a flat line is not mistaken for a swing.</param>
    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, bool fromZero, params Series[] series)
    {
        Plot plot = Chart.NewPlot(title, xLabel, yLabel);
        for (int s = 0; s < series.Length; s++)
        {
            var line = plot.Add.Scatter(series[s].X.ToArray(), series[s].Y.ToArray(), Chart.Palette[s % Chart.Palette.Length]);
            if (series.Length > 1) line.LegendText = series[s].Name;
            line.LineWidth = series[s].Markers ? 0 : 2;
            line.MarkerSize = series[s].Highlight ? 14 : series[s].Markers ? 9 : series[s].X.Count > 40 ? 0 : 4;
            if (series[s].Highlight) line.MarkerShape = MarkerShape.FilledDiamond;
        }
        if (series.Length > 1) plot.ShowLegend(Alignment.UpperRight);
        if (fromZero) plot.Axes.SetLimitsY(0, Math.Max(1e-9, series.SelectMany(s => s.Y).DefaultIfEmpty(0).Max()) * 1.1);
        return Chart.Render(id, title, caption, plot);
    }
}
