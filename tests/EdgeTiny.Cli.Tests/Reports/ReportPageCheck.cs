using System.Text.Json.Nodes;
using OpenQA.Selenium;

namespace EdgeTiny.Cli.Tests.Reports;

/// <summary>
/// What every report must do in a real browser: load without console errors, draw every chart as a non-empty SVG of
/// the size it was rendered at, carry the command's JSON intact, and say so in a sentence where a chart has no data.
/// Each checked page is also kept as a PNG (and the HTML beside it) under the test output, for people to look at.
/// </summary>
public static class ReportPageCheck
{
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "report-screenshots");

    /// <returns>The ids of the charts on the page, in order.</returns>
    public static string[] Check(string htmlPath, JsonNode expectedJson, string screenshotName, ITestOutputHelper output)
    {
        using var browser = new Browser();
        IReadOnlyList<string> console = browser.Open(htmlPath);
        Assert.True(console.Count == 0, "browser console:\n" + string.Join("\n", console));

        // The page is self-contained: nothing it refers to lives elsewhere.
        Assert.Equal(0L, browser.Script("return document.querySelectorAll('link[href], script[src], img[src^=\"http\"], [href^=\"http\"]').length;"));

        var figures = browser.Driver.FindElements(By.CssSelector("figure.chart"));
        Assert.NotEmpty(figures);
        var ids = new List<string>();
        foreach (IWebElement figure in figures)
        {
            string id = figure.GetAttribute("id")!;
            ids.Add(id);
            IWebElement svg = figure.FindElement(By.TagName("svg"));
            Assert.Equal(figure.GetAttribute("data-width"), svg.GetAttribute("width"));
            Assert.Equal(figure.GetAttribute("data-height"), svg.GetAttribute("height"));
            Assert.True(svg.Size.Width > 300 && svg.Size.Height > 100, $"{id}: drawn at {svg.Size}");
            long shapes = Convert.ToInt64(browser.Script($"return document.getElementById('{id}').querySelectorAll('svg path, svg rect, svg image, svg text').length;"));
            Assert.True(shapes > 20, $"{id}: only {shapes} shapes drawn");
            Assert.False(string.IsNullOrWhiteSpace(figure.FindElement(By.TagName("figcaption")).Text), $"{id}: no caption");
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());

        JsonNode embedded = browser.EmbeddedJson();
        Assert.True(JsonNode.DeepEquals(expectedJson, embedded), "the embedded JSON differs from the command's JSON");

        string png = Path.Combine(ScreenshotFolder, screenshotName + ".png");
        browser.SaveFullPageScreenshot(png);
        File.Copy(htmlPath, Path.Combine(ScreenshotFolder, screenshotName + ".html"), overwrite: true);
        Assert.True(new FileInfo(png).Length > 10_000, $"{png} is nearly empty");
        output.WriteLine($"{screenshotName}: {ids.Count} charts ({string.Join(", ", ids)}); screenshot {png}");
        return [.. ids];
    }

    /// <summary>The sentences that stand in for charts with no data.</summary>
    public static string[] MissingChartSentences(string htmlPath)
    {
        using var browser = new Browser();
        browser.Open(htmlPath);
        return [.. browser.Driver.FindElements(By.CssSelector("p.no-data")).Select(p => p.Text)];
    }
}
