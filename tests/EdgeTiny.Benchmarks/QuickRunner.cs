using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Simd;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// A short fixed-budget measurement (no BenchmarkDotNet jobs) of every <see cref="MatrixCase"/> and implementation,
/// with the memory copy / read baselines of the same byte counts measured in the same run, so throughput can be
/// stated as a fraction of memory bandwidth. Each number is the median of <see cref="Reps"/> timed repetitions of
/// enough calls to last about <c>targetMs</c>.
/// </summary>
public static class QuickRunner
{
    public const int Reps = 5;
    public static readonly string[] ImplementationNames = ["portable", "simd", "simd-v128", "simd-mt"];

    public static JsonObject Run(TextWriter log, double targetMs)
    {
        var kernels = ImplementationNames.ToDictionary(n => n, Implementations.Create);
        var results = new JsonArray();
        log.WriteLine($"{"case",-26} {"impl",-10} {"us/call",10} {"GB/s",8} {"GMAC/s",8} {"x portable",10} {"of memcpy",9} {"of read",8}");
        try
        {
            var cases = MatrixCase.All.Select(c => (Case: c, Data: new MatrixData(c), Memory: new MemoryBaseline(c.WeightBytes))).ToArray();
            WarmUp(cases.SelectMany(c => kernels.Values.Select(k => (Action)(() => c.Data.Run(k)))
                .Append(c.Memory.Copy).Append(() => c.Memory.Read())).ToArray());
            foreach ((MatrixCase c, MatrixData data, MemoryBaseline memory) in cases)
            {
                double copyNs = Measure(memory.Copy, targetMs);
                double readNs = Measure(() => memory.Read(), targetMs);
                double copyGbs = c.WeightBytes / copyNs, readGbs = c.WeightBytes / readNs;
                log.WriteLine($"{c.Name,-26} {"memcpy",-10} {copyNs / 1000,10:F2} {copyGbs,8:F2}");
                log.WriteLine($"{c.Name,-26} {"read",-10} {readNs / 1000,10:F2} {readGbs,8:F2}");
                var impls = new JsonObject();
                double portableNs = 0;
                foreach ((string name, IKernels k) in kernels)
                {
                    if (name == "simd-mt" && !c.Large) continue; // below the parallel threshold it is just "simd"
                    double ns = Measure(() => data.Run(k), targetMs);
                    if (name == "portable") portableNs = ns;
                    double gbs = c.WeightBytes / ns, gmacs = c.Macs / ns;
                    log.WriteLine($"{c.Name,-26} {name,-10} {ns / 1000,10:F2} {gbs,8:F2} {gmacs,8:F2} {portableNs / ns,10:F2} {gbs / copyGbs,9:P0} {gbs / readGbs,8:P0}");
                    impls[name] = new JsonObject
                    {
                        ["ns_per_call"] = Math.Round(ns, 1),
                        ["gb_per_s"] = Math.Round(gbs, 3),
                        ["gmac_per_s"] = Math.Round(gmacs, 3),
                        ["speedup_vs_portable"] = Math.Round(portableNs / ns, 2),
                        ["fraction_of_memcpy"] = Math.Round(gbs / copyGbs, 3),
                        ["fraction_of_read"] = Math.Round(gbs / readGbs, 3),
                    };
                }
                results.Add(new JsonObject
                {
                    ["case"] = c.Name,
                    ["codec"] = c.Codec,
                    ["rows"] = c.Rows,
                    ["cols"] = c.Cols,
                    ["group_size"] = c.Codec == "f32" ? 0 : c.GroupSize,
                    ["kept_per_row"] = c.Kept,
                    ["weight_bytes"] = c.WeightBytes,
                    ["macs"] = c.Macs,
                    ["memcpy_gb_per_s"] = Math.Round(copyGbs, 3),
                    ["read_gb_per_s"] = Math.Round(readGbs, 3),
                    ["implementations"] = impls,
                });
            }
        }
        finally
        {
            foreach (IKernels k in kernels.Values) (k as IDisposable)?.Dispose();
        }
        return new JsonObject
        {
            ["target_ms_per_rep"] = targetMs,
            ["reps"] = Reps,
            ["notes"] = "GB/s = weight bytes read per second (scales, bitmaps and packed values); GMAC/s counts stored "
                + "weights only (a sparse row's pruned weights cost nothing); fraction_of_memcpy = kernel GB/s over "
                + "Buffer.MemoryCopy GB/s of the same byte count (a copy also writes them); fraction_of_read = over a "
                + "read-only 256-bit pass. simd-mt runs only for the large cases.",
            ["cases"] = results,
        };
    }

    /// <summary>
    /// Runs everything until tiered compilation has replaced the first, unoptimised code with optimised code (each
    /// method needs 30 calls after a 100 ms quiet period without new compilations), so measurements see steady state.
    /// </summary>
    private static void WarmUp(Action[] calls)
    {
        for (int round = 0; round < 3; round++)
        {
            foreach (Action call in calls)
                for (int i = 0; i < 40; i++) call();
            Thread.Sleep(250);
        }
    }

    /// <summary>Median nanoseconds per call over <see cref="Reps"/> repetitions of about <paramref name="targetMs"/> each.</summary>
    public static double Measure(Action call, double targetMs)
    {
        call(); // caches
        var sw = Stopwatch.StartNew();
        call();
        double once = Math.Max(sw.Elapsed.TotalMilliseconds, 1e-4);
        int iterations = (int)Math.Clamp(targetMs / once, 1, 1_000_000);
        var samples = new double[Reps];
        for (int r = 0; r < Reps; r++)
        {
            sw.Restart();
            for (int i = 0; i < iterations; i++) call();
            samples[r] = sw.Elapsed.TotalMilliseconds * 1e6 / iterations;
        }
        Array.Sort(samples);
        return samples[Reps / 2];
    }

    public static JsonObject Machine() => new()
    {
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.ProcessArchitecture.ToString(),
        ["cores"] = Environment.ProcessorCount,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["simd_level"] = SimdKernels.BestLevel.ToString(),
        ["cpu"] = CpuName(),
    };

    private static string CpuName()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
    }
}
