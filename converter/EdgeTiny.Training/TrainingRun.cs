using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Training.Corpus;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Training;

/// <summary>What a training run produced and measured.</summary>
public sealed record TrainResult(
    SourceModel Model, long Parameters, double HeldOutLoss, long TrainTokens, long HeldOutTokens, int HeldOutDropped,
    IReadOnlyList<(int Step, float Loss)> Curve, double Seconds)
{
    /// <summary>exp(held-out loss): perplexity per token on stories the model never saw.</summary>
    public double HeldOutPerplexity => Math.Exp(HeldOutLoss);
}

/// <summary>
/// A whole training run: corpus → BPE tokenizer trained on it → token windows → <see cref="ModelTrainer"/> → held-out
/// loss; and saving the result as a llama2.c checkpoint, its tokenizer and a JSON report beside it.
/// </summary>
public static class TrainingRun
{
    /// <param name="onStep">Called after every step with (steps done, batch loss).</param>
    public static TrainResult Run(TrainRecipe recipe, IKernels kernels, IConversionProgress? progress = null, Action<int, float>? onStep = null)
    {
        var clock = Stopwatch.StartNew();
        ModelConfig config = recipe.Shape.ToConfig();
        progress?.Stage("corpus", 1);
        (List<string> train, List<string> heldOut, int dropped) = Stories(recipe.Corpus);
        progress?.Stage("tokenizer (BPE)", 1);
        SourceTokenizer tokenizer = BpeTrainer.Train(train, config.VocabSize);
        TrainOptions o = recipe.Options;
        var trainer = new ModelTrainer(config, tokenizer, kernels, o);
        List<int[]> windows = TokenWindows.Cut(train, trainer.Tokenizer, config.SeqLen);
        List<int[]> heldOutWindows = TokenWindows.Cut(heldOut, trainer.Tokenizer, config.SeqLen);
        var order = new TokenWindows.Order(windows.Count, o.Seed ^ 0x5DEECE66DUL);
        var curve = new List<(int, float)>();
        var batch = new int[o.BatchSize][];
        progress?.Stage("training", o.Steps);
        long tokens = 0;
        for (int step = 0; step < o.Steps; step++)
        {
            for (int i = 0; i < batch.Length; i++) batch[i] = windows[order.Next()];
            tokens += batch.Sum(w => (long)w.Length - 1);
            float loss = trainer.Step(batch, step);
            curve.Add((step, loss));
            progress?.Advance(step + 1);
            onStep?.Invoke(step + 1, loss);
        }
        progress?.Stage("held-out loss", 1);
        double heldOutLoss = trainer.Loss(heldOutWindows);
        return new TrainResult(trainer.Snapshot(), trainer.Parameters, heldOutLoss, tokens,
            heldOutWindows.Sum(w => (long)w.Length - 1), dropped, curve, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Mean next-token loss of a model on stories (cut into windows as in training), measured by the runtime.</summary>
    public static double Loss(SourceModel model, IEnumerable<string> stories, IKernels kernels)
    {
        var trainer = new ModelTrainer(model, kernels, new TrainOptions());
        return trainer.Loss(TokenWindows.Cut(stories, trainer.Tokenizer, model.Config.SeqLen));
    }

    /// <summary>The training and held-out stories of a corpus recipe, and how many held-out stories were dropped as seen in training.</summary>
    public static (List<string> Train, List<string> HeldOut, int Dropped) Stories(CorpusRecipe c)
    {
        if (c.File is not null)
        {
            if (!System.IO.File.Exists(c.File)) throw new InputException(c.File, "corpus file not found");
            string[] all = SplitStories(System.IO.File.ReadAllText(c.File));
            if (all.Length < 20) throw new InputException(c.File, $"has {all.Length} stories; at least 20 are needed (every 20th is held out)");
            return ([.. all.Where((_, i) => i % 20 != 19)], [.. all.Where((_, i) => i % 20 == 19)], 0);
        }
        StoryWorld world = WorldNamed(c.World);
        var train = StoryGenerator.Stories(world, c.Seed, c.TrainStories).ToList();
        var seen = new HashSet<string>(train);
        var candidates = StoryGenerator.Stories(world, HeldOutSeed(c.Seed), c.HeldOutStories).ToList();
        var heldOut = candidates.Where(s => !seen.Contains(s)).ToList();
        return (train, heldOut, candidates.Count - heldOut.Count);
    }

    /// <summary>Held-out stories come from another stream of the generator than the training stories.</summary>
    public static ulong HeldOutSeed(ulong seed) => seed ^ 0xA5A5_5A5A_F00D_BEEFUL;

    public static StoryWorld WorldNamed(string name) => name.ToLowerInvariant() switch
    {
        "village" => StoryWorld.Village,
        "harbor" => StoryWorld.Harbor,
        _ => throw new InputException("--world", $"'{name}' is not a story world (village, harbor)"),
    };

    public static string[] SplitStories(string text)
    {
        text = text.Replace("\r\n", "\n");
        string[] parts = text.Contains("<|endoftext|>")
            ? text.Split("<|endoftext|>")
            : text.Split("\n\n");
        return [.. parts.Select(p => p.Trim()).Where(p => p.Length > 0)];
    }

    /// <summary>
    /// Writes the checkpoint (llama2.c format), tok{vocab}.bin beside it (where the importer looks) and
    /// {name}.json with the recipe, the command that reproduces it and what was measured. Each file is written atomically.
    /// </summary>
    /// <returns>The report it wrote.</returns>
    public static JsonObject Save(TrainResult r, TrainRecipe recipe, string checkpointPath, string command)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        Llama2cCheckpoint.Write(r.Model, checkpointPath);
        BpeTrainer.WriteLlama2c(r.Model.Tokenizer, Path.Combine(dir, $"tok{r.Model.Config.VocabSize}.bin"));
        JsonObject report = Report(r, recipe, command);
        AtomicFile.WriteAllText(Path.ChangeExtension(checkpointPath, ".json"), report.ToJsonString(new() { WriteIndented = true }) + "\n");
        return report;
    }

    public static JsonObject Report(TrainResult r, TrainRecipe recipe, string command)
    {
        ModelConfig c = r.Model.Config;
        TrainOptions o = recipe.Options;
        return new JsonObject
        {
            ["command"] = command,
            ["model"] = new JsonObject
            {
                ["dim"] = c.Dim, ["hidden_dim"] = c.HiddenDim, ["n_layers"] = c.Layers, ["n_heads"] = c.Heads, ["n_kv_heads"] = c.KvHeads,
                ["vocab_size"] = c.VocabSize, ["seq_len"] = c.SeqLen,
                ["ffn_activation"] = c.FfnActivation == ModelConfig.ActivationReluGlu ? "relu" : "swiglu",
                ["parameters"] = r.Parameters,
            },
            ["corpus"] = recipe.Corpus.File is { } f
                ? new JsonObject { ["file"] = Path.GetFileName(f) }
                : new JsonObject
                {
                    ["world"] = recipe.Corpus.World, ["train_stories"] = recipe.Corpus.TrainStories, ["seed"] = recipe.Corpus.Seed,
                    ["heldout_stories"] = recipe.Corpus.HeldOutStories - r.HeldOutDropped, ["heldout_dropped_as_seen"] = r.HeldOutDropped,
                },
            ["training"] = new JsonObject
            {
                ["steps"] = o.Steps, ["batch"] = o.BatchSize, ["lr"] = o.LearningRate, ["min_lr"] = o.MinRate,
                ["warmup"] = o.Warmup, ["weight_decay"] = o.WeightDecay, ["clip"] = o.ClipNorm, ["activation_l1"] = o.ActivationL1, ["seed"] = o.Seed,
                ["shards"] = o.Shards, ["tokens"] = r.TrainTokens, ["seconds"] = Math.Round(r.Seconds, 1),
                ["final_train_loss"] = r.Curve.Count == 0 ? null : Math.Round(r.Curve.Skip(Math.Max(0, r.Curve.Count - 20)).Average(p => p.Loss), 4),
            },
            ["heldout"] = new JsonObject
            {
                ["tokens"] = r.HeldOutTokens,
                ["loss"] = Math.Round(r.HeldOutLoss, 5),
                ["perplexity"] = Math.Round(r.HeldOutPerplexity, 3),
                ["perplexity_bound"] = c.VocabSize / 10.0,
            },
        };
    }
}
