using System.Diagnostics;
using System.Text.Json.Nodes;

namespace EdgeTiny.TestSupport;

/// <summary>The outcome of one `edgetiny` process.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonObject Json => JsonNode.Parse(Stdout)!.AsObject();

    /// <summary>The stderr lines that are not empty.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real `edgetiny` command (edgetiny.dll built beside the tests) in a child process.</summary>
public static class CliRunner
{
    public static string CliDll => System.IO.Path.Combine(AppContext.BaseDirectory, "edgetiny.dll");

    public static CliResult Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Run"/>, with extra environment variables for the child process.</summary>
    public static CliResult RunWith(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunWith(environment, TimeSpan.FromMinutes(5), args);

    public static CliResult RunWith(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgetiny {string.Join(' ', args)} did not finish in {timeout.TotalMinutes} minutes");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
