using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Simd;
using EdgeTiny.Runtime.Text;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// End-to-end decode speed: stories260K converted by the real converter (fp32 and q8 via TestSupport's
/// <see cref="ConvertedModels"/>, q4 here), loaded with <see cref="EtbModel.Load(EdgeTiny.Runtime.IO.BlockSource)"/>, then
/// <c>steps</c> greedy tokens from BOS on one thread — exactly <c>steps</c> forward passes, no early stop, like the C
/// baseline — with the portable and the SIMD kernels. Optionally builds and runs the C baseline in the same run, so
/// the ratios compare numbers measured side by side.
/// </summary>
public static class DecodeRunner
{
    public const int Runs = 5;

    public static readonly string[] Codecs = ["f32", "q8", "q4"];

    public static JsonObject Run(TextWriter log, int steps, bool withBaseline)
    {
        using var models = new ConvertedModels();
        var result = new JsonObject
        {
            ["steps"] = steps,
            ["runs"] = Runs,
            ["threads"] = 1,
            ["statistic"] = "median tokens/s of the runs",
            ["models"] = "stories260K converted by the converter: f32 (none/32), q8 (group 64), q4 (none/4, group 64)",
        };
        int[] golden = Golden.Cases.First(g => g.PromptTokens == 1).Generated;
        var f32Tokens = new Dictionary<string, int[]>();
        foreach (string codec in Codecs)
        {
            string path = codec switch { "f32" => models.F32Path, "q8" => models.Q8Path, _ => ConvertQ4(models) };
            var byKernel = new JsonObject { ["file_bytes"] = new FileInfo(path).Length };
            var tokensByKernel = new Dictionary<string, int[]>();
            foreach (string name in new[] { "portable", "simd" })
            {
                IKernels k = name == "portable" ? new PortableKernels() : new SimdKernels();
                (double tps, int[] tokens, double allocated) = Measure(path, k, steps);
                (k as IDisposable)?.Dispose();
                bool goldenPrefix = tokens.Take(golden.Length).SequenceEqual(golden);
                tokensByKernel[name] = tokens;
                if (codec == "f32") f32Tokens[name] = tokens;
                log.WriteLine($"decode {codec,-4} {name,-9} {tps,10:F0} tok/s   {allocated,4:F0} B/token   first {golden.Length} tokens equal golden: {goldenPrefix}");
                byKernel[name] = new JsonObject
                {
                    ["tokens_per_second"] = Math.Round(tps, 1),
                    ["allocated_bytes_per_token"] = allocated,
                    ["golden_prefix_equal"] = goldenPrefix,
                    ["tokens"] = new JsonArray(tokens.Select(t => (JsonNode)t).ToArray()),
                };
            }
            byKernel["simd_over_portable"] = Math.Round(Tps(byKernel, "simd") / Tps(byKernel, "portable"), 2);
            byKernel["simd_tokens_equal_portable"] = tokensByKernel["simd"].SequenceEqual(tokensByKernel["portable"]);
            log.WriteLine($"decode {codec,-4} simd / portable = {byKernel["simd_over_portable"]}");
            result[codec] = byKernel;
        }
        if (withBaseline)
        {
            // in-order: float sums in index order like the reference (gcc cannot vectorise them without -ffast-math);
            // vector-sums: 8 partial sums per row, which gcc -O3 -march=native vectorises.
            foreach ((string key, string cflags) in new[] { ("c_baseline", ""), ("c_baseline_vector_sums", "-DVECTOR_SUMS") })
            {
                JsonObject? c = RunBaseline(log, steps, cflags);
                if (c is null) continue;
                double ctps = c["tokens_per_second"]!.GetValue<double>();
                int[] ctokens = c["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
                log.WriteLine($"decode {key,-22} {ctps,10:F0} tok/s   tokens equal C# fp32: {ctokens.SequenceEqual(f32Tokens["portable"])}");
                var entry = new JsonObject
                {
                    ["cflags"] = "-O3 -march=native " + cflags,
                    ["tokens_per_second"] = ctps,
                    ["tokens_equal_csharp_f32_portable"] = ctokens.SequenceEqual(f32Tokens["portable"]),
                    ["tokens_equal_csharp_f32_simd"] = ctokens.SequenceEqual(f32Tokens["simd"]),
                };
                foreach (string codec in Codecs)
                    foreach (string kernel in new[] { "portable", "simd" })
                        entry[$"{codec}_{kernel}_over_c"] = Math.Round(Tps((JsonObject)result[codec]!, kernel) / ctps, 3);
                result[key] = entry;
            }
        }
        return result;
    }

    /// <summary>stories260K as dense q4 (policy none, 4 bits, group 64), converted into the models' temp folder.</summary>
    private static string ConvertQ4(ConvertedModels models)
    {
        string path = Path.Combine(models.Folder, "q4.etb");
        if (!File.Exists(path)) ModelConverter.Convert(models.Source, new ConvertOptions { Policy = "none", Bits = 4 }, path);
        return path;
    }

    private static double Tps(JsonObject o, string kernel) => o[kernel]!["tokens_per_second"]!.GetValue<double>();

    private static (double TokensPerSecond, int[] Tokens, double AllocatedBytesPerToken) Measure(string path, IKernels kernels, int steps)
    {
        EtbModel m = ConvertedModels.Load(path);
        if (steps > m.Config.SeqLen) throw new ArgumentOutOfRangeException(nameof(steps), $"at most {m.Config.SeqLen}");
        Transformer t = m.CreateTransformer(kernels, m.Config.SeqLen);
        Sampler greedy = m.CreateSampler(0f, 0.9f, 1, kernels);
        var tokens = new int[steps];
        // Warm-up until tiered compilation has optimised Forward and the kernels (30 calls after a quiet 100 ms).
        for (int round = 0; round < 3; round++)
        {
            Decode(t, greedy, tokens);
            Thread.Sleep(250);
        }
        var rates = new double[Runs];
        long allocated = 0;
        for (int r = 0; r < Runs; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            Decode(t, greedy, tokens);
            long end = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            rates[r] = steps / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        }
        Array.Sort(rates);
        return (rates[Runs / 2], tokens, (double)allocated / ((long)Runs * steps));
    }

    private static void Decode(Transformer t, Sampler greedy, int[] tokens)
    {
        int token = t.Config.BosToken;
        for (int pos = 0; pos < tokens.Length; pos++)
        {
            token = greedy.Sample(t.Forward(token, pos));
            tokens[pos] = token;
        }
    }

    /// <summary>Runs baseline-c/run.sh (gcc -O3 -march=native) and returns its JSON, or null when it cannot run here.</summary>
    private static JsonObject? RunBaseline(TextWriter log, int steps, string cflags)
    {
        string script = Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Benchmarks", "baseline-c", "run.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (SharedData.Root is not null) psi.Environment["EDGETINY_SHARED"] = SharedData.Root;
        psi.Environment["BASELINE_CFLAGS"] = cflags;
        try
        {
            using var p = Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                log.WriteLine($"C baseline failed (exit {p.ExitCode}): {err.Result.Trim()}");
                return null;
            }
            return JsonNode.Parse(stdout)!.AsObject();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.WriteLine($"C baseline not run: {e.Message}");
            return null;
        }
    }
}
