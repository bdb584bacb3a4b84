using System.Buffers.Binary;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// Every <see cref="SimdKernels"/> method against <see cref="PortableKernels"/> (the reference) on every code path:
/// all vector lengths 0..300, matrices of 1..9 rows × 1..200 cols (tails of every width), nonzero offsets, q8 group
/// sizes below, at and above the vector width with short last groups; elements outside the output range must not be
/// touched. Tolerances: <see cref="Tolerance"/>.
/// </summary>
[Collection(KernelVariants.Collection)]
public sealed class SimdKernelsTests
{
    private const int MaxLength = 300;
    private readonly PortableKernels _ref = new();

    [Fact]
    public void The_best_level_is_used_by_default()
    {
        using var k = new SimdKernels();
        Assert.Equal(SimdKernels.BestLevel, k.Level);
        Assert.Equal(1, k.Threads);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported)
            Assert.Equal(SimdLevel.Avx2, k.Level);
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
            Assert.Equal(SimdLevel.Vector128, k.Level);
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void MatVecF32_matches_portable_for_every_small_shape(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(11);
        for (int rows = 1; rows <= 9; rows++)
            for (int cols = 1; cols <= 200; cols++)
                CheckF32(k, inputs, rows, cols);
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void MatVecF32_matches_portable_for_model_sized_shapes(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(12);
        foreach ((int rows, int cols) in new[] { (64, 64), (172, 64), (64, 172), (512, 64), (33, 1000), (13, 257), (0, 5), (5, 0) })
            CheckF32(k, inputs, rows, cols);
    }

    private void CheckF32(SimdKernels k, Inputs inputs, int rows, int cols)
    {
        int wOff = inputs.Offset(), xOff = inputs.Offset(), yOff = inputs.Offset();
        float[] w = inputs.Vector(wOff + rows * cols + 3), x = inputs.Vector(xOff + cols + 3);
        float[] expected = inputs.Vector(yOff + rows + 3);
        float[] actual = (float[])expected.Clone();
        _ref.MatVecF32(w, wOff, x, xOff, expected, yOff, rows, cols);
        k.MatVecF32(w, wOff, x, xOff, actual, yOff, rows, cols);
        for (int i = 0; i < actual.Length; i++)
        {
            if (i < yOff || i >= yOff + rows) { Assert.Equal(expected[i], actual[i]); continue; }
            int r = i - yOff;
            double abs = 0;
            for (int c = 0; c < cols; c++) abs += Math.Abs((double)w[wOff + r * cols + c] * x[xOff + c]);
            Tolerance.Close(expected[i], actual[i], Tolerance.Sum(cols, abs), $"f32 {rows}x{cols} row {r}");
        }
    }

    public static IEnumerable<object[]> VariantsAndGroups =>
        from v in KernelVariants.Names from g in new[] { 1, 3, 8, 12, 32, 64 } select new object[] { v, g };

    [Theory]
    [MemberData(nameof(VariantsAndGroups))]
    public void MatVecQ8_matches_portable_for_every_small_shape(string variant, int groupSize)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(21 + groupSize);
        for (int rows = 1; rows <= 9; rows++)
            for (int cols = 1; cols <= 200; cols++)
                CheckQ8(k, inputs, rows, cols, groupSize);
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void MatVecQ8_matches_portable_for_model_sized_shapes(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(22);
        foreach ((int rows, int cols, int g) in new[]
                 {
                     (64, 64, 64), (172, 64, 64), (64, 172, 64), (64, 172, 32), (512, 64, 64), (33, 1000, 64),
                     (13, 257, 16), (7, 100, 200), (0, 5, 4), (5, 0, 4), (9, 1, 1),
                 })
            CheckQ8(k, inputs, rows, cols, g);
    }

    private void CheckQ8(SimdKernels k, Inputs inputs, int rows, int cols, int groupSize)
    {
        int wOff = inputs.Offset(), xOff = inputs.Offset(), yOff = inputs.Offset();
        int rowBytes = Inputs.RowBytes(cols, groupSize), groups = (cols + groupSize - 1) / groupSize;
        byte[] w = inputs.Q8Rows(wOff, rows, cols, groupSize);
        float[] x = inputs.Vector(xOff + cols + 3);
        float[] expected = inputs.Vector(yOff + rows + 3);
        float[] actual = (float[])expected.Clone();
        _ref.MatVecQ8(w, wOff, x, xOff, expected, yOff, rows, cols, groupSize);
        k.MatVecQ8(w, wOff, x, xOff, actual, yOff, rows, cols, groupSize);
        for (int i = 0; i < actual.Length; i++)
        {
            if (i < yOff || i >= yOff + rows) { Assert.Equal(expected[i], actual[i]); continue; }
            int r = i - yOff, row = wOff + r * rowBytes;
            double abs = 0;
            for (int c = 0; c < cols; c++)
            {
                float scale = BinaryPrimitives.ReadSingleLittleEndian(w.AsSpan(row + 4 * (c / groupSize)));
                abs += Math.Abs((sbyte)w[row + 4 * groups + c] * (double)x[xOff + c] * scale);
            }
            Tolerance.Close(expected[i], actual[i], Tolerance.Sum(cols + groups, abs), $"q8 {rows}x{cols} group {groupSize} row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void MatVecQ_with_8_bits_takes_the_q8_kernel(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(23);
        foreach ((int rows, int cols, int g) in new[] { (9, 172, 64), (5, 37, 8), (64, 64, 32) })
        {
            byte[] w = inputs.Q8Rows(3, rows, cols, g);
            float[] x = inputs.Vector(cols);
            float[] expected = new float[rows], actual = new float[rows], q8 = new float[rows];
            _ref.MatVecQ(w, 3, x, 0, expected, 0, rows, cols, 8, g);
            k.MatVecQ(w, 3, x, 0, actual, 0, rows, cols, 8, g);
            k.MatVecQ8(w, 3, x, 0, q8, 0, rows, cols, g);
            Assert.Equal(q8, actual);
            for (int r = 0; r < rows; r++) Tolerance.Close(expected[r], actual[r], Tolerance.Sum(cols + 8, 4 * cols), $"q8 via MatVecQ row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Dot_matches_portable_for_every_length(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(31);
        for (int n = 0; n <= MaxLength; n++)
        {
            int aOff = inputs.Offset(), bOff = inputs.Offset();
            float[] a = inputs.Vector(aOff + n + 2), b = inputs.Vector(bOff + n + 2);
            double abs = 0;
            for (int i = 0; i < n; i++) abs += Math.Abs((double)a[aOff + i] * b[bOff + i]);
            Tolerance.Close(_ref.Dot(a, aOff, b, bOff, n), k.Dot(a, aOff, b, bOff, n), Tolerance.Sum(n, abs), $"dot n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void DotQ8_matches_portable_for_every_length(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(32);
        for (int n = 0; n <= MaxLength; n++)
        {
            int aOff = inputs.Offset(), qOff = inputs.Offset();
            float[] a = inputs.Vector(aOff + n + 2);
            byte[] q = inputs.Bytes(qOff + n + 2);
            double abs = 0;
            for (int i = 0; i < n; i++) abs += Math.Abs((double)a[aOff + i] * (sbyte)q[qOff + i]);
            Tolerance.Close(_ref.DotQ8(a, aOff, q, qOff, n), k.DotQ8(a, aOff, q, qOff, n), Tolerance.Sum(n, abs), $"dotq8 n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Axpy_and_AxpyQ8_match_portable_for_every_length(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(33);
        for (int n = 0; n <= MaxLength; n++)
        {
            int xOff = inputs.Offset(), yOff = inputs.Offset();
            float alpha = inputs.Vector(1)[0];
            float[] x = inputs.Vector(xOff + n + 2);
            byte[] q = inputs.Bytes(xOff + n + 2);
            float[] y = inputs.Vector(yOff + n + 2);
            // y + alpha·x: one product and one sum, so at most 2 roundings in either implementation (FMA: 1).
            float[] expected = (float[])y.Clone(), actual = (float[])y.Clone();
            _ref.Axpy(alpha, x, xOff, expected, yOff, n);
            k.Axpy(alpha, x, xOff, actual, yOff, n);
            for (int i = 0; i < y.Length; i++)
            {
                double term = i >= yOff && i < yOff + n ? Math.Abs((double)alpha * x[i - yOff + xOff]) : 0;
                Tolerance.Close(expected[i], actual[i], 4 * Tolerance.U * (Math.Abs(y[i]) + term), $"axpy n={n} i={i}");
            }
            expected = (float[])y.Clone();
            actual = (float[])y.Clone();
            _ref.AxpyQ8(alpha, q, xOff, expected, yOff, n);
            k.AxpyQ8(alpha, q, xOff, actual, yOff, n);
            for (int i = 0; i < y.Length; i++)
            {
                double term = i >= yOff && i < yOff + n ? Math.Abs((double)alpha * (sbyte)q[i - yOff + xOff]) : 0;
                Tolerance.Close(expected[i], actual[i], 4 * Tolerance.U * (Math.Abs(y[i]) + term), $"axpyq8 n={n} i={i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void RmsNorm_matches_portable_for_every_length_and_may_run_in_place(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(41);
        for (int n = 0; n <= MaxLength; n++)
        {
            int wOff = inputs.Offset();
            float[] x = inputs.Vector(n + 3, 3f), w = inputs.Vector(wOff + n + 2);
            float[] expected = inputs.Vector(n + 5), actual = (float[])expected.Clone();
            _ref.RmsNorm(x, w, wOff, expected, n, 1e-5f);
            k.RmsNorm(x, w, wOff, actual, n, 1e-5f);
            // o = w·x/rms: the mean of squares is a sum of n terms (γ(n) relative), then sqrt, divide and 2 products.
            for (int i = 0; i < actual.Length; i++)
                Tolerance.Close(expected[i], actual[i], 2 * Tolerance.Gamma(n + 8) * Math.Abs(expected[i]) + 1e-30, $"rmsnorm n={n} i={i}");
            float[] inPlace = (float[])x.Clone();
            k.RmsNorm(inPlace, w, wOff, inPlace, n, 1e-5f);
            for (int i = 0; i < n; i++) Assert.Equal(actual[i], inPlace[i]);
        }
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void Softmax_matches_portable_for_every_length(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var inputs = new Inputs(51);
        for (int n = 0; n <= MaxLength; n++)
        {
            int off = inputs.Offset();
            float[] x = inputs.Vector(off + n + 3, 8f);
            if (n > 0) x[off + n / 2] = 1000f + x[off + n / 2]; // a large value: the max subtraction must happen
            float[] expected = (float[])x.Clone(), actual = (float[])x.Clone();
            _ref.Softmax(expected, off, n);
            k.Softmax(actual, off, n);
            // Each output is exp(xᵢ − max)/Σ: exp within a few ulp (vectorised exp), the sum within γ(n), one product.
            for (int i = 0; i < x.Length; i++)
                Tolerance.Close(expected[i], actual[i], (2 * Tolerance.Gamma(n + 2) + 16 * Tolerance.U) * Math.Abs(expected[i]) + 1e-30,
                    $"softmax n={n} i={i}");
            if (n > 0) Assert.Equal(1.0, actual.Skip(off).Take(n).Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void Out_of_range_arguments_throw_instead_of_reading_outside_arrays()
    {
        using var k = new SimdKernels();
        var w = new float[10];
        var x = new float[4];
        var y = new float[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecF32(w, 0, x, 0, y, 0, 3, 4)); // 12 weights > 10
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecF32(w, 0, x, 1, y, 0, 2, 4)); // x too short at offset 1
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecF32(w, 0, x, 0, y, 2, 2, 4)); // y too short at offset 2
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ8(new byte[Inputs.RowBytes(4, 2) * 2 - 1], 0, x, 0, y, 0, 2, 4, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ8(new byte[100], 0, x, 0, y, 0, 2, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Dot(x, 1, w, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.DotQ8(x, 0, new byte[3], 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Axpy(1f, x, 0, y, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.AxpyQ8(1f, new byte[4], 0, y, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.RmsNorm(x, w, 0, y, 4, 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Softmax(x, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.Softmax(x, -1, 1));
    }

    [Fact]
    public void Parallel_results_equal_single_threaded_results_bit_for_bit()
    {
        using var parallel = new SimdKernels(true, threads: 2, parallelThreshold: 1);
        using var single = new SimdKernels();
        var inputs = new Inputs(61);
        foreach ((int rows, int cols) in new[] { (8, 8), (9, 64), (37, 172), (512, 64), (1001, 33) })
        {
            float[] w = inputs.Vector(rows * cols), x = inputs.Vector(cols);
            byte[] q = inputs.Q8Rows(0, rows, cols, 32);
            float[] a = new float[rows], b = new float[rows];
            single.MatVecF32(w, 0, x, 0, a, 0, rows, cols);
            parallel.MatVecF32(w, 0, x, 0, b, 0, rows, cols);
            Assert.Equal(a, b);
            single.MatVecQ8(q, 0, x, 0, a, 0, rows, cols, 32);
            parallel.MatVecQ8(q, 0, x, 0, b, 0, rows, cols, 32);
            Assert.Equal(a, b);
        }
        Assert.Equal(2, parallel.Threads);
    }
}
