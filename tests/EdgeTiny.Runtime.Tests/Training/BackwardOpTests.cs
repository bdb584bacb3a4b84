using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>Every backward op against central finite differences of its forward (in double where the forward allows).</summary>
public sealed class BackwardOpTests
{
    private readonly Random _rng = new(11);
    private float[] R(int n, float s = 1f) => Enumerable.Range(0, n).Select(_ => (float)(_rng.NextDouble() * 2 - 1) * s).ToArray();

    /// <summary>d/dx_i of f at x by central differences.</summary>
    private static double Fd(Func<float[], double> f, float[] x, int i, float eps = 1e-2f)
    {
        float keep = x[i];
        x[i] = keep + eps;
        double plus = f(x);
        x[i] = keep - eps;
        double minus = f(x);
        x[i] = keep;
        return (plus - minus) / (2 * eps);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 2e-3 + 2e-2 * Math.Abs(expected), $"{what}: finite difference {expected}, backward {actual}");

    /// <summary>Loss = Σ dy ⊙ f(x): its gradient w.r.t. x is what a backward pass computes.</summary>
    private static double Dot(float[] a, float[] b) => a.Zip(b, (p, q) => (double)p * q).Sum();

    [Fact]
    public void RmsNorm()
    {
        float[] x = R(9), w = R(9), dy = R(9);
        var k = new PortableKernels();
        double F(float[] v) { var o = new float[9]; k.RmsNorm(v, w, 0, o, 9, 1e-5f); return Dot(o, dy); }
        var dx = new float[9];
        Backward.RmsNorm(x, 0, w, dy, 0, dx, 0, 9, 1e-5f);
        for (int i = 0; i < 9; i++) Close(Fd(F, x, i, 1e-3f), dx[i], $"dx[{i}]");
    }

    [Fact]
    public void Rope_backward_is_the_inverse_rotation()
    {
        float[] v = R(8), dy = R(8);
        double F(float[] x)
        {
            var r = (float[])x.Clone();
            for (int i = 0; i < 8; i += 2)
            {
                float freq = 1f / MathF.Pow(10000f, (i % 4) / 4f), a = 5 * freq;
                (r[i], r[i + 1]) = (x[i] * MathF.Cos(a) - x[i + 1] * MathF.Sin(a), x[i] * MathF.Sin(a) + x[i + 1] * MathF.Cos(a));
            }
            return Dot(r, dy);
        }
        var g = (float[])dy.Clone();
        float[] freq = new float[2], cos = new float[2], sin = new float[2];
        Rope.Frequencies(4, 10000f, freq);
        Rope.Angles(5, freq, cos, sin);
        Rope.RotateInverse(g, 0, 8, 4, cos, sin);
        for (int i = 0; i < 8; i++) Close(Fd(F, v, i, 1e-3f), g[i], $"d[{i}]");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Gated_activation(int activation)
    {
        float[] g = R(7, 2f), u = R(7), dhb = R(7);
        var k = new PortableKernels();
        double F(float[] gg, float[] uu) { var a = (float[])gg.Clone(); k.GatedActivation(a, uu, 7, activation); return Dot(a, dhb); }
        var dg = new float[7];
        var du = new float[7];
        Backward.GatedActivation(g, 0, u, 0, dhb, dg, du, 7, activation);
        for (int i = 0; i < 7; i++)
        {
            if (activation == 1 && Math.Abs(g[i]) < 2e-2) continue; // relu's kink
            Close(Fd(x => F(x, u), g, i, 1e-3f), dg[i], $"dg[{i}]");
            Close(Fd(x => F(g, x), u, i, 1e-3f), du[i], $"du[{i}]");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Activation_l1_penalty(int activation)
    {
        float[] g = R(9, 2f);
        const float lambda = 0.3f;
        var k = new PortableKernels();
        var ones = new float[9];
        Array.Fill(ones, 1f);
        double F(float[] gg)
        {
            var a = (float[])gg.Clone();
            k.GatedActivation(a, ones, 9, activation); // act(g) ⊙ 1
            return lambda * a.Sum(v => Math.Abs(v));
        }
        var dg = new float[9];
        Array.Fill(dg, 0.25f); // added to what is there
        Backward.AddActivationL1(g, 0, dg, 9, activation, lambda);
        for (int i = 0; i < 9; i++)
        {
            if (Math.Abs(g[i]) < 2e-2) continue; // the kink of |x| and of relu
            Close(Fd(F, g, i, 1e-3f) + 0.25f, dg[i], $"dg[{i}]");
        }
    }

    [Fact]
    public void Softmax()
    {
        float[] s = R(6, 2f), dp = R(6);
        var k = new PortableKernels();
        double F(float[] x) { var p = (float[])x.Clone(); k.Softmax(p, 0, 6); return Dot(p, dp); }
        var p0 = (float[])s.Clone();
        k.Softmax(p0, 0, 6);
        var ds = (float[])dp.Clone();
        Backward.Softmax(p0, 0, ds, 0, 6);
        for (int i = 0; i < 6; i++) Close(Fd(F, s, i, 1e-3f), ds[i], $"ds[{i}]");
    }

    [Fact]
    public void Cross_entropy()
    {
        float[] logits = R(10, 3f);
        var d = new float[10];
        float loss = Backward.CrossEntropy(logits, 10, 4, d, 1f);
        double reference = Math.Log(logits.Sum(v => Math.Exp(v))) - logits[4];
        Assert.Equal(reference, loss, 4);
        for (int i = 0; i < 10; i++) Close(Fd(x => Backward.CrossEntropy(x, 10, 4, new float[10], 1f), logits, i, 1e-3f), d[i], $"dlogit[{i}]");
    }

    [Fact]
    public void Soft_cross_entropy_is_the_kl_to_the_target_with_its_gradient()
    {
        float[] logits = R(10, 3f), target = R(10, 2f);
        double z = target.Sum(v => Math.Exp(v));
        float[] p = [.. target.Select(v => (float)(Math.Exp(v) / z))];
        var d = new float[10];
        float kl = Backward.SoftCrossEntropy(logits, 10, p, 0, d, 1f);
        double lse = Math.Log(logits.Sum(v => Math.Exp(v)));
        double reference = Enumerable.Range(0, 10).Sum(i => p[i] * (Math.Log(p[i]) - (logits[i] - lse)));
        Assert.Equal(reference, kl, 4);
        for (int i = 0; i < 10; i++) Close(Fd(x => Backward.SoftCrossEntropy(x, 10, p, 0, new float[10], 1f), logits, i, 1e-3f), d[i], $"dlogit[{i}]");
        // The target itself: no divergence, no gradient.
        float[] own = [.. p.Select(v => (float)Math.Log(v))];
        Assert.Equal(0f, Backward.SoftCrossEntropy(own, 10, p, 0, d, 1f), 5);
        Assert.All(d, g => Assert.True(Math.Abs(g) < 1e-6f));
    }

    [Fact]
    public void Lora_linear_and_the_frozen_transposed_product()
    {
        var ledger = new EdgeTiny.Runtime.Memory.MemoryLedger();
        var lora = new LoraAdapter(6, 5, 3, 6f, true, ledger, "t", new float[5]);
        ulong seed = 3;
        lora.Initialize(ref seed);
        for (int i = 0; i < lora.B.Length; i++) lora.B[i] = (float)(_rng.NextDouble() - 0.5);
        float[] w = R(30), x = R(6), dy = R(5);
        var k = new PortableKernels();
        double F() { var y = new float[5]; k.MatVecF32(w, 0, x, 0, y, 0, 5, 6); lora.Forward(k, x, 0, y, 0); return Dot(y, dy); }
        var dx = new float[6];
        k.MatTVecF32(w, 0, dy, 0, dx, 0, 5, 6);
        lora.Backward(k, x, 0, dy, 0, dx, 0);
        for (int i = 0; i < 6; i++) Close(Fd(_ => F(), x, i, 1e-3f), dx[i], $"dx[{i}]");
        for (int i = 0; i < lora.A.Length; i++) Close(Fd(_ => F(), lora.A, i, 1e-3f), lora.GradA[i], $"dA[{i}]");
        for (int i = 0; i < lora.B.Length; i++) Close(Fd(_ => F(), lora.B, i, 1e-3f), lora.GradB[i], $"dB[{i}]");
    }
}
