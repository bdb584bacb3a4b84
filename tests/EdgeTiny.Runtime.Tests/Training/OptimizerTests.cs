using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>The optimizer's update rules, step by step on small arrays: SGD, Adam's bias correction, clipping, AdamW decay.</summary>
public sealed class OptimizerTests
{
    private static float[] Values(int n, int seed, float scale)
    {
        var rng = new Random(seed);
        // Magnitudes in [0.1, 1] · scale with random signs: no gradient is near zero (Adam's sign rule needs |g| ≫ ε).
        return [.. Enumerable.Range(0, n).Select(_ => (float)((0.1 + 0.9 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1)) * scale)];
    }

    private static (float[][] P, float[][] G) Arrays(float gradScale = 0.05f)
    {
        float[][] p = [Values(6, 1, 1f), Values(10, 2, 1f)];
        float[][] g = [Values(6, 3, gradScale), Values(10, 4, gradScale)];
        return (p, g);
    }

    private static float[][] Copy(float[][] a) => [.. a.Select(x => (float[])x.Clone())];

    private static double Norm(float[][] a) => Math.Sqrt(a.Sum(x => x.Sum(v => (double)v * v)));

    [Fact]
    public void Sgd_step_is_p_minus_lr_times_g_exactly()
    {
        var (p, g) = Arrays();
        float[][] before = Copy(p);
        const float lr = 0.1f;
        var opt = new Optimizer(p, g, null, OptimizerKind.Sgd, lr, clipNorm: 0f, new MemoryLedger());
        opt.Step(new PortableKernels());
        for (int i = 0; i < p.Length; i++)
            for (int j = 0; j < p[i].Length; j++) Assert.Equal(before[i][j] - lr * g[i][j], p[i][j]);
        Assert.Equal(1, opt.Steps);
        Assert.Equal(Norm(g), opt.LastGradientNorm, 5);
    }

    [Fact]
    public void Adam_moves_each_parameter_by_lr_times_the_sign_of_its_gradient_while_the_gradient_is_constant()
    {
        // Bias-corrected moments of a constant gradient are m̂ = g and v̂ = g², so every step is lr·g/(|g| + ε) ≈ lr·sign(g),
        // whatever |g| is (here 0.005..0.05, and 100× larger: Adam is scale-free).
        foreach (float scale in new[] { 0.05f, 5f })
        {
            var (p, g) = Arrays(scale);
            const float lr = 0.01f;
            var opt = new Optimizer(p, g, null, OptimizerKind.Adam, lr, clipNorm: 0f, new MemoryLedger());
            for (int step = 0; step < 3; step++)
            {
                float[][] before = Copy(p);
                opt.Step(new PortableKernels());
                for (int i = 0; i < p.Length; i++)
                    for (int j = 0; j < p[i].Length; j++)
                    {
                        float moved = p[i][j] - before[i][j];
                        Assert.True(Math.Abs(moved + lr * Math.Sign(g[i][j])) <= 1e-3 * lr,
                            $"gradient scale {scale}, step {step + 1}, parameter [{i}][{j}]: moved {moved}, expected {-lr * Math.Sign(g[i][j])}");
                    }
            }
        }
    }

    [Fact]
    public void Adam_first_step_is_not_the_raw_first_moment()
    {
        // Without bias correction the first step would be lr·(1-β1)g / sqrt((1-β2)g²) ≈ 0.316·lr·sign(g); with it, lr·sign(g).
        var (p, g) = Arrays();
        float[][] before = Copy(p);
        new Optimizer(p, g, null, OptimizerKind.Adam, 0.01f, 0f, new MemoryLedger()).Step(new PortableKernels());
        double mean = p.Zip(before).Average(a => a.First.Zip(a.Second).Average(x => Math.Abs(x.First - x.Second)));
        Assert.InRange(mean, 0.0099, 0.0101);
    }

    [Fact]
    public void Clipping_scales_the_whole_gradient_to_the_clip_norm()
    {
        var (p, g) = Arrays(gradScale: 2f);
        double norm = Norm(g);
        float clip = (float)(norm / 4); // the gradient is four times too long
        float[][] before = Copy(p);
        const float lr = 0.5f;
        var opt = new Optimizer(p, g, null, OptimizerKind.Sgd, lr, clip, new MemoryLedger());
        opt.Step(new PortableKernels());
        Assert.Equal(norm, opt.LastGradientNorm, 4); // reported before clipping
        // The applied gradient, (p_before − p_after) / lr, points along g with norm = clip.
        float[][] applied = [.. p.Select((x, i) => x.Select((v, j) => (before[i][j] - v) / lr).ToArray())];
        Assert.Equal(clip, Norm(applied), 3);
        for (int i = 0; i < p.Length; i++)
            for (int j = 0; j < p[i].Length; j++) Assert.Equal(g[i][j] * clip / norm, applied[i][j], 4);
        // The gradient buffers themselves are left as they were.
        Assert.Equal(norm, Norm(g), 6);

        // Below the clip norm nothing is scaled.
        var (p2, g2) = Arrays(gradScale: 2f);
        float[][] before2 = Copy(p2);
        new Optimizer(p2, g2, null, OptimizerKind.Sgd, lr, (float)(norm * 2), new MemoryLedger()).Step(new PortableKernels());
        for (int i = 0; i < p2.Length; i++)
            for (int j = 0; j < p2[i].Length; j++) Assert.Equal(before2[i][j] - lr * g2[i][j], p2[i][j]);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Weight_decay_shrinks_only_the_arrays_marked_for_it(OptimizerKind kind)
    {
        // Zero gradients: the only change is decoupled decay, p ← p · (1 − lr·λ), on marked arrays.
        float[][] p = [Values(6, 1, 1f), Values(10, 2, 1f), Values(4, 5, 1f)];
        float[][] g = [new float[6], new float[10], new float[4]];
        float[][] before = Copy(p);
        const float lr = 0.1f, decay = 0.5f;
        var opt = new Optimizer(p, g, [true, false, true], kind, lr, 1f, new MemoryLedger()) { WeightDecay = decay };
        opt.Step(new PortableKernels());
        opt.Step(new PortableKernels());
        float keep = 1f - lr * decay;
        foreach (int i in new[] { 0, 2 })
            for (int j = 0; j < p[i].Length; j++) Assert.Equal(before[i][j] * keep * keep, p[i][j], 6);
        Assert.Equal(before[1], p[1]);

        // Without a decay rate, marked arrays are left alone too.
        float[][] q = Copy(before);
        new Optimizer(q, g, [true, false, true], kind, lr, 1f, new MemoryLedger()).Step(new PortableKernels());
        for (int i = 0; i < q.Length; i++) Assert.Equal(before[i], q[i]);
    }
}
