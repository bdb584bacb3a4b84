using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Training.Corpus;
using EdgeTiny.Host;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.IO;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;
using EdgeTiny.Reports.Pages;

namespace EdgeTiny.Demo;

/// <summary>What `edgetiny demo` does; defaults are the demo's. Steps can be lowered (e.g. by a test) without changing anything else.</summary>
public sealed record DemoOptions
{
    public required string ModelPath { get; init; }
    public required string OutputDirectory { get; init; }
    public required BoardProfile Board { get; init; }
    /// <summary>Size of the .etb the LUC policy must fit.</summary>
    public long SizeBudgetBytes { get; init; } = 256 * 1024;
    public string Prompt { get; init; } = "Once upon a time";
    public int GenerateTokens { get; init; } = 64;
    /// <summary>Top layers tuned on the device (kept dense in the packed file).</summary>
    public int TuneLayers { get; init; } = 2;
    public int TuneSteps { get; init; } = 200;
    /// <summary>Higher than `edgetiny tune`'s default: the harbor world is far from what the model knows (new names and words).</summary>
    public float TuneLearningRate { get; init; } = 4e-3f;
    /// <summary>Bundle cache for the streamed FFN while generating (about a tenth of the demo model's packed FFN bytes).</summary>
    public int FfnCacheBytes { get; init; } = 16 * 1024;
    public int AdaptationStories { get; init; } = 40;
    /// <summary>Village stories (the base domain the model was trained on, unseen seed) that measure what tuning forgets.</summary>
    public int BaseStories { get; init; } = 40;
    /// <summary>Prompts asked on the board before and after tuning: the new world's, and one of the base domain.</summary>
    public IReadOnlyList<(string Prompt, string Domain)> DomainPrompts { get; init; } =
    [
        ("In a windy town by the sea, there was a", "harbor"),
        ("One foggy morning, Jonah went to the", "harbor"),
        ("Once upon a time", "village"),
    ];
    public int PromptTokens { get; init; } = 48;
    public IKernels Kernels { get; init; } = new PortableKernels();

    /// <summary>
    /// The demo's recipe, sent to the board in the tune request: LoRA on the top layers, rehearsal by distillation to the
    /// base model's own distributions on text it sampled itself (the board has no other data), learning rate decayed.
    /// </summary>
    public TuneSettings Recipe() => new()
    {
        Window = TuneLayers, Steps = TuneSteps, LearningRate = TuneLearningRate, RehearsalSteps = 1, RehearsalDistill = true,
        RehearsalWeight = 3f, LearningRateDecay = true, BaseSequences = 32,
    };
}

/// <summary>One generated token on the simulated board: the text it added and what producing it cost.</summary>
/// <remarks><paramref name="CacheHitRate"/>: share of packed-FFN bundle lookups the bundle caches answered (null: no lookups).</remarks>
public sealed record TokenCost(int Index, string Text, long PeakBytes, long Reads, long Bytes, double SimulatedMs, double? CacheHitRate);

/// <summary>What the demo did, stage by stage: convert, generate on the board, tune, generate again.</summary>
public sealed record DemoResult
{
    public required ConversionReport Conversion { get; init; }
    public required string EtbPath { get; init; }
    public required IReadOnlyList<TokenCost> Tokens { get; init; }
    public required SessionStats Generation { get; init; }
    public required string TextBefore { get; init; }
    public required string AdaptationPath { get; init; }
    public required BoardTuning Tuning { get; init; }
    public required string SummaryPath { get; init; }
    /// <summary>report.html: the summary drawn as charts (self-contained page).</summary>
    public required string ReportPath { get; init; }
    public required double Seconds { get; init; }
}

/// <summary>
/// The whole pipeline on the demo model, offline: convert for a board (LUC compression to a size budget, co-activation
/// packed FFNs with the tuned top layers kept dense), generate on the simulated board with per-token memory, reads
/// and simulated SD time, tune the top layers with LoRA on a built-in adaptation text (stories of a world the model
/// never saw) within the board's memory, generate again with the adapters, and save the .etb, the .eta and a JSON summary.
/// </summary>
public static class DemoRun
{
    /// <summary>The adaptation text's world and seed: harbor stories, unseen by the village-trained demo model.</summary>
    public const ulong AdaptationSeed = 77;
    /// <summary>Seed of the village stories that measure base-domain perplexity (the model was trained on seed 2026's).</summary>
    public const ulong BaseSeed = 9001;

    public static DemoResult Run(DemoOptions o, IConversionProgress? progress = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(o.OutputDirectory);
        SourceModel source = Llama2cCheckpoint.Read(o.ModelPath, null);
        string etb = Path.Combine(o.OutputDirectory, "demo.etb");
        ConversionReport conversion = ModelConverter.Convert(source, new ConvertOptions
        {
            Policy = "luc",
            BudgetBytes = o.SizeBudgetBytes,
            Pack = "coactivation",
            TunableLayers = o.TuneLayers,
        }, etb, progress);

        // Generation keeps the packed FFNs on the SD card (what packing is for: read only the active neurons, in few
        // commands); tuning runs as `edgetiny tune` does on the board, within its budget.
        var session = new SessionOptions { Board = o.Board, Kernels = o.Kernels, Runtime = new RuntimeOptions { Temperature = 0f } };
        var streaming = session with { Runtime = new RuntimeOptions { Temperature = 0f, Ffn = new FfnStreaming { Stream = true, CacheBytes = o.FfnCacheBytes } } };
        progress?.Stage("generate on " + o.Board.Id, o.GenerateTokens);
        (string before, List<TokenCost> tokens, SessionStats stats) = Generate(etb, streaming, o.Prompt, o.GenerateTokens, progress);

        string adaptation = Path.Combine(o.OutputDirectory, "adaptation.txt");
        string heldOut = Path.Combine(o.OutputDirectory, "adaptation-heldout.txt");
        string village = Path.Combine(o.OutputDirectory, "base-village.txt");
        var stories = StoryGenerator.Stories(StoryWorld.Harbor, AdaptationSeed, o.AdaptationStories + o.AdaptationStories / 4).ToList();
        AtomicFile.WriteAllText(adaptation, string.Join("\n\n", stories.Take(o.AdaptationStories)) + "\n");
        AtomicFile.WriteAllText(heldOut, string.Join("\n\n", stories.Skip(o.AdaptationStories)) + "\n");
        AtomicFile.WriteAllText(village, string.Join("\n\n", StoryGenerator.Stories(StoryWorld.Village, BaseSeed, o.BaseStories)) + "\n");

        // Tuning goes to the simulated board over the device protocol, as a maker sends their text to their board.
        progress?.Stage("tune top " + o.TuneLayers + " layers on the board", o.TuneSteps);
        BoardTuning tuned = DemoTuning.OverProtocol(etb, o.Board, o.Kernels, o.Recipe(), adaptation, heldOut, village, o.DomainPrompts,
            o.PromptTokens, o.OutputDirectory, p => progress?.Advance(p.Step));

        string summary = Path.Combine(o.OutputDirectory, "summary.json"), report = Path.Combine(o.OutputDirectory, "report.html");
        var result = new DemoResult
        {
            Conversion = conversion, EtbPath = etb, Tokens = tokens, Generation = stats, TextBefore = before,
            AdaptationPath = adaptation, Tuning = tuned, SummaryPath = summary, ReportPath = report, Seconds = clock.Elapsed.TotalSeconds,
        };
        JsonObject summaryJson = Summary(result, o);
        AtomicFile.WriteAllText(summary, summaryJson.ToJsonString(new() { WriteIndented = true }) + "\n");
        DemoReport.Build(summaryJson).Write(report);
        return result;
    }

    /// <summary>Greedy continuation of the prompt on the simulated board (text includes the prompt), with what each new token cost.</summary>
    private static (string Text, List<TokenCost> Tokens, SessionStats Stats) Generate(string etb, SessionOptions options, string prompt, int count,
        IConversionProgress? progress)
    {
        using BoardSession s = BoardSession.Open(etb, options);
        var rows = new List<TokenCost>();
        var text = new MemoryStream();
        long reads = 0, bytes = 0, ns = 0, hits = 0, lookups = 0;
        s.ResetCounters();
        s.Generate(s.Encode(prompt), count, text, (_, piece, n) =>
        {
            long simNs = s.Model.Storage?.SimulatedNanoseconds ?? 0;
            (long h, long l) = BundleCacheCounts(s.Transformer);
            rows.Add(new TokenCost(rows.Count + 1, Encoding.UTF8.GetString(piece, 0, n), s.Model.Ledger.PeakBytes,
                s.Model.Device.Reads - reads, s.Model.Device.BytesRead - bytes, (simNs - ns) / 1e6,
                l > lookups ? (double)(h - hits) / (l - lookups) : null));
            (reads, bytes, ns, hits, lookups) = (s.Model.Device.Reads, s.Model.Device.BytesRead, simNs, h, l);
            progress?.Advance(rows.Count);
        });
        return (Encoding.UTF8.GetString(text.ToArray()), rows, s.Stats());
    }

    /// <summary>Hits and lookups of every packed layer's bundle cache so far.</summary>
    private static (long Hits, long Lookups) BundleCacheCounts(Transformer t)
    {
        long hits = 0, lookups = 0;
        for (int l = 0; l < t.Config.Layers; l++)
            if (t.Ffn(l) is FfnBundles { Cache: { } cache })
            {
                hits += cache.Hits;
                lookups += cache.Lookups;
            }
        return (hits, lookups);
    }

    public static JsonObject Summary(DemoResult r, DemoOptions o) => new()
    {
        ["board"] = o.Board.Id,
        ["model"] = Path.GetFileName(o.ModelPath),
        ["seconds"] = Math.Round(r.Seconds, 1),
        ["convert"] = new JsonObject
        {
            ["etb"] = Path.GetFileName(r.EtbPath),
            ["bytes"] = r.Conversion.FileBytes,
            ["source_bytes"] = r.Conversion.SourceBytes,
            ["size_budget_bytes"] = o.SizeBudgetBytes,
            ["policy"] = "luc",
            ["pack"] = "coactivation",
            ["dense_top_layers"] = o.TuneLayers,
            ["details"] = ConversionJson.ToJson(r.Conversion),
        },
        ["generate"] = new JsonObject
        {
            ["prompt"] = o.Prompt,
            ["ffn"] = "streamed from the SD card (packed bundles, access collapse, bundle cache)",
            ["ffn_cache_bytes"] = o.FfnCacheBytes,
            ["text"] = r.TextBefore,
            ["tokens"] = r.Tokens.Count,
            ["peak_bytes"] = r.Generation.PeakBytes,
            ["budget_bytes"] = r.Generation.BudgetBytes,
            ["reads_per_token"] = Math.Round(r.Tokens.Average(t => (double)t.Reads), 2),
            ["bytes_per_token"] = Math.Round(r.Tokens.Average(t => (double)t.Bytes), 1),
            ["simulated_ms_per_token"] = Math.Round(r.Tokens.Average(t => t.SimulatedMs), 3),
            ["predicted_tokens_per_second"] = r.Generation.PredictedTokensPerSecond is double p ? Math.Round(p, 2) : null,
            ["per_token"] = new JsonObject
            {
                ["reads"] = new JsonArray([.. r.Tokens.Select(t => (JsonNode)t.Reads)]),
                ["bytes"] = new JsonArray([.. r.Tokens.Select(t => (JsonNode)t.Bytes)]),
                ["simulated_ms"] = new JsonArray([.. r.Tokens.Select(t => (JsonNode)Math.Round(t.SimulatedMs, 4))]),
                ["peak_bytes"] = new JsonArray([.. r.Tokens.Select(t => (JsonNode)t.PeakBytes)]),
                ["cache_hit_rate"] = new JsonArray([.. r.Tokens.Select(t => t.CacheHitRate is double h ? (JsonNode)Math.Round(h, 4) : null)]),
            },
        },
        ["tune"] = Tune(r.Tuning, r.AdaptationPath, o.Board),
    };

    private static JsonObject Tune(BoardTuning t, string adaptationPath, BoardProfile board) => new()
    {
        ["over"] = "device protocol, " + t.Target + " (board-sim with card folder " + DemoTuning.CardFolder + "/)",
        ["adaptation_text"] = Path.GetFileName(adaptationPath),
        ["adapters"] = Path.Combine(DemoTuning.CardFolder, EdgeTiny.Host.BoardSim.SimulatedBoard.AdaptersFile),
        ["generation"] = t.Saved.Generation,
        ["layers"] = t.Settings.Window,
        ["rank"] = t.Settings.Rank,
        ["steps"] = t.Reply.Steps,
        ["learning_rate"] = t.Settings.LearningRate,
        ["learning_rate_decay"] = t.Settings.LearningRateDecay,
        ["rehearsal"] = t.Settings.RehearsalDistill ? "distillation" : "sampled tokens",
        ["rehearsal_weight"] = t.Settings.RehearsalWeight,
        ["heldout_loss_before"] = Math.Round(t.HeldOutLossBefore, 4),
        ["heldout_loss_after"] = Math.Round(t.HeldOutLossAfter, 4),
        ["heldout_loss_drop"] = Math.Round(t.HeldOutLossDrop, 4),
        ["base_perplexity_before"] = Math.Round(t.BasePerplexityBefore, 3),
        ["base_perplexity_after"] = Math.Round(t.BasePerplexityAfter, 3),
        ["base_perplexity_rise"] = Math.Round(t.BasePerplexityRise, 4),
        ["board_heldout_loss_before"] = Math.Round(t.Reply.HeldOutLossBefore, 4),
        ["board_heldout_loss_after"] = Math.Round(t.Reply.HeldOutLossAfter, 4),
        ["board_sample_perplexity_before"] = Math.Round(Math.Exp(t.Reply.BaseLossBefore), 3),
        ["board_sample_perplexity_after"] = Math.Round(Math.Exp(t.Reply.BaseLossAfter), 3),
        ["loss_curve"] = new JsonArray([.. t.LossCurve.Select(l => (JsonNode)Math.Round(l, 4))]),
        ["tuning_peak_bytes"] = t.Reply.TuningPeakBytes,
        ["budget_bytes"] = t.Reply.BudgetBytes,
        ["simulated_sd_ms_per_step"] = Math.Round(t.SimulatedSdMsPerStep, 3),
        ["predicted_ms_per_step"] = Math.Round(t.PredictedStep.TotalMs, 2),
        ["predicted"] = PredictionJson.Predicted(board, t.StepKernels, t.Reply.Steps, t.PredictedStep, t.PredictedStepPortableOnly, "step"),
        ["prompts"] = new JsonArray([.. t.Prompts.Select(p => (JsonNode)new JsonObject
        {
            ["prompt"] = p.Prompt, ["domain"] = p.Domain, ["before"] = p.Before, ["after"] = p.After,
        })]),
    };
}
