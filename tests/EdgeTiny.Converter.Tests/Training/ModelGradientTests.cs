using EdgeTiny.Training;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Converter.Tests.Training;

/// <summary>
/// Training from scratch: the runtime's backward pass with <see cref="ModelGradients"/> as the sink gives the
/// gradient of every weight — embedding, classifier, norms, every projection of every layer — checked against
/// finite differences of the loss, for SwiGLU and ReLU FFNs and shared and separate classifiers.
/// </summary>
public sealed class ModelGradientTests
{
    [Theory]
    [InlineData(ModelConfig.ActivationSwiGlu, true)]
    [InlineData(ModelConfig.ActivationReluGlu, false)]
    [InlineData(ModelConfig.ActivationSwiGlu, false)]
    [InlineData(ModelConfig.ActivationReluGlu, true)]
    public void Every_weight_gradient_matches_finite_differences(int activation, bool shared)
    {
        ModelConfig c = TinyModels.Config(2);
        c.FfnActivation = activation;
        c.SharedClassifier = shared;
        EtbModel m = TinyModels.Open(TinyModels.Source(c, 11), new RuntimeOptions { ContextLength = 8 });
        var k = new PortableKernels();
        Transformer t = m.CreateTransformer(k, 8);
        var grads = new ModelGradients(c, k);
        var backprop = new Backprop(t, m.Weights, null, 8, c.Layers, m.Ledger) { Gradients = grads };
        backprop.SetWindow(0, c.Layers - 1);
        int[] tokens = [1, 5, 9, 3, 12, 7, 4, 10];

        backprop.ForwardBackward(tokens, tokens.Length);
        float[][] parameters = ModelGradients.ParametersOf(m.Weights, c);
        Assert.Equal(parameters.Length, grads.Arrays.Length);
        int checkedCount = 0, kinks = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            float[] param = parameters[i], grad = grads.Arrays[i];
            Assert.Equal(param.Length, grad.Length);
            for (int j = i % 3; j < param.Length; j += 7)
            {
                float keep = param[j], eps = 1e-2f;
                double at = backprop.Loss(tokens, tokens.Length);
                param[j] = keep + eps;
                double plus = backprop.Loss(tokens, tokens.Length);
                param[j] = keep - eps;
                double minus = backprop.Loss(tokens, tokens.Length);
                param[j] = keep;
                double fd = (plus - minus) / (2 * eps);
                // A ReLU switching inside ±eps makes the loss non-smooth there: the one-sided slopes then disagree, and
                // central differences average two slopes the gradient is only one of. Such points are skipped (and counted).
                double right = (plus - at) / eps, left = (at - minus) / eps;
                if (Math.Abs(right - left) > 2e-3 + 0.1 * Math.Abs(fd))
                {
                    kinks++;
                    continue;
                }
                Assert.True(Math.Abs(fd - grad[j]) <= 3e-3 + 5e-2 * Math.Abs(fd), $"array {i} element {j}: finite difference {fd}, backward {grad[j]}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 150, $"{checkedCount} checked");
        Assert.True(kinks <= checkedCount / 8, $"{kinks} points at a ReLU kink, {checkedCount} checked");
    }
}
