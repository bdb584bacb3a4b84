using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Training;

/// <summary>The shape of a model to train (llama2.c's ModelArgs). Defaults: the committed demo model.</summary>
public sealed record ModelShape
{
    public int Dim { get; init; } = 64;
    public int HiddenDim { get; init; } = 256;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 8;
    public int KvHeads { get; init; } = 4;
    public int VocabSize { get; init; } = 512;
    public int SeqLen { get; init; } = 256;
    /// <summary>ReLU-gated by default: its exact zeros give co-activation packing real sparsity to work with.</summary>
    public int Activation { get; init; } = ModelConfig.ActivationReluGlu;

    public ModelConfig ToConfig()
    {
        var c = new ModelConfig
        {
            Dim = Dim, HiddenDim = HiddenDim, Layers = Layers, Heads = Heads, KvHeads = KvHeads,
            VocabSize = VocabSize, SeqLen = SeqLen, SharedClassifier = true, FfnActivation = Activation,
        };
        c.Validate();
        return c;
    }
}

/// <summary>
/// Where the text comes from: stories of the procedural generator (a world and a seed; held-out stories come from
/// another seed and any that also occur in the training set are dropped), or a text file of stories separated by
/// lines reading &lt;|endoftext|&gt; (TinyStories' format) or blank lines, every 20th held out.
/// </summary>
public sealed record CorpusRecipe
{
    public string World { get; init; } = "village";
    public int TrainStories { get; init; } = 20_000;
    public int HeldOutStories { get; init; } = 400;
    public ulong Seed { get; init; } = 2026;
    public string? File { get; init; }
}

public sealed record TrainRecipe(ModelShape Shape, CorpusRecipe Corpus, TrainOptions Options);
