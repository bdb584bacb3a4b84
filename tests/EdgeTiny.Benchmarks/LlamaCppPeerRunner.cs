using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Simd;
using EdgeTiny.Runtime.Text;
using LLama.Native;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// llama.cpp as a speed peer: the same GGUF file decoded by llama.cpp (LLamaSharp 0.30.0, CPU backend) and by EdgeTiny
/// after importing it, one thread each, in one run; greedy tokens from BOS, one token per decode call on both sides.
/// Models: stories260K (ggml's writer: F32, and Q8_0 by ggml's quantizer) and a generated dim-256 model (F32, and Q8_0
/// by llama_model_quantize). EdgeTiny decodes the F32 file as f32 and the Q8_0 file as its own q8 (groups of 32).
/// Reports tokens/s and EdgeTiny ÷ llama.cpp per kernel set; also whether both produced the same tokens.
/// </summary>
public static class LlamaCppPeerRunner
{
    public const int Runs = 3;

    public static JsonObject Run(TextWriter log, int steps)
    {
        using var files = new GgufFiles();
        var result = new JsonObject
        {
            ["steps"] = steps,
            ["runs"] = Runs,
            ["threads"] = 1,
            ["statistic"] = "median tokens/s of the runs; ratio = EdgeTiny / llama.cpp",
            ["llama_cpp"] = "LLamaSharp 0.30.0 + LLamaSharp.Backend.Cpu (llama.cpp, F32 KV cache, no flash attention)",
        };
        foreach (string model in new[] { "stories", "generated" })
            foreach (var (label, type, bits) in new[] { ("f32", LLamaFtype.ALL_F32, 32), ("q8", LLamaFtype.MOSTLY_Q8_0, 8) })
            {
                string gguf = files.File(model, type), etb = files.Converted(model, type, bits);
                double llamaTps;
                int[] llamaTokens;
                using (var llama = new LlamaCppModel(gguf, contextSize: steps + 2, threads: 1))
                {
                    llamaTokens = llama.Greedy([Tokenizer.DefaultBos], steps);
                    llamaTps = Median(Enumerable.Range(0, Runs).Select(_ =>
                    {
                        var sw = Stopwatch.StartNew();
                        llama.Greedy([Tokenizer.DefaultBos], steps);
                        return steps / sw.Elapsed.TotalSeconds;
                    }));
                }
                var entry = new JsonObject
                {
                    ["gguf_bytes"] = new FileInfo(gguf).Length,
                    ["etb_bytes"] = new FileInfo(etb).Length,
                    ["gguf_types"] = string.Join("+", Converter.Import.Gguf.GgufFile.Read(gguf).Tensors.Select(t => t.Type).Distinct().Order()),
                    ["llama_cpp_tokens_per_second"] = Math.Round(llamaTps, 1),
                };
                foreach (string kernels in new[] { "portable", "simd" })
                {
                    IKernels k = kernels == "portable" ? new PortableKernels() : new SimdKernels();
                    EtbModel m = GgufFiles.Load(etb);
                    int[] ours = Decode(m, k, steps);
                    double tps = Median(Enumerable.Range(0, Runs).Select(_ =>
                    {
                        var sw = Stopwatch.StartNew();
                        Decode(m, k, steps);
                        return steps / sw.Elapsed.TotalSeconds;
                    }));
                    (k as IDisposable)?.Dispose();
                    int samePrefix = ours.Zip(llamaTokens).TakeWhile(p => p.First == p.Second).Count();
                    entry[kernels] = new JsonObject
                    {
                        ["tokens_per_second"] = Math.Round(tps, 1),
                        ["ratio_to_llama_cpp"] = Math.Round(tps / llamaTps, 3),
                        ["tokens_equal_to_llama_cpp"] = samePrefix,
                    };
                    log.WriteLine($"peer {model,-9} {label} {kernels,-8} EdgeTiny {tps,9:F0} tok/s  llama.cpp {llamaTps,9:F0} tok/s  ratio {tps / llamaTps,6:F2}  same tokens {samePrefix}/{steps}");
                }
                result[$"{model}_{label}"] = entry;
            }
        return result;
    }

    private static int[] Decode(EtbModel m, IKernels k, int steps)
    {
        Transformer t = m.CreateTransformer(k, m.Config.SeqLen);
        var tokens = new int[steps];
        int token = m.Tokenizer.Bos;
        for (int s = 0; s < steps; s++)
        {
            float[] logits = t.Forward(token, s);
            token = Sampler.ArgMax(logits, m.Config.VocabSize);
            tokens[s] = token;
        }
        return tokens;
    }

    private static double Median(IEnumerable<double> xs)
    {
        double[] a = [.. xs.Order()];
        return a[a.Length / 2];
    }
}
