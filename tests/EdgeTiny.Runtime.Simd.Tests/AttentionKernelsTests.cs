using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// Whole-head attention (float and int8 KV) and the gated activation against <see cref="PortableKernels"/> on every
/// code path: head sizes below, at and above the vector widths (the 8-positions-at-once scores path needs a multiple
/// of 8), 0..40 positions (every count mod 8), strides wider than the head, nonzero offsets everywhere.
/// </summary>
[Collection(KernelVariants.Collection)]
public sealed class AttentionKernelsTests
{
    private readonly PortableKernels _ref = new();
    private static readonly int[] HeadSizes = [1, 3, 4, 8, 12, 16, 24, 48, 64];

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void AttentionScores_match_portable(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(600);
        foreach (int head in HeadSizes)
            for (int count = 0; count <= 40; count++)
            {
                int stride = head + inputs.Offset(), qOff = inputs.Offset(), keyOff = inputs.Offset(), sOff = inputs.Offset();
                float scale = MathF.Sqrt(head);
                float[] q = inputs.Vector(qOff + head + 2), keys = inputs.Vector(keyOff + count * stride + head + 2);
                float[] expected = inputs.Vector(sOff + count + 3), actual = (float[])expected.Clone();
                _ref.AttentionScores(q, qOff, keys, keyOff, expected, sOff, count, head, stride, scale);
                k.AttentionScores(q, qOff, keys, keyOff, actual, sOff, count, head, stride, scale);
                for (int i = 0; i < actual.Length; i++)
                {
                    if (i < sOff || i >= sOff + count) { Assert.Equal(expected[i], actual[i]); continue; }
                    int s = i - sOff;
                    double abs = 0;
                    for (int c = 0; c < head; c++) abs += Math.Abs((double)q[qOff + c] * keys[keyOff + s * stride + c]);
                    // the dot's summation bound, then one division (a relative rounding of each result)
                    Tolerance.Close(expected[i], actual[i], Tolerance.Sum(head, abs) / scale + 2 * Tolerance.U * Math.Abs(expected[i]),
                        $"scores head {head} count {count} s {s}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void AttentionScoresQ8_match_portable(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(601);
        foreach (int head in HeadSizes)
            for (int count = 0; count <= 40; count++)
            {
                int stride = head + inputs.Offset(), qOff = inputs.Offset(), keyOff = inputs.Offset(), sOff = inputs.Offset();
                int scaleOff = inputs.Offset(), scaleStride = 1 + inputs.Offset() % 3;
                float scale = MathF.Sqrt(head);
                float[] q = inputs.Vector(qOff + head + 2);
                byte[] keys = inputs.Bytes(keyOff + count * stride + head + 2);
                float[] keyScales = inputs.Vector(scaleOff + count * scaleStride + 2, 0.02f);
                float[] expected = inputs.Vector(sOff + count + 3), actual = (float[])expected.Clone();
                _ref.AttentionScoresQ8(q, qOff, keys, keyOff, keyScales, scaleOff, expected, sOff, count, head, stride, scaleStride, scale);
                k.AttentionScoresQ8(q, qOff, keys, keyOff, keyScales, scaleOff, actual, sOff, count, head, stride, scaleStride, scale);
                for (int i = 0; i < actual.Length; i++)
                {
                    if (i < sOff || i >= sOff + count) { Assert.Equal(expected[i], actual[i]); continue; }
                    int s = i - sOff;
                    double abs = 0;
                    for (int c = 0; c < head; c++) abs += Math.Abs((double)q[qOff + c] * (sbyte)keys[keyOff + s * stride + c]);
                    double ks = Math.Abs(keyScales[scaleOff + s * scaleStride]);
                    Tolerance.Close(expected[i], actual[i], Tolerance.Sum(head, abs) * ks / scale + 4 * Tolerance.U * Math.Abs(expected[i]),
                        $"scores q8 head {head} count {count} s {s}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void AttentionValues_match_portable(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(602);
        foreach (int head in HeadSizes)
            for (int count = 0; count <= 40; count++)
            {
                int stride = head + inputs.Offset(), wOff = inputs.Offset(), valOff = inputs.Offset(), outOff = inputs.Offset();
                float[] weights = inputs.Vector(wOff + count + 2), values = inputs.Vector(valOff + count * stride + head + 2);
                float[] expected = inputs.Vector(outOff + head + 3), actual = (float[])expected.Clone();
                _ref.AttentionValues(weights, wOff, values, valOff, expected, outOff, count, head, stride);
                k.AttentionValues(weights, wOff, values, valOff, actual, outOff, count, head, stride);
                for (int i = 0; i < actual.Length; i++)
                {
                    if (i < outOff || i >= outOff + head) { Assert.Equal(expected[i], actual[i]); continue; }
                    int c = i - outOff;
                    double abs = 0;
                    for (int s = 0; s < count; s++) abs += Math.Abs((double)weights[wOff + s] * values[valOff + s * stride + c]);
                    Tolerance.Close(expected[i], actual[i], Tolerance.Sum(count, abs), $"values head {head} count {count} c {c}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void AttentionValuesQ8_match_portable(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(603);
        foreach (int head in HeadSizes)
            for (int count = 0; count <= 40; count++)
            {
                int stride = head + inputs.Offset(), wOff = inputs.Offset(), valOff = inputs.Offset(), outOff = inputs.Offset();
                int scaleOff = inputs.Offset(), scaleStride = 1 + inputs.Offset() % 3;
                float[] weights = inputs.Vector(wOff + count + 2);
                byte[] values = inputs.Bytes(valOff + count * stride + head + 2);
                float[] valueScales = inputs.Vector(scaleOff + count * scaleStride + 2, 0.02f);
                float[] expected = inputs.Vector(outOff + head + 3), actual = (float[])expected.Clone();
                _ref.AttentionValuesQ8(weights, wOff, values, valOff, valueScales, scaleOff, expected, outOff, count, head, stride, scaleStride);
                k.AttentionValuesQ8(weights, wOff, values, valOff, valueScales, scaleOff, actual, outOff, count, head, stride, scaleStride);
                for (int i = 0; i < actual.Length; i++)
                {
                    if (i < outOff || i >= outOff + head) { Assert.Equal(expected[i], actual[i]); continue; }
                    int c = i - outOff;
                    double abs = 0;
                    for (int s = 0; s < count; s++)
                        abs += Math.Abs((double)weights[wOff + s] * valueScales[scaleOff + s * scaleStride] * (sbyte)values[valOff + s * stride + c]);
                    // the weighted sum's bound plus the rounding of each alpha = weight · scale
                    Tolerance.Close(expected[i], actual[i], Tolerance.Sum(count + 1, abs), $"values q8 head {head} count {count} c {c}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Silu_gate_is_within_1e_6_relative_of_portable_and_relu_is_bit_identical(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(604);
        double worst = 0;
        for (int n = 0; n <= 300; n++)
        {
            float[] gate = inputs.Vector(n + 3, 12f), up = inputs.Vector(n + 3, 3f);
            Compare(gate, up, n);
        }
        // Every exponent range the activation meets, including exp overflow (v < −88.7: silu → −0) and tiny values.
        var wide = new List<float>();
        for (float v = -120f; v <= 120f; v += 0.0371f) wide.Add(v);
        foreach (float v in new[] { 0f, -0f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 88.7f, -88.7f, -87.3f, -89f, -103f, 1e30f, -1e30f })
            wide.Add(v);
        float[] g = wide.ToArray();
        Compare(g, inputs.Vector(g.Length, 2f), g.Length);
        Assert.True(worst <= 1e-6, $"worst relative difference {worst:G3}");

        void Compare(float[] gate, float[] up, int n)
        {
            float[] expected = (float[])gate.Clone(), actual = (float[])gate.Clone();
            _ref.GatedActivation(expected, up, n, 0);
            k.GatedActivation(actual, up, n, 0);
            for (int i = 0; i < gate.Length; i++)
            {
                if (i >= n) { Assert.Equal(expected[i], actual[i]); continue; }
                // Relative to the result; below float's normal range (results ~1e-38 from exp overflowing towards inf)
                // relative precision is not defined, so an absolute 1e-44 applies there.
                double diff = Math.Abs((double)expected[i] - actual[i]);
                double rel = diff <= 1e-44 ? 0 : diff / Math.Abs((double)expected[i]);
                worst = Math.Max(worst, rel);
                Assert.True(rel <= 1e-6, $"silu({gate[i]:R})·{up[i]:R}: portable {expected[i]:R}, simd {actual[i]:R}, relative {rel:G3}");
            }
            expected = (float[])gate.Clone();
            actual = (float[])gate.Clone();
            _ref.GatedActivation(expected, up, n, 1);
            k.GatedActivation(actual, up, n, 1);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Out_of_range_attention_arguments_throw()
    {
        using var k = new SimdKernels();
        var q = new float[8];
        var keys = new float[3 * 10 + 8];
        var scores = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionScores(q, 0, keys, 0, new float[8], 0, 5, 8, 10, 1f)); // 4·10+8 > 38
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionScores(q, 1, keys, 0, scores, 0, 4, 8, 10, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionScores(q, 0, keys, 0, scores, 1, 4, 8, 10, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionValues(scores, 0, keys, 0, new float[7], 0, 4, 8, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionValues(scores, 1, keys, 0, q, 0, 4, 8, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionScoresQ8(q, 0, new byte[38], 0, new float[3], 0, scores, 0, 4, 8, 10, 1, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AttentionValuesQ8(scores, 0, new byte[37], 0, new float[4], 0, q, 0, 4, 8, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.GatedActivation(new float[4], new float[3], 4, 0));
    }
}
