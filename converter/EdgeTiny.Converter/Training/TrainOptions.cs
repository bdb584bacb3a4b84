namespace EdgeTiny.Converter.Training;

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
    public float MinLearningRate { get; init; } = 2e-4f;
    public int WarmupSteps { get; init; } = 50;
    public float WeightDecay { get; init; } = 0.1f;
    public float ClipNorm { get; init; } = 1f;
    /// <summary>Seed of the initial weights and of the order sequences are visited in.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Shards of every batch, each with its own gradient buffers, summed in a fixed order: part of the recipe (it
    /// changes float rounding), unlike <see cref="Threads"/>, which only decides how many shards run at once.
    /// </summary>
    public int Shards { get; init; } = 2;
    public int Threads { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 2));
    /// <summary>Measure the held-out loss every this many steps (and at the end); 0 = only at the end.</summary>
    public int EvalEvery { get; init; } = 0;

    /// <summary>The rate at <paramref name="step"/> (0-based): linear warm-up, then cosine to <see cref="MinLearningRate"/>.</summary>
    public float RateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, Steps - WarmupSteps);
        return MinLearningRate + (float)(0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)))) * (LearningRate - MinLearningRate);
    }
}
