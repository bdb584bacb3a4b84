using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Converter.Tests;

/// <summary>
/// Every codec round-trips within half a quantization step, and the runtime kernel on the stored bytes equals a
/// matrix-vector product with the decoded values (the scalar reference).
/// </summary>
public sealed class GroupQuantizerTests
{
    public static IEnumerable<object[]> Shapes()
    {
        foreach (int bits in new[] { 2, 3, 4, 5, 6, 8 })
        {
            yield return [4, 64, 64, bits];
            yield return [3, 172, 64, bits]; // short last group
            yield return [5, 10, 3, bits];
            yield return [2, 7, 32, bits];   // one short group, odd packing
        }
    }

    private static float[] Random(int n, int seed, float scale = 0.3f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    /// <summary>Keeps the same number of weights in each row (every other column, offset by the row).</summary>
    private static bool[] RowMask(int rows, int cols, int keepPerRow, int seed)
    {
        var rng = new Random(seed);
        var keep = new bool[rows * cols];
        for (int r = 0; r < rows; r++)
            foreach (int c in Enumerable.Range(0, cols).OrderBy(_ => rng.Next()).Take(keepPerRow)) keep[r * cols + c] = true;
        return keep;
    }

    private static void AssertWithinHalfStep(float[] w, float[] back, bool[]? keep, int rows, int cols, int group, int bits)
    {
        for (int r = 0; r < rows; r++)
            for (int g = 0; g * group < cols; g++)
            {
                var idx = Enumerable.Range(g * group, Math.Min(group, cols - g * group)).Select(c => r * cols + c).ToArray();
                var kept = idx.Where(i => keep is null || keep[i]).ToArray();
                float step = kept.Length == 0 ? 0 : kept.Max(i => Math.Abs(w[i])) / Codec.MaxLevel(bits);
                foreach (int i in idx)
                {
                    if (keep is not null && !keep[i]) Assert.Equal(0f, back[i]);
                    else Assert.True(Math.Abs(w[i] - back[i]) <= step / 2 + 1e-7f, $"[{i}] {w[i]} vs {back[i]} (step {step})");
                }
            }
    }

    private static void AssertKernelMatchesDecoded(EncodedTensor e, float[] x)
    {
        var y = new float[e.Rows];
        var k = new PortableKernels();
        int bits = Codec.Bits(e.Param);
        if (e.Codec == Codec.SparseQ) k.MatVecSparseQ(e.Payload, 0, x, 0, y, 0, e.Rows, e.Cols, bits, Codec.Kept(e.Param), e.GroupSize);
        else k.MatVecQ(e.Payload, 0, x, 0, y, 0, e.Rows, e.Cols, bits, e.GroupSize);
        float[] dq = e.Decode();
        for (int r = 0; r < e.Rows; r++)
        {
            double expected = Enumerable.Range(0, e.Cols).Sum(c => (double)dq[r * e.Cols + c] * x[c]);
            Assert.True(Math.Abs(expected - y[r]) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"row {r}: {expected} vs {y[r]}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Dense_round_trip_and_kernel(int rows, int cols, int group, int bits)
    {
        float[] w = Random(rows * cols, rows * 1000 + cols + bits);
        w[0] = 0f;
        EncodedTensor e = GroupQuantizer.Encode(w, rows, cols, group, bits);
        Assert.Equal(Codec.PayloadBytes(Codec.Q, bits, rows, cols, group), e.Payload.Length);
        AssertWithinHalfStep(w, e.Decode(), null, rows, cols, group, bits);
        AssertKernelMatchesDecoded(e, Random(cols, 99, 1f));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sparse_round_trip_and_kernel(int rows, int cols, int group, int bits)
    {
        float[] w = Random(rows * cols, rows * 7 + cols + bits);
        int keepPerRow = Math.Max(1, cols / 2 - 1);
        bool[] keep = RowMask(rows, cols, keepPerRow, bits);
        EncodedTensor e = GroupQuantizer.EncodeSparse(w, keep, rows, cols, group, bits);
        Assert.Equal(Codec.SparseQ, e.Codec);
        Assert.Equal(keepPerRow, Codec.Kept(e.Param));
        Assert.Equal(Codec.PayloadBytes(Codec.SparseQ, e.Param, rows, cols, group), e.Payload.Length);
        AssertWithinHalfStep(w, e.Decode(), keep, rows, cols, group, bits);
        AssertKernelMatchesDecoded(e, Random(cols, 5, 1f));
    }

    [Fact]
    public void Sparse_rows_really_are_smaller()
    {
        // 50% sparsity at 4 bits: bitmap (1 bit) + values (2 bits) per weight beats dense 4 bits.
        long dense = Codec.PayloadBytes(Codec.Q, 4, 172, 64, 64);
        long sparse = Codec.PayloadBytes(Codec.SparseQ, Codec.SparseParam(4, 32), 172, 64, 64);
        Assert.True(sparse < dense * 0.8, $"{sparse} vs {dense}");
    }

    [Fact]
    public void Rows_with_different_kept_counts_are_refused()
    {
        var keep = new bool[2 * 4];
        keep[0] = keep[1] = keep[4] = true;
        Assert.Throws<ArgumentException>(() => GroupQuantizer.EncodeSparse(new float[8], keep, 2, 4, 4, 4));
    }

    [Fact]
    public void All_zero_group_encodes_to_zero_scale_and_zero_values()
    {
        EncodedTensor e = GroupQuantizer.Encode(new float[8], 1, 8, 4, 8);
        Assert.All(e.Payload, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Two_bit_values_are_ternary()
    {
        EncodedTensor e = GroupQuantizer.Encode([1f, -1f, 0.2f, -0.6f], 1, 4, 4, 2);
        Assert.Equal([1f, -1f, 0f, -1f], e.Decode());
    }
}
