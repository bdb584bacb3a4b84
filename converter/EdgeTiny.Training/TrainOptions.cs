namespace EdgeTiny.Training;

/// <summary>
/// Hyperparameters of a training run. Defaults are those of the committed demo model (see models/demo/README.md):
/// AdamW with β = (0.9, 0.999), linear warm-up then cosine decay to a tenth of the peak rate, gradients clipped to
/// norm 1, weight decay 0.1 on matrices — llama2.c's train.py recipe, scaled down.
/// </summary>
public sealed record TrainOptions
{
    public int Steps { get; init; } = 400;
    /// <summary>Sequences per optimizer step.</summary>
    public int BatchSize { get; init; } = 16;
    public float LearningRate { get; init; } = 2e-3f;
    /// <summary>Floor of the cosine decay; null = a tenth of <see cref="LearningRate"/>.</summary>
    public float? MinLearningRate { get; init; }
    /// <summary>Linear warm-up steps; null = a tenth of the run plus one, at most 50.</summary>
    public int? WarmupSteps { get; init; }
    public float MinRate => MinLearningRate ?? LearningRate / 10;
    public int Warmup => WarmupSteps ?? Math.Min(50, Steps / 10 + 1);
    public float WeightDecay { get; init; } = 0.1f;
    public float ClipNorm { get; init; } = 1f;
    /// <summary>
    /// λ of the L1 penalty on FFN gate activations (ProSparse): 0 = off. With ReLU it makes the FFN sparse (fewer
    /// neurons fire per token), which is what flash-resident FFNs read less of.
    /// </summary>
    public float ActivationL1 { get; init; }
    /// <summary>Seed of the initial weights and of the order sequences are visited in.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Shards of every batch, each with its own gradient buffers, summed in a fixed order: part of the recipe (it
    /// changes float rounding), unlike <see cref="Threads"/>, which only decides how many shards run at once.
    /// </summary>
    public int Shards { get; init; } = 2;
    public int Threads { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 2));

    /// <summary>The rate at <paramref name="step"/> (0-based): linear warm-up, then cosine to <see cref="MinRate"/>.</summary>
    public float RateAt(int step)
    {
        int warmup = Warmup;
        float min = MinRate;
        if (step < warmup) return LearningRate * (step + 1) / warmup;
        double progress = (double)(step - warmup) / Math.Max(1, Steps - warmup);
        return min + (float)(0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)))) * (LearningRate - min);
    }
}
