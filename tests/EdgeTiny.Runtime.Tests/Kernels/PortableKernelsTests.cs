using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Tests.Kernels;

/// <summary>The portable kernels against double-precision scalar references, on odd sizes and offsets.</summary>
public sealed class PortableKernelsTests
{
    private readonly PortableKernels _k = new();
    private readonly Random _rng = new(1234);

    private float[] RandomVector(int n, float scale = 1f) => Enumerable.Range(0, n).Select(_ => (float)(_rng.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>Float accumulation over a few hundred terms: relative error well under 1e-5.</summary>
    private static void AssertClose(double expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 13)]
    [InlineData(64, 172)]
    public void MatVecF32_matches_reference(int rows, int cols)
    {
        float[] w = RandomVector(rows * cols + 5), x = RandomVector(cols + 3);
        var y = new float[rows + 2];
        _k.MatVecF32(w, 5, x, 3, y, 2, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            double expected = 0;
            for (int c = 0; c < cols; c++) expected += (double)w[5 + r * cols + c] * x[3 + c];
            AssertClose(expected, y[2 + r]);
        }
    }

    [Theory]
    [InlineData(3, 64, 64)]
    [InlineData(5, 172, 64)]  // last group of each row is short (44)
    [InlineData(2, 10, 3)]
    public void MatVecQ8_equals_dequantized_matvec_over_file_rows(int rows, int cols, int group)
    {
        int groups = (cols + group - 1) / group, rowBytes = cols + 4 * groups, offset = 7;
        sbyte[] q = Enumerable.Range(0, rows * cols).Select(_ => (sbyte)_rng.Next(-127, 128)).ToArray();
        float[] scales = RandomVector(rows * groups, 0.01f);
        var w = new byte[offset + rows * rowBytes];
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < groups; g++) BitConverter.GetBytes(scales[r * groups + g]).CopyTo(w, offset + r * rowBytes + 4 * g);
            for (int c = 0; c < cols; c++) w[offset + r * rowBytes + 4 * groups + c] = (byte)q[r * cols + c];
        }
        float[] x = RandomVector(cols + 2);
        var y = new float[rows + 1];
        _k.MatVecQ8(w, offset, x, 2, y, 1, rows, cols, group);
        for (int r = 0; r < rows; r++)
        {
            double expected = 0;
            for (int c = 0; c < cols; c++) expected += q[r * cols + c] * (double)scales[r * groups + c / group] * x[2 + c];
            AssertClose(expected, y[1 + r]);
        }
    }

    [Fact]
    public void DotQ8_and_AxpyQ8_treat_bytes_as_signed()
    {
        byte[] q = [0x7F, 0x81, 0x00, 0xFF]; // 127, -127, 0, -1
        float[] a = [1f, 2f, 3f, 4f];
        Assert.Equal(127f - 254f - 4f, _k.DotQ8(a, 0, q, 0, 4));
        float[] y = [1f, 1f, 1f, 1f, 1f];
        _k.AxpyQ8(0.5f, q, 1, y, 2, 3);
        Assert.Equal([1f, 1f, 1f - 63.5f, 1f, 0.5f], y);
    }

    [Fact]
    public void RmsNorm_matches_reference_and_may_run_in_place()
    {
        float[] x = RandomVector(37), w = RandomVector(40);
        double ms = x.Sum(v => (double)v * v) / x.Length + 1e-5;
        double[] expected = x.Select((v, i) => w[3 + i] * v / Math.Sqrt(ms)).ToArray();
        _k.RmsNorm(x, w, 3, x, x.Length, 1e-5f);
        for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], x[i], 5);
    }

    [Fact]
    public void Softmax_sums_to_one_and_is_stable_for_large_inputs()
    {
        float[] x = [0f, 1000f, 1001f, 999f, 5f];
        _k.Softmax(x, 1, 3);
        Assert.Equal(0f, x[0]);
        Assert.Equal(5f, x[4]);
        Assert.Equal(1.0, x[1] + x[2] + x[3], 5);
        Assert.Equal(Math.Exp(1) / (1 + Math.Exp(1) + Math.Exp(-1)), x[2], 5);
    }

    [Fact]
    public void Dot_and_Axpy_match_reference()
    {
        float[] a = RandomVector(19), b = RandomVector(23);
        double dot = 0;
        for (int i = 0; i < 15; i++) dot += (double)a[2 + i] * b[4 + i];
        Assert.Equal(dot, _k.Dot(a, 2, b, 4, 15), 5);
        float[] y = (float[])b.Clone();
        _k.Axpy(0.5f, a, 2, y, 4, 15);
        for (int i = 0; i < 23; i++) Assert.Equal(i >= 4 && i < 19 ? b[i] + 0.5f * a[i - 2] : b[i], y[i], 6);
    }
}
