using ScottPlot;

namespace EdgeTiny.Reports.Charts;

/// <summary>A matrix as colours (rows top to bottom), with a colour bar naming the quantity and its unit, and optional marked cells.</summary>
public static class HeatmapChart
{
    public static Chart Draw(string id, string title, string caption, string xLabel, string yLabel, string valueLabel, double[,] values,
        IReadOnlyList<string>? columnLabels = null, IReadOnlyList<string>? rowLabels = null, bool logScale = false, int height = Chart.DefaultHeight,
        IReadOnlyList<(int Col, int Row)>? marks = null)
    {
        // The colour's quantity and unit go under the title: ScottPlot draws a colour bar's own label over its tick labels.
        string colour = "colour: " + (logScale ? "log10 " + valueLabel : valueLabel);
        Plot plot = Chart.NewPlot(title + "\n" + colour, xLabel, yLabel);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var shown = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                shown[r, c] = logScale ? Math.Log10(Math.Max(values[r, c], 1e-9)) : values[r, c];
        var map = plot.Add.Heatmap(shown);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (r, c) centred on x = c, y = rows − 1 − r: row 0 at the top, as in a table.
        map.Rectangle = new CoordinateRect(-0.5, cols - 0.5, -0.5, rows - 0.5);
        plot.Add.ColorBar(map);
        if (columnLabels is not null) Chart.CategoryTicks(plot, columnLabels);
        if (rowLabels is not null)
            plot.Axes.Left.SetTicks([.. Enumerable.Range(0, rowLabels.Count).Select(i => (double)(rows - 1 - i))], [.. rowLabels]);
        if (marks is not null)
            foreach ((int col, int row) in marks)
            {
                var m = plot.Add.Marker(col, rows - 1 - row, MarkerShape.OpenSquare, 9, Colors.White);
                m.MarkerLineWidth = 2;
            }
        plot.Axes.SetLimits(-0.5, cols - 0.5, -0.5, rows - 0.5);
        return Chart.Render(id, title, caption, plot, height: height);
    }
}
