using System.Text.Json.Nodes;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace EdgeTiny.Cli.Tests.Reports;

/// <summary>
/// A real browser for the HTML reports: Debian's chromium driven by its chromedriver through Selenium, headless,
/// offline. Nothing is downloaded: the browser and the driver are the system's (.ci/run installs them).
/// </summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";
    public const int Width = 900;

    public static bool Available => File.Exists(ChromiumPath) && File.Exists(DriverPath);

    private readonly ChromeDriver _driver;

    public Browser()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", $"--window-size={Width},1200");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public IWebDriver Driver => _driver;

    /// <summary>Opens a local file; returns the browser's console messages at warning level or worse (errors, failed loads).</summary>
    public IReadOnlyList<string> Open(string path)
    {
        _driver.Navigate().GoToUrl(new Uri(Path.GetFullPath(path)).AbsoluteUri);
        object? state = Script("return document.readyState;");
        Assert.Equal("complete", state);
        return [.. _driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Level}: {e.Message}")];
    }

    public object? Script(string js) => ((IJavaScriptExecutor)_driver).ExecuteScript(js);

    /// <summary>The page's embedded JSON, parsed by the browser's own JSON.parse and handed back as text.</summary>
    public JsonNode EmbeddedJson() =>
        JsonNode.Parse((string)Script("return JSON.stringify(JSON.parse(document.getElementById('data').textContent));")!)!;

    /// <summary>The whole page as one PNG: the window is made as tall as the page first.</summary>
    public void SaveFullPageScreenshot(string path)
    {
        long height = Convert.ToInt64(Script("return Math.ceil(document.documentElement.scrollHeight);"));
        _driver.Manage().Window.Size = new System.Drawing.Size(Width, (int)Math.Min(height + 40, 16000));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _driver.GetScreenshot().SaveAsFile(path);
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
    }
}

/// <summary>
/// A fact that needs ../shared and a browser: skipped on a developer machine without either, run (and so failed) when
/// CI=true — .ci/run installs chromium, so a missing browser there is a broken setup, not a reason to skip.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <param name="sharedData">Whether the test also needs ../shared (the demo's report does not: its model ships with the tool).</param>
    public BrowserFactAttribute(bool sharedData = true)
    {
        if (SharedData.RunningInCi) return;
        if (sharedData && !SharedData.Available) Skip = "shared test data (../shared) not found; set EDGETINY_SHARED";
        else if (!Browser.Available) Skip = $"no browser: install Debian's chromium and chromium-driver ({Browser.ChromiumPath}, {Browser.DriverPath})";
    }
}
