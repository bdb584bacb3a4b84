using System.Text.Json.Nodes;
using EdgeTiny.Converter.Import;
using EdgeTiny.Training;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Simd;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Converter.Tests.Training;

/// <summary>The committed demo model (models/demo): what its report says is what the model does.</summary>
public sealed class DemoModelTests
{
    [Fact]
    public void Held_out_perplexity_is_below_a_tenth_of_the_vocabulary_and_matches_the_report()
    {
        JsonObject report = JsonNode.Parse(File.ReadAllText(DemoModel.Report))!.AsObject();
        SourceModel m = Llama2cCheckpoint.Read(DemoModel.Checkpoint, null);
        Assert.Equal(ModelConfig.ActivationReluGlu, m.Config.FfnActivation);
        Assert.InRange(m.ParameterCount, 100_000, 300_000);
        long committedBytes = new FileInfo(DemoModel.Checkpoint).Length + new FileInfo(Path.Combine(DemoModel.Directory, "tok512.bin")).Length;
        Assert.True(committedBytes <= 1_500_000, $"{committedBytes} bytes committed");

        JsonNode corpus = report["corpus"]!;
        var recipe = new CorpusRecipe
        {
            World = (string)corpus["world"]!,
            TrainStories = (int)corpus["train_stories"]!,
            HeldOutStories = (int)corpus["heldout_stories"]! + (int)corpus["heldout_dropped_as_seen"]!,
            Seed = (ulong)corpus["seed"]!,
        };
        var (_, heldOut, _) = TrainingRun.Stories(recipe);
        double loss = TrainingRun.Loss(m, heldOut, new SimdKernels());
        Assert.Equal((double)report["heldout"]!["loss"]!, loss, 1e-3);
        Assert.True(Math.Exp(loss) < m.Config.VocabSize / 10.0, $"held-out perplexity {Math.Exp(loss):F2}, vocabulary {m.Config.VocabSize}");
    }
}
