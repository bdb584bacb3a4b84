using EdgeTiny.Host.Boards;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Packing;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// FFN I/O on SD cards (Ripple + LLM in a Flash). Part 1: real models — stories260K (golden prompts), the ReLU demo
/// model and a sparse 768-neuron ReLU model (<see cref="SparseReluModel"/>), q8, FFN kept on the card, 48 greedy
/// tokens per prompt, on the esp32-wroom-32 and esp32-s3 timing models, for: dense FFN streaming; bundles in original
/// order, no collapse; packed (co-activation order), no collapse; packed + collapse; packed + collapse + cache; and
/// original + collapse (to isolate what placement alone buys); each with the gates on the card (read whole every
/// token) and in RAM (only bundles read). Part 2: synthetic activation traces with latent clusters and hot neurons at
/// n = 768 and 2048.
/// </summary>
public static class FfnIoRunner
{
    private static readonly (string Id, SdTimingModel Sd, long Budget)[] Boards =
        [.. new[] { "esp32-wroom-32", "esp32-s3-devkitc-1-n8r8" }.Select(id =>
        {
            var b = BoardCatalog.Find(id, Path.Combine(SharedData.RepoRoot, "boards"));
            return (id, b.Timing, b.Memory.ModelBudgetBytes);
        })];

    public static JsonObject Run(TextWriter log)
    {
        SourceModel stories = Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512);
        var golden = Golden.Cases.Select(g => (g.Tokens, g.PromptTokens)).ToList();
        // The demo model is ReLU-gated: its inactive neurons are exact zeros, so thresholding loses nothing there.
        SourceModel demo = Llama2cCheckpoint.Read(DemoModel.Checkpoint, null);
        SourceModel sparse = SparseReluModel.Load(log, out JsonObject trained);
        JsonObject sparseResult = RealModel(log, sparse, DemoModel.Prompts(sparse), $"{DemoModel.PromptTexts.Length} story openings + 48 greedy tokens each");
        sparseResult["training"] = new JsonObject
        {
            ["command"] = SparseReluModel.Command,
            ["parameters"] = trained["model"]!["parameters"]!.DeepClone(),
            ["heldout_loss"] = trained["heldout"]!["loss"]!.DeepClone(),
            ["heldout_perplexity"] = trained["heldout"]!["perplexity"]!.DeepClone(),
            ["seconds"] = trained["training"]!["seconds"]!.DeepClone(),
        };
        return new JsonObject
        {
            ["stories260K"] = RealModel(log, stories, golden, "5 golden prompts + 48 greedy tokens each"),
            ["demo_relu"] = RealModel(log, demo, DemoModel.Prompts(demo), $"{DemoModel.PromptTexts.Length} story openings + 48 greedy tokens each"),
            ["sparse_relu768"] = sparseResult,
            ["synthetic"] = Synthetic(log),
        };
    }

    // ---------------------------------------------------------------- part 1: real models

    private static JsonObject RealModel(TextWriter log, SourceModel source, List<(int[] Tokens, int PromptTokens)> prompts, string what)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgetiny-ffn-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        string Convert(string pack)
        {
            string path = Path.Combine(dir, $"q8-{pack}.etb");
            ModelConverter.Convert(source, new ConvertOptions { Bits = 8, Pack = pack }, path);
            return path;
        }
        string dense = Convert("none"), original = Convert("original"), packed = Convert("coactivation");
        // Ripple's evaluation gives every system a cache of 10% of the FFN; same here.
        int ffnBytes = (int)(new FileInfo(packed).Length / 2);
        int cache = ffnBytes / 10;
        var configs = new (string Name, string Path, bool Collapse, int Cache)[]
        {
            ("dense FFN streaming", dense, false, 0),
            ("bundles, original order, no collapse", original, false, 0),
            ("packed, no collapse", packed, false, 0),
            ("packed + collapse", packed, true, 0),
            ("packed + collapse + cache", packed, true, cache),
            ("original order + collapse", original, true, 0),
        };
        var result = new JsonObject { ["cache_bytes"] = cache, ["tokens"] = what, ["hidden"] = source.Config.HiddenDim };
        // Where the gates live decides what the FFN reads: on the card, each packed layer reads its whole gate every
        // token before it knows which bundles it needs; in RAM (as LLM in a Flash keeps its predictor in DRAM) only
        // bundles are read. Both are measured; the gate bytes say on which board the second one fits.
        foreach (var (id, sd, budget) in Boards)
        {
            var board = new JsonObject { ["model_budget_bytes"] = budget };
            foreach (bool residentGates in new[] { false, true })
            {
                var rows = new JsonArray();
                long gateBytes = 0;
                foreach (var c in configs)
                {
                    JsonObject r = Measure(c.Path, sd, c.Collapse, c.Cache, residentGates, prompts, out long gates);
                    if (c.Path == packed) gateBytes = gates;
                    r["config"] = c.Name;
                    rows.Add(r);
                }
                double Ms(string config) => (double)rows.First(r => (string)r!["config"]! == config)!["ffn_ms_per_token"]!;
                double baseline = Ms("bundles, original order, no collapse");
                foreach (JsonNode? r in rows)
                    r!["speedup_vs_original_bundles"] = Math.Round(baseline / (double)r["ffn_ms_per_token"]!, 3);
                var entry = new JsonObject
                {
                    ["gate_ram_bytes"] = residentGates ? gateBytes : 0,
                    ["packed_collapse_vs_original_bundles"] = Math.Round(baseline / Ms("packed + collapse"), 3),
                    ["placement_gain"] = Math.Round(Ms("original order + collapse") / Ms("packed + collapse"), 3),
                    ["configs"] = rows,
                };
                if (residentGates) entry["gates_resident_within_model_budget"] = GatesWithinBudget(packed, sd, budget);
                board[residentGates ? "gates_in_ram" : "gates_on_card"] = entry;
                log.WriteLine($"{id}, gates {(residentGates ? "in RAM" : "on card")}: "
                    + string.Join("; ", rows.Select(r => $"{r!["config"]} {r["ffn_ms_per_token"]} ms")));
            }
            result[id] = board;
        }
        Directory.Delete(dir, true);
        return result;
    }

    /// <summary>How many packed layers' gates the planner keeps in RAM within the board's own model budget.</summary>
    private static string GatesWithinBudget(string path, SdTimingModel sd, long budget)
    {
        var o = new RuntimeOptions { BudgetBytes = budget, Storage = sd, Ffn = new FfnStreaming { Stream = true, GatesResident = true } };
        try
        {
            EtbModel m = EtbModel.Open(new StreamBlockSource(File.OpenRead(path), true), o);
            return $"{m.Weights.W1.Count(g => g.IsResident)} of {m.Weights.W1.Length}";
        }
        catch (MemoryBudgetException e)
        {
            return "model does not fit: " + e.Message;
        }
    }

    /// <summary>Generates from the golden prompts with the FFN on the card and attributes I/O to the FFN phase.</summary>
    private static JsonObject Measure(string path, SdTimingModel sd, bool collapse, int cache, bool residentGates,
        List<(int[] Tokens, int PromptTokens)> prompts, out long gateBytes)
    {
        var o = new RuntimeOptions { ContextLength = 64, Storage = sd, ChunkBytes = 32768, Ffn = new FfnStreaming { Stream = true, GatesResident = residentGates, Collapse = collapse, CacheBytes = cache } };
        EtbModel m = EtbModel.Open(new StreamBlockSource(File.OpenRead(path), true), o);
        var k = new PortableKernels();
        Transformer t = m.CreateTransformer(k);
        var probe = new FfnProbe(m);
        var gen = new Generator(t, m.CreateSampler(0, 0.9f, 1, k), new ForwardHooks(m.Weights, null, null, probe));
        int tokens = 0;
        foreach (var (promptTokens, count) in prompts)
        {
            gen.Start(promptTokens, count, 48);
            while (gen.Next() >= 0) { }
            tokens += gen.Position;
        }
        probe.Phase(ForwardPhase.Done);
        gateBytes = m.Weights.W1.Sum(g => g.IsResident ? g.StoredBytes : 0);
        long useful;
        if (m.Weights.Ffn is null) useful = probe.Bytes; // the dense FFN uses every byte it reads
        else useful = m.Weights.Ffn.Where(f => f != null).Sum(f => f.ActiveNeurons * (long)f.Bundles.RowBytes + (f.Gate.IsResident ? 0 : f.Calls * f.Gate.StoredBytes));
        long hits = m.Weights.Ffn?.Where(f => f != null).Sum(f => f.Cache?.Hits ?? 0) ?? 0, lookups = m.Weights.Ffn?.Where(f => f != null).Sum(f => f.Cache?.Lookups ?? 0) ?? 0;
        double ms = probe.Nanoseconds / 1e6 / tokens;
        return new JsonObject
        {
            ["ffn_ms_per_token"] = Math.Round(ms, 4),
            ["reads_per_token"] = Math.Round((double)probe.Reads / tokens, 2),
            ["bytes_per_token"] = Math.Round((double)probe.Bytes / tokens, 1),
            ["useful_bytes_per_token"] = Math.Round((double)useful / tokens, 1),
            ["effective_bandwidth_mb_per_s"] = Math.Round(useful / (probe.Nanoseconds / 1e9) / 1e6, 3),
            ["cache_hit_rate"] = lookups == 0 ? null : Math.Round((double)hits / lookups, 4),
            ["active_fraction"] = m.Weights.Ffn is null ? 1.0 : Math.Round(m.Weights.Ffn.Where(f => f != null).Average(f => (double)f.ActiveNeurons / f.Calls / f.Bundles.Rows), 4),
        };
    }

    /// <summary>Adds up storage time, reads and bytes spent while a forward pass is in its FFN phase.</summary>
    private sealed class FfnProbe(EtbModel m) : IForwardObserver
    {
        private bool _inFfn;
        private long _ns0, _reads0, _bytes0;
        public long Nanoseconds, Reads, Bytes;

        public void Phase(int phase)
        {
            SimulatedSdCard sd = m.Storage!;
            if (_inFfn)
            {
                Nanoseconds += sd.SimulatedNanoseconds - _ns0;
                Reads += sd.Reads - _reads0;
                Bytes += sd.BytesRead - _bytes0;
            }
            _inFfn = phase == ForwardPhase.Ffn;
            _ns0 = sd.SimulatedNanoseconds;
            _reads0 = sd.Reads;
            _bytes0 = sd.BytesRead;
        }
    }

    // ---------------------------------------------------------------- part 2: synthetic traces

    /// <summary>
    /// Activation traces with structure: neurons belong to latent clusters (scattered over the original order); each
    /// token keeps its active clusters with probability 0.8, else draws 4 new ones (Zipf-like popularity); neurons
    /// of an active cluster fire with p = 0.7; 1% hot neurons fire with p = 0.6; everything else with p = 0.01.
    /// </summary>
    public static NeuronMasks Trace(int n, int clusterSize, int tokens, int seed, out double activeFraction)
    {
        var rng = new Random(seed);
        var structure = new Random(n); // the same clusters and hot set for every trace of this n
        int clusters = n / clusterSize;
        int[] neuron = [.. Enumerable.Range(0, n).OrderBy(_ => structure.Next())];
        var hot = new HashSet<int>(Enumerable.Range(0, n / 100).Select(_ => structure.Next(n)));
        var masks = new NeuronMasks(n, tokens);
        int[] active = [.. Enumerable.Range(0, 4).Select(_ => Zipf(rng, clusters))];
        for (int t = 0; t < tokens; t++)
        {
            if (rng.NextDouble() > 0.8) active = [.. Enumerable.Range(0, 4).Select(_ => Zipf(rng, clusters))];
            foreach (int c in active)
                for (int i = 0; i < clusterSize; i++)
                    if (rng.NextDouble() < 0.7) masks.Set(t, neuron[c * clusterSize + i]);
            foreach (int h in hot) if (rng.NextDouble() < 0.6) masks.Set(t, h);
            for (int i = 0; i < n; i++) if (rng.NextDouble() < 0.01) masks.Set(t, i);
        }
        activeFraction = masks.MeanActiveFraction;
        return masks;
    }

    private static int Zipf(Random rng, int n)
    {
        // P(k) ∝ 1/(k+1), by inverse transform over the harmonic CDF.
        double h = 0;
        for (int k = 0; k < n; k++) h += 1.0 / (k + 1);
        double u = rng.NextDouble() * h, acc = 0;
        for (int k = 0; k < n; k++)
        {
            acc += 1.0 / (k + 1);
            if (u <= acc) return k;
        }
        return n - 1;
    }

    private static JsonObject Synthetic(TextWriter log)
    {
        var result = new JsonObject
        {
            ["generator"] = "latent clusters scattered over the original order; active clusters persist with p=0.8, else 4 new (Zipf); p(fire | active cluster)=0.7; 1% hot neurons p=0.6; background p=0.01; profile 2000 tokens (seed 1), evaluate 500 other tokens (seed 2)",
        };
        foreach (var (n, dim, clusterSize) in new[] { (768, 288, 16), (2048, 512, 32) })
        {
            NeuronMasks profile = Trace(n, clusterSize, 2000, 1, out _);
            NeuronMasks eval = Trace(n, clusterSize, 500, 2, out double fraction);
            var clock = Stopwatch.StartNew();
            (int[] pairs, int[] singles) = profile.CoActivation();
            int[] order = LinkMergingPlacer.Place(pairs, singles);
            double placeMs = clock.Elapsed.TotalMilliseconds;
            int[] positionOf = new int[n];
            for (int p = 0; p < n; p++) positionOf[order[p]] = p;
            int bundleBytes = 2 * (dim + 4 * ((dim + 63) / 64)); // q8 up row + down column with group-64 scales
            var entry = new JsonObject
            {
                ["neurons"] = n, ["dim"] = dim, ["bundle_bytes"] = bundleBytes,
                ["active_fraction"] = Math.Round(fraction, 4), ["placement_ms"] = Math.Round(placeMs, 1),
            };
            foreach (var (id, sd, _) in Boards)
            {
                double Ms(bool packed, bool collapse, int cacheBytes) =>
                    SimulateBundleIo(eval, packed ? positionOf : null, bundleBytes, sd, collapse, cacheBytes).Ms;
                int cache = n * bundleBytes / 10;
                var (origNo, origCol, packNo, packCol, packCache) =
                    (Ms(false, false, 0), Ms(false, true, 0), Ms(true, false, 0), Ms(true, true, 0), Ms(true, true, cache));
                entry[id] = new JsonObject
                {
                    ["bundle_ms_per_token"] = new JsonObject
                    {
                        ["original_no_collapse"] = Math.Round(origNo, 4), ["original_collapse"] = Math.Round(origCol, 4),
                        ["packed_no_collapse"] = Math.Round(packNo, 4), ["packed_collapse"] = Math.Round(packCol, 4),
                        ["packed_collapse_cache"] = Math.Round(packCache, 4),
                    },
                    ["placement_gain_with_collapse"] = Math.Round(origCol / packCol, 3),
                    ["packed_collapse_vs_original_bundles"] = Math.Round(origNo / packCol, 3),
                    ["cache_bytes"] = cache,
                };
                log.WriteLine($"synthetic n={n} {id}: placement gain {origCol / packCol:F2}x, packed+collapse vs original bundles {origNo / packCol:F2}x");
            }
            result[$"n{n}"] = entry;
        }
        return result;
    }

    /// <summary>Bundle reads of a trace through the runtime's own planner and cache, costed by the timing model.</summary>
    public static (double Ms, double Reads) SimulateBundleIo(NeuronMasks trace, int[]? positionOf, int bundleBytes, SdTimingModel sd, bool collapse, int cacheBytes)
    {
        int n = trace.Neurons;
        var planner = new ReadPlanner(sd, 0, bundleBytes, n, 32768 / bundleBytes, new MemoryLedger(), "sim");
        var cache = new BundleCache(n, bundleBytes, cacheBytes, new MemoryLedger(), "sim");
        var positions = new int[n];
        var needed = new int[n];
        var run = new int[n];
        var dummy = new byte[32768];
        long ns = 0, reads = 0;
        for (int t = 0; t < trace.Tokens; t++)
        {
            int a = trace.ActivePositions(t, positionOf, positions), m = 0;
            for (int i = 0; i < a; i++) if (cache.Find(positions[i]) < 0) needed[m++] = positions[i];
            for (int i = 0; i < m;)
            {
                int j = i + 1;
                while (j < m && needed[j] == needed[j - 1] + 1) j++;
                for (int q = i; q < j; q++) run[q] = j - i;
                i = j;
            }
            int r = planner.Plan(needed, m, collapse);
            for (int k = 0; k < r; k++)
            {
                ns += sd.ReadNanoseconds((long)planner.Start(k) * bundleBytes, planner.Count(k) * bundleBytes);
                reads++;
            }
            for (int i = 0; i < m; i++) cache.Offer(needed[i], dummy, 0, run[i]);
        }
        return (ns / 1e6 / trace.Tokens, (double)reads / trace.Tokens);
    }
}
