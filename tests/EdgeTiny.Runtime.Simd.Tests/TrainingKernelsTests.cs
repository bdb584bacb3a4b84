using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// Tuning's vectorised kernels (the outer product and the Adam update) against <see cref="PortableKernels"/> on every
/// code path: bit for bit (no fused multiply-adds, so each lane rounds as the scalar loop does), every tail width,
/// offsets, and nothing written outside the output range.
/// </summary>
[Collection(KernelVariants.Collection)]
public sealed class TrainingKernelsTests
{
    private readonly PortableKernels _ref = new();

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Ger_equals_portable_bit_for_bit_for_every_shape(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(41);
        foreach (int rows in new[] { 0, 1, 3, 4, 9 })
            for (int cols = 0; cols <= 37; cols++)
                foreach (int gap in new[] { 0, 5 })   // rows side by side, or a KV cache's stride
                {
                    int xOff = inputs.Offset(), yOff = inputs.Offset(), aOff = inputs.Offset(), stride = cols + gap;
                    float[] x = inputs.Vector(xOff + rows), y = inputs.Vector(yOff + cols), a = inputs.Vector(aOff + rows * stride + 5);
                    float[] expected = (float[])a.Clone();
                    _ref.Ger(0.37f, x, xOff, y, yOff, expected, aOff, rows, cols, stride);
                    k.Ger(0.37f, x, xOff, y, yOff, a, aOff, rows, cols, stride);
                    Assert.True(expected.AsSpan().SequenceEqual(a), $"{variant}: {rows}×{cols}, stride {stride}");
                }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void AdamStep_equals_portable_bit_for_bit_for_every_length(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(43);
        for (int n = 0; n <= 70; n++)
        {
            float[] g = inputs.Vector(n + 3), p = inputs.Vector(n + 3), m = inputs.Vector(n + 3, 0.1f), v = inputs.Vector(n + 3, 0.01f);
            for (int i = 0; i < v.Length; i++) v[i] = Math.Abs(v[i]);
            float[] p2 = (float[])p.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone();
            _ref.AdamStep(g, m2, v2, p2, n, 0.7f, 1e-3f, 0.9f, 0.999f, 0.19f, 0.002f, 1e-8f);
            k.AdamStep(g, m, v, p, n, 0.7f, 1e-3f, 0.9f, 0.999f, 0.19f, 0.002f, 1e-8f);
            Assert.True(p2.AsSpan().SequenceEqual(p) && m2.AsSpan().SequenceEqual(m) && v2.AsSpan().SequenceEqual(v), $"{variant}: n = {n}");
        }
    }

    [Fact]
    public void Out_of_range_arguments_throw_before_anything_is_written()
    {
        using var k = new SimdKernels();
        float[] x = new float[3], y = new float[4], a = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Ger(1f, x, 0, y, 0, a, 1, 3, 4, 4));  // a one short at offset 1
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Ger(1f, x, 1, y, 0, a, 0, 3, 4, 4));  // x one short
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Ger(1f, x, 0, y, 0, a, 0, -1, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Ger(1f, x, 0, y, 0, a, 0, 3, 4, 5));  // the last row would end at 14
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Ger(1f, x, 0, y, 0, a, 0, 3, 4, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AdamStep(x, y, y, y, 4, 1f, 1f, 0.9f, 0.999f, 1f, 1f, 1e-8f)); // g has 3
        Assert.All(a, e => Assert.Equal(0f, e));
    }

    /// <summary>The backward ops run the portable loops: equal bit for bit, so desktop and board tune the same bytes.</summary>
    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Backward_ops_equal_portable_bit_for_bit(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(47);
        foreach (int n in new[] { 1, 7, 64, 173 })
        {
            float[] x = inputs.Vector(n + 3, 3f), w = inputs.Vector(n), dy = inputs.Vector(n + 2), p = inputs.Vector(n + 1);
            _ref.Softmax(p, 1, n);
            float[] e1 = inputs.Vector(n), e2 = inputs.Vector(n), a1 = (float[])e1.Clone(), a2 = (float[])e2.Clone();
            Assert.Equal(_ref.CrossEntropy(x, n, n / 2, e1, 0.3f), k.CrossEntropy(x, n, n / 2, a1, 0.3f));
            Assert.Equal(e1, a1);
            Assert.Equal(_ref.SoftCrossEntropy(x, n, p, 1, e1, 0.3f), k.SoftCrossEntropy(x, n, p, 1, a1, 0.3f));
            Assert.Equal(e1, a1);
            _ref.RmsNormBackward(x, 3, w, dy, 2, e1, 0, e2, n, 1e-5f);
            k.RmsNormBackward(x, 3, w, dy, 2, a1, 0, a2, n, 1e-5f);
            Assert.Equal(e1, a1);
            Assert.Equal(e2, a2);
            foreach (int activation in new[] { 0, 1 })
            {
                _ref.GatedActivationBackward(x, 3, dy, 2, w, e1, e2, n, activation);
                k.GatedActivationBackward(x, 3, dy, 2, w, a1, a2, n, activation);
                Assert.Equal(e1, a1);
                Assert.Equal(e2, a2);
                _ref.ActivationL1Backward(x, 1, e1, n, activation, 0.2f);
                k.ActivationL1Backward(x, 1, a1, n, activation, 0.2f);
                Assert.Equal(e1, a1);
            }
            _ref.SoftmaxBackward(p, 1, e1, 0, n, 2.828427f);
            k.SoftmaxBackward(p, 1, a1, 0, n, 2.828427f);
            Assert.Equal(e1, a1);
        }
        float[] cos = inputs.Vector(8), sin = inputs.Vector(8), v = inputs.Vector(70), u = (float[])v.Clone();
        _ref.RopeInverse(cos, sin, v, 6, 64, 16);
        k.RopeInverse(cos, sin, u, 6, 64, 16);
        Assert.Equal(v, u);
        Assert.Equal(_ref.SumOfSquares(v, 3, 60, 0.25f), k.SumOfSquares(v, 3, 60, 0.25f));
    }
}
