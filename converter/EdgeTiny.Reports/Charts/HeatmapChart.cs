using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>A matrix as colours (rows top to bottom), with a colour bar naming the quantity and its unit.</summary>
public static class HeatmapChart
{
    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, string valueLabel, double[,] values,
        IReadOnlyList<string>? columnLabels = null, IReadOnlyList<string>? rowLabels = null, bool logScale = false, int height = Chart.DefaultHeight)
    {
        Plot plot = Chart.NewPlot(title, xLabel, yLabel);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var shown = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                shown[r, c] = logScale ? Math.Log10(Math.Max(values[r, c], 1e-9)) : values[r, c];
        var map = plot.Add.Heatmap(shown);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.Extent = new CoordinateRect(-0.5, cols - 0.5, rows - 0.5, -0.5);
        var bar = plot.Add.ColorBar(map);
        bar.Label = logScale ? "log10 " + valueLabel : valueLabel;
        bar.LabelStyle.FontSize = 12;
        if (columnLabels is not null) Chart.CategoryTicks(plot, columnLabels);
        if (rowLabels is not null)
            plot.Axes.Left.SetTicks([.. Enumerable.Range(0, rowLabels.Count).Select(i => (double)i)], [.. rowLabels]);
        plot.Axes.InvertY();
        plot.Axes.Margins(0, 0);
        return Chart.Render(id, title, caption, plot, height: height);
    }
}
