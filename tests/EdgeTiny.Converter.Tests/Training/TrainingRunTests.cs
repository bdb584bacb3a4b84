using EdgeTiny.Training.Corpus;
using EdgeTiny.Converter.Import;
using EdgeTiny.Training;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Converter.Tests.Training;

/// <summary>Training runs end to end on a tiny shape: deterministic, independent of threads, learning, and written in a format the importer reads back.</summary>
public sealed class TrainingRunTests
{
    private static TrainRecipe Tiny(int threads) => new(
        new ModelShape { Dim = 16, HiddenDim = 48, Layers = 2, Heads = 2, KvHeads = 1, VocabSize = 340, SeqLen = 64 },
        new CorpusRecipe { TrainStories = 120, HeldOutStories = 12, Seed = 5 },
        new TrainOptions { Steps = 12, BatchSize = 4, WarmupSteps = 2, LearningRate = 5e-3f, MinLearningRate = 5e-4f, Seed = 3, Threads = threads });

    [Fact]
    public void A_run_is_deterministic_independent_of_threads_and_learns()
    {
        TrainResult one = TrainingRun.Run(Tiny(1), new PortableKernels());
        TrainResult two = TrainingRun.Run(Tiny(2), new PortableKernels());
        Assert.Equal(one.HeldOutLoss, two.HeldOutLoss);
        for (int i = 0; i < one.Model.Tensors.Count; i++)
            Assert.Equal(one.Model.Tensors[i].Data, two.Model.Tensors[i].Data);
        Assert.True(one.Curve[^1].Loss < one.Curve[0].Loss - 0.5, $"loss {one.Curve[0].Loss} → {one.Curve[^1].Loss}");
        Assert.True(one.HeldOutLoss < Math.Log(340), $"held-out loss {one.HeldOutLoss} is no better than uniform");
    }

    [Fact]
    public void An_l1_penalty_on_activations_makes_a_relu_ffn_sparser_at_a_small_cost_in_loss()
    {
        TrainRecipe plain = Tiny(2) with { Options = Tiny(2).Options with { Steps = 30 } };
        TrainRecipe sparse = plain with { Options = plain.Options with { ActivationL1 = 0.05f } };
        TrainResult a = TrainingRun.Run(plain, new PortableKernels());
        TrainResult b = TrainingRun.Run(sparse, new PortableKernels());
        // The same held-out windows for both (the corpus, hence the BPE tokenizer, is the same).
        var tokenizer = new ModelTrainer(a.Model, new PortableKernels(), new TrainOptions()).Tokenizer;
        var windows = TokenWindows.Cut(TrainingRun.Stories(plain.Corpus).HeldOut, tokenizer, plain.Shape.SeqLen);
        var calibration = new EdgeTiny.Converter.Analysis.TokenSequences([.. windows], "held-out", 0);
        double Active(TrainResult r) => EdgeTiny.Converter.Packing.ActivationProfile.Measure(r.Model, calibration, 0.99).ActiveFraction.Average();
        double activeA = Active(a), activeB = Active(b);
        Assert.True(activeB < 0.7 * activeA, $"active share {activeA:P1} without the penalty, {activeB:P1} with it");
        Assert.True(b.HeldOutLoss < a.HeldOutLoss + 0.5, $"held-out loss {a.HeldOutLoss:F3} → {b.HeldOutLoss:F3}");
    }

    [Fact]
    public void Held_out_stories_never_occur_in_training()
    {
        var (train, heldOut, dropped) = TrainingRun.Stories(new CorpusRecipe { TrainStories = 3000, HeldOutStories = 300, Seed = 9 });
        Assert.Empty(heldOut.Intersect(train));
        Assert.Equal(300, heldOut.Count + dropped);
        Assert.True(heldOut.Count >= 290);
    }

    [Theory]
    [InlineData(ModelConfig.ActivationReluGlu, false)]
    [InlineData(ModelConfig.ActivationSwiGlu, true)]
    public void Checkpoints_round_trip_with_their_activation(int activation, bool shared)
    {
        using var dir = new TempDir();
        ModelConfig c = TinyModels.Config(2);
        c.FfnActivation = activation;
        c.SharedClassifier = shared;
        SourceModel m = TinyModels.Source(c, 3);
        string path = dir.File("m.bin");
        Llama2cCheckpoint.Write(m, path);
        BpeTrainer.WriteLlama2c(m.Tokenizer, dir.File($"tok{c.VocabSize}.bin"));
        byte[] bytes = File.ReadAllBytes(path);
        // SwiGLU models stay in run.c's version 0; ReLU models need version 1's header to say so.
        Assert.Equal(activation == ModelConfig.ActivationReluGlu, BitConverter.ToUInt32(bytes) == Llama2cCheckpoint.V1Magic);
        SourceModel back = Llama2cCheckpoint.Read(path, null);
        Assert.Equal(activation, back.Config.FfnActivation);
        Assert.Equal(shared, back.Config.SharedClassifier);
        Assert.Equal(activation == ModelConfig.ActivationReluGlu ? "llama2c-v1" : "llama2c-v0", back.SourceFormat); // what the .etb manifest records
        Assert.Equal(m.Tensors.Select(t => t.Name).Order(), back.Tensors.Select(t => t.Name).Order());
        foreach (SourceTensor t in m.Tensors) Assert.Equal(t.Data, back.Tensor(t.Name).Data);
    }

    [Fact]
    public void A_version_1_file_of_another_version_is_refused_by_name()
    {
        using var dir = new TempDir();
        string path = dir.File("v3.bin");
        byte[] b = new byte[256];
        BitConverter.GetBytes(Llama2cCheckpoint.V1Magic).CopyTo(b, 0);
        BitConverter.GetBytes(3).CopyTo(b, 4);
        File.WriteAllBytes(path, b);
        var e = Assert.Throws<InputException>(() => Llama2cCheckpoint.Read(path, null));
        Assert.Contains("version 3", e.Message);
    }
}
