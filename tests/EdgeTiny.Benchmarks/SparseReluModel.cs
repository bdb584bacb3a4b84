using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Import;
using EdgeTiny.Training;
using EdgeTiny.Runtime.Simd;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// The model on which co-activation placement is measured: 768 ReLU-gated FFN neurons per layer, trained by our own
/// trainer with ProSparse's L1 penalty on the FFN activations so that only a small share fires per token (the regime
/// of Ripple's ReLU models). The recipe is fixed, so the model is the same on every machine; it is trained once
/// (a few minutes on 2 cores) and kept in tests/EdgeTiny.Benchmarks/.cache (not committed), keyed by the recipe.
/// </summary>
public static class SparseReluModel
{
    public static readonly TrainRecipe Recipe = new(
        new ModelShape { Dim = 64, HiddenDim = 768, Layers = 4, Heads = 8, KvHeads = 4, VocabSize = 512, SeqLen = 256 },
        new CorpusRecipe { World = "village", TrainStories = 20_000, HeldOutStories = 200, Seed = 2026 },
        new TrainOptions { Steps = 300, BatchSize = 16, LearningRate = 2e-3f, ActivationL1 = 5e-4f, Seed = 7 });

    /// <summary>The same run from the command line.</summary>
    public static string Command =>
        $"edgetiny train -o relu768.bin --hidden {Recipe.Shape.HiddenDim} --steps {Recipe.Options.Steps} "
        + $"--activation-l1 {Recipe.Options.ActivationL1} --seed {Recipe.Options.Seed} --heldout-stories {Recipe.Corpus.HeldOutStories}";

    /// <summary>Loads the cached model, training it first if this recipe has not been trained here yet.</summary>
    public static SourceModel Load(TextWriter log, out JsonObject report)
    {
        // Threads change nothing in the result (shards are summed in a fixed order), so they are not part of the key.
        string recipe = (Recipe with { Options = Recipe.Options with { Threads = 1 } }).ToString();
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..12].ToLowerInvariant();
        string dir = Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Benchmarks", ".cache", "relu768-" + key);
        string checkpoint = Path.Combine(dir, "relu768.bin");
        string reportPath = Path.ChangeExtension(checkpoint, ".json");
        if (!File.Exists(reportPath))
        {
            Directory.CreateDirectory(dir);
            log.WriteLine($"training the sparse ReLU model ({Command}); it is cached in {dir}");
            TrainResult r = TrainingRun.Run(Recipe, new SimdKernels(), null, (step, loss) =>
            {
                if (step % 40 == 0) log.WriteLine($"  step {step}/{Recipe.Options.Steps}: loss {loss:F3}");
            });
            TrainingRun.Save(r, Recipe, checkpoint, Command);
        }
        report = (JsonObject)JsonNode.Parse(File.ReadAllText(reportPath))!;
        return Llama2cCheckpoint.Read(checkpoint, null);
    }
}
