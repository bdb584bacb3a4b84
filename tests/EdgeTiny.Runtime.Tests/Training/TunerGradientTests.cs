using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>
/// The whole tuning backward pass — classifier, final norm, FFN, attention over the KV cache across positions,
/// RoPE, every LoRA adapter — against finite differences of the loss on a tiny random model.
/// </summary>
public sealed class TunerGradientTests
{
    [Theory]
    [InlineData(32, 2)] // float weights, window = top 2 of 3 layers (one frozen layer below)
    [InlineData(8, 1)]  // int8 frozen weights, window = top layer
    public void Every_adapter_gradient_matches_finite_differences(int bits, int window)
    {
        ModelConfig c = TinyModels.Config(3);
        EtbModel m = TinyModels.Open(TinyModels.Source(c, 5), new RuntimeOptions { ContextLength = 8 }, bits);
        var k = new PortableKernels();
        Transformer t = m.CreateTransformer(k);
        var adapters = new AdapterSet(c, c.Layers - window, rank: 2, alpha: 4f, true, m.Ledger);
        adapters.Initialize(9);
        var rng = new Random(4);
        for (int i = 0; i < adapters.Count; i++)
            for (int j = 0; j < adapters.At(i).B.Length; j++) adapters.At(i).B[j] = (float)(rng.NextDouble() - 0.5) * 0.5f;
        var tuner = new AdapterTuner(t, m.Weights, adapters, OptimizerKind.Sgd, 0f, 0f, 8, window, m.Ledger);
        int[] tokens = [1, 5, 9, 3, 12, 7, 4, 10];

        adapters.ZeroGrad();
        tuner.ForwardBackward(tokens, tokens.Length);
        int checkedCount = 0;
        for (int i = 0; i < adapters.Count; i++)
        {
            LoraAdapter a = adapters.At(i);
            foreach (var (param, grad) in new[] { (a.A, a.GradA), (a.B, a.GradB) })
                for (int j = 0; j < param.Length; j += 3)
                {
                    float keep = param[j], eps = 1e-2f;
                    param[j] = keep + eps;
                    double plus = tuner.Loss(tokens, tokens.Length);
                    param[j] = keep - eps;
                    double minus = tuner.Loss(tokens, tokens.Length);
                    param[j] = keep;
                    double fd = (plus - minus) / (2 * eps);
                    Assert.True(Math.Abs(fd - grad[j]) <= 2e-3 + 5e-2 * Math.Abs(fd), $"adapter {i} param {j}: finite difference {fd}, backward {grad[j]}");
                    checkedCount++;
                }
        }
        Assert.True(checkedCount > 50);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(8)]
    public void Gradients_are_identical_with_the_frozen_ffn_streamed_from_storage(int bits)
    {
        ModelConfig c = TinyModels.Config(3);
        float[][] Grads(RuntimeOptions o)
        {
            EtbModel m = TinyModels.Open(TinyModels.Source(c, 5), o, bits);
            var adapters = new AdapterSet(c, 1, 2, 4f, true, m.Ledger);
            adapters.Initialize(9);
            for (int i = 0; i < adapters.Count; i++) Array.Fill(adapters.At(i).B, 0.1f);
            var tuner = new AdapterTuner(m.CreateTransformer(new PortableKernels()), m.Weights, adapters, OptimizerKind.Sgd, 0f, 0f, 8, 2, m.Ledger);
            adapters.ZeroGrad();
            tuner.ForwardBackward([1, 5, 9, 3, 12, 7, 4, 10], 8);
            return [.. Enumerable.Range(0, adapters.Count).SelectMany(i => new[] { adapters.At(i).GradA, adapters.At(i).GradB })];
        }
        float[][] resident = Grads(new RuntimeOptions { ContextLength = 8 });
        float[][] streamed = Grads(new RuntimeOptions { ContextLength = 8, ChunkBytes = 512, Storage = new EdgeTiny.Runtime.IO.SdTimingModel(100, 1_000_000, 512), Ffn = new FfnStreaming { Stream = true } });
        Assert.Equal(resident.Length, streamed.Length);
        for (int i = 0; i < resident.Length; i++) Assert.Equal(resident[i], streamed[i]);
    }

    [Fact]
    public void Tuning_lowers_the_loss_of_a_repeated_sequence()
    {
        ModelConfig c = TinyModels.Config(3);
        EtbModel m = TinyModels.Open(TinyModels.Source(c, 6), new RuntimeOptions { ContextLength = 8 });
        var adapters = new AdapterSet(c, 1, 4, 8f, true, m.Ledger);
        adapters.Initialize(2);
        var tuner = new AdapterTuner(m.CreateTransformer(new PortableKernels()), m.Weights, adapters, OptimizerKind.Adam, 0.02f, 1f, 8, 2, m.Ledger);
        int[] tokens = [1, 4, 4, 9, 2, 13, 6, 6];
        float before = tuner.Loss(tokens, 8);
        for (int s = 0; s < 60; s++) tuner.Step(tokens, 8);
        Assert.True(tuner.Loss(tokens, 8) < 0.5f * before, $"loss {before} -> {tuner.Loss(tokens, 8)}");
    }
}
