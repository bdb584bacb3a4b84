using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// A real `edgetiny board-sim` (or `edgetiny-pi`) process listening on 127.0.0.1 on a free port (it picks one with port 0
/// and prints it), or serving a tty.
/// Dispose kills it if it is still running; every wait is bounded.
/// </summary>
public sealed partial class BoardSimProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();

    public int Port { get; }
    public string Target => $"tcp://127.0.0.1:{Port}";
    public string Output => string.Join('\n', _lines);
    public string Errors => string.Join('\n', _errors);

    private BoardSimProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static BoardSimProcess Start(string model, string board = "esp32-wroom-32") =>
        Start(CliRunner.CliDll, ["board-sim", "--board", board, "--model", model, "--listen", "127.0.0.1:0"]);

    /// <summary>board-sim using <paramref name="card"/> as its SD card (model.etb, adapters.eta), with extra environment variables.</summary>
    public static BoardSimProcess StartCard(string card, string board = "esp32-s3-devkitc-1-n8r8", IReadOnlyDictionary<string, string>? environment = null) =>
        Start(CliRunner.CliDll, ["board-sim", "--board", board, "--card", card, "--listen", "127.0.0.1:0"], environment);

    /// <summary>The Raspberry Pi host (firmware/EdgeTiny.Pi, built beside the tests) serving TCP on a free loopback port.</summary>
    public static BoardSimProcess StartPiTcp(string model, params string[] extra) =>
        Start(PiDll, ["--model", model, "--listen", "127.0.0.1:0", "--board-id", "pi-test", .. extra]);

    /// <summary>The Raspberry Pi host serving a tty; ready when it says so (the port is 0).</summary>
    public static BoardSimProcess StartPiSerial(string model, string tty) =>
        Start(PiDll, ["--model", model, "--serial", tty, "--board-id", "pi-test", "--kernels", "portable"]);

    public static string PiDll => System.IO.Path.Combine(AppContext.BaseDirectory, "edgetiny-pi.dll");

    private static BoardSimProcess Start(string dll, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        var lines = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { listening.TrySetResult(-1); return; }
            lines.Enqueue(e.Data);
            Match m = ListeningLine().Match(e.Data);
            if (m.Success) listening.TrySetResult(int.Parse(m.Groups[1].Value));
            else if (e.Data.StartsWith("serving on serial:", StringComparison.Ordinal)) listening.TrySetResult(0);
        };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60)) || listening.Task.Result < 0)
        {
            Kill(p);
            throw new InvalidOperationException($"{System.IO.Path.GetFileName(dll)} did not start serving:\n{string.Join('\n', lines)}\n{string.Join('\n', errors)}");
        }
        var sim = new BoardSimProcess(p, listening.Task.Result);
        foreach (string l in lines) sim._lines.Enqueue(l);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) sim._lines.Enqueue(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) sim._errors.Enqueue(e.Data); };
        return sim;
    }

    [GeneratedRegex(@"^listening on tcp://127\.0\.0\.1:(\d+)$")]
    private static partial Regex ListeningLine();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Sends SIGTERM and returns the exit code (throws if it does not stop within 15 s).</summary>
    public int Terminate()
    {
        Assert.Equal(0, kill(_process.Id, 15));
        if (!_process.WaitForExit(15000)) throw new TimeoutException("board-sim did not stop on SIGTERM within 15 s");
        _process.WaitForExit(); // flush the output events
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>A power cut: SIGKILL now, no chance to finish a write; waits until the process is gone.</summary>
    public void PowerCut()
    {
        kill(_process.Id, 9);
        _process.WaitForExit(15000);
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit(10000);
        }
        catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }
}
