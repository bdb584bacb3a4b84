using System.Diagnostics;
using System.Security.Cryptography;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Abuse.Tests;

/// <summary>
/// A power cut anywhere in `edgetiny convert`: the converter process is killed (SIGKILL: no cleanup runs) at points
/// spread over its whole run. The output path must then hold either nothing (first write) or the previous file byte for
/// byte, or a complete new file that passes every CRC — never a torn one. (AtomicFile: temp, flush, verify, rename.)
/// </summary>
public sealed class PowerCutTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void Verify(string path)
    {
        using var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true);
        new EtbReader(source).VerifyAll(new byte[65536]);
    }

    private Process StartConvert(string outPath, int bits)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { CliRunner.CliDll, "convert", DemoModel.Checkpoint, "--policy", "none", "--bits", bits.ToString(), "-o", outPath })
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public void Killing_the_converter_anywhere_leaves_the_old_file_or_a_complete_new_one()
    {
        string outPath = _dir.File("model.etb");
        // How long a whole conversion takes here, to spread the kills over it.
        var sw = Stopwatch.StartNew();
        using (Process full = StartConvert(outPath, 8)) { full.WaitForExit(); Assert.Equal(0, full.ExitCode); }
        long fullMs = sw.ElapsedMilliseconds;
        Verify(outPath);

        int kills = 8, old = 0, fresh = 0, none = 0;
        var rng = new Random(20);
        for (int i = 0; i < kills; i++)
        {
            // Alternate: a first write (no file before) and an overwrite of the q8 file with a q4 conversion.
            bool overwrite = i % 2 == 1;
            if (!overwrite) File.Delete(outPath);
            else if (!File.Exists(outPath) || new FileInfo(outPath).Length == 0) { using Process p = StartConvert(outPath, 8); p.WaitForExit(); }
            byte[]? before = File.Exists(outPath) ? File.ReadAllBytes(outPath) : null;
            int delay = (int)(fullMs * (0.2 + 0.9 * rng.NextDouble()));
            using (Process p = StartConvert(outPath, overwrite ? 4 : 8))
            {
                if (!p.WaitForExit(delay)) p.Kill();
                p.WaitForExit();
            }
            if (!File.Exists(outPath))
            {
                Assert.Null(before);
                none++;
            }
            else if (before is not null && File.ReadAllBytes(outPath).AsSpan().SequenceEqual(before)) old++;
            else
            {
                Verify(outPath); // a torn file would fail its CRCs or length here
                fresh++;
            }
        }
        string[] leftovers = Directory.GetFiles(_dir.Path, ".*.tmp");
        output.WriteLine($"whole conversion {fullMs} ms; {kills} kills: {none} no output, {old} old file intact, {fresh} complete new file; "
            + $"{leftovers.Length} temp files left by killed runs (never read: the next write uses its own)");
        Assert.Equal(kills, none + old + fresh);
    }
}
