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
}
