using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// The converter at real model sizes: per model shape (random weights, generated here into .cache/, never committed),
/// `edgetiny convert` per policy as its own process — wall time, peak resident memory (VmHWM) against the float32
/// source, the conversion's own counts and per-stage seconds (its --json progress events) — and decode speed of the
/// result per codec (`edgetiny bench`).
/// </summary>
public static class ScaleRunner
{
    /// <summary>A conversion to measure: its name, the convert flags, and the codec it produces (for the decode bench).</summary>
    public sealed record Case(string Name, string[] Flags);

    public static readonly Case[] DefaultCases =
    [
        new("none-f32", ["--policy", "none", "--bits", "32"]),
        new("uniform-q8", ["--policy", "uniform", "--bits", "8"]),
        new("uniform-q4", ["--policy", "uniform", "--bits", "4"]),
    ];

    public static JsonObject Run(TextWriter log, IReadOnlyList<string> shapes, IReadOnlyList<Case> cases, int decodeTokens, TimeSpan timeout)
    {
        string cache = Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Benchmarks", ".cache", "shapes");
        var result = new JsonObject();
        foreach (string shape in shapes)
        {
            var clock = Stopwatch.StartNew();
            (string checkpoint, string tokenizer) = RandomCheckpoints.Write(shape, cache);
            double generateSeconds = clock.Elapsed.TotalSeconds;
            long sourceBytes = new FileInfo(checkpoint).Length;
            log.WriteLine($"{shape}: {sourceBytes:N0} B checkpoint generated in {generateSeconds:F1} s");
            var converts = new JsonObject();
            foreach (Case c in cases)
            {
                string etb = Path.Combine(cache, $"{shape}-{c.Name}.etb");
                Measured m = Measure(["convert", checkpoint, "--tokenizer", tokenizer, .. c.Flags, "-o", etb, "--json"], timeout);
                var entry = new JsonObject
                {
                    ["flags"] = string.Join(' ', c.Flags),
                    ["exit_code"] = m.ExitCode,
                    ["seconds"] = Math.Round(m.Seconds, 2),
                    ["peak_rss_bytes"] = m.PeakRssBytes,
                    ["peak_rss_over_source"] = Math.Round((double)m.PeakRssBytes / sourceBytes, 3),
                };
                if (m.ExitCode == 0)
                {
                    JsonObject output = JsonNode.Parse(m.Stdout)!.AsObject();
                    entry["file_bytes"] = (long)output["file_bytes"]!;
                    entry["counts"] = output["counts"]?.DeepClone();
                    entry["plan"] = (string?)output["plan"];
                    entry["stage_seconds"] = StageSeconds(m.Stderr);
                    entry["decode"] = Decode(etb, decodeTokens, timeout);
                }
                else entry["error"] = m.TimedOut ? $"stopped after {timeout.TotalMinutes} min" : m.Stderr.Trim();
                File.Delete(etb);
                log.WriteLine($"  {c.Name}: {m.Seconds:F1} s, peak RSS {m.PeakRssBytes / 1048576.0:F0} MiB ({entry["peak_rss_over_source"]}x the source), exit {m.ExitCode}");
                converts[c.Name] = entry;
            }
            ModelConfigJson(shape, out JsonObject config);
            result[shape] = new JsonObject
            {
                ["config"] = config,
                ["source_bytes"] = sourceBytes,
                ["generate_seconds"] = Math.Round(generateSeconds, 2),
                ["convert"] = converts,
            };
        }
        return result;
    }

    private static void ModelConfigJson(string shape, out JsonObject json)
    {
        var c = RandomCheckpoints.Shape(shape);
        json = new JsonObject
        {
            ["dim"] = c.Dim, ["hidden_dim"] = c.HiddenDim, ["layers"] = c.Layers, ["heads"] = c.Heads, ["kv_heads"] = c.KvHeads,
            ["vocab"] = c.VocabSize, ["seq_len"] = c.SeqLen,
        };
    }

    /// <summary>tokens/s of `edgetiny bench` (SIMD kernels, this machine) on the converted file.</summary>
    private static JsonNode? Decode(string etb, int tokens, TimeSpan timeout)
    {
        if (tokens <= 0) return null;
        Measured m = Measure(["bench", etb, "--tokens", tokens.ToString(CultureInfo.InvariantCulture), "--json"], timeout);
        if (m.ExitCode != 0) return new JsonObject { ["error"] = m.Stderr.Trim() };
        JsonObject o = JsonNode.Parse(m.Stdout)!.AsObject();
        return new JsonObject { ["tokens"] = tokens, ["tokens_per_second"] = o["tokens_per_second"]?.DeepClone(), ["peak_rss_bytes"] = m.PeakRssBytes };
    }

    /// <summary>Seconds per stage from the conversion's --json progress events ("stage_done" lines on stderr).</summary>
    private static JsonObject StageSeconds(string stderr)
    {
        var stages = new JsonObject();
        foreach (string line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('{')) continue;
            JsonNode? e = JsonNode.Parse(line);
            if ((string?)e?["event"] == "stage_done") stages[(string)e["stage"]!] = e["seconds"]!.DeepClone();
        }
        return stages;
    }

    private sealed record Measured(int ExitCode, double Seconds, long PeakRssBytes, string Stdout, string Stderr, bool TimedOut);

    /// <summary>
    /// Runs `edgetiny` in its own process and samples its high-water resident set (VmHWM in /proc, a maximum the
    /// kernel keeps, so sampling only has to see it once before the process exits).
    /// </summary>
    private static Measured Measure(string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliRunner.CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        bool timedOut = false;
        while (!p.WaitForExit(50))
        {
            peak = Math.Max(peak, HighWaterMark(p.Id));
            if (clock.Elapsed > timeout)
            {
                p.Kill(entireProcessTree: true);
                timedOut = true;
                break;
            }
        }
        p.WaitForExit();
        return new Measured(timedOut ? -1 : p.ExitCode, clock.Elapsed.TotalSeconds, peak, stdout.Result, stderr.Result, timedOut);
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { } // the process has just exited
        return 0;
    }
}
