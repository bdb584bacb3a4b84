using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// <see cref="SimdKernels.MatVecQ"/> (every width 2..8) and <see cref="SimdKernels.MatVecSparseQ"/> (every width, kept
/// counts from none to all) against <see cref="PortableKernels"/> on every code path: 1..9 rows (the 4-row blocks and
/// the rows after them), cols 1..130 (every tail), group sizes below, at and above the vector width and not multiples
/// of 8 (short last groups everywhere), nonzero offsets into w, x and y, and arrays that end exactly at the last row
/// (a vector load past the data would throw or read junk). Outputs outside [yOff, yOff + rows) must not change.
/// </summary>
[Collection(KernelVariants.Collection)]
public sealed class PackedKernelsTests
{
    private readonly PortableKernels _ref = new();

    private static readonly int[] SmallRows = [1, 2, 3, 4, 5, 7, 9];
    private static readonly int[] Groups = [3, 8, 16, 24, 32, 64];

    public static IEnumerable<object[]> VariantsAndWidths =>
        from v in KernelVariants.Names from b in Enumerable.Range(2, 7) select new object[] { v, b };

    [Theory]
    [MemberData(nameof(VariantsAndWidths))]
    public void MatVecQ_matches_portable_for_every_small_shape(string variant, int bits)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var rng = new Random(100 + bits);
        foreach (int g in Groups)
            foreach (int rows in SmallRows)
                for (int cols = 1; cols <= 130; cols++)
                    Check(k, PackedRows.Dense(rng, rng.Next(0, 9), rows, cols, bits, g, slack: rng.Next(0, 2) * rng.Next(0, 9)), rng);
    }

    [Theory]
    [MemberData(nameof(VariantsAndWidths))]
    public void MatVecQ_matches_portable_for_model_sized_shapes(string variant, int bits)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var rng = new Random(200 + bits);
        foreach ((int rows, int cols, int g) in new[]
                 {
                     (64, 64, 64), (172, 64, 64), (64, 172, 64), (64, 172, 32), (512, 64, 64), (33, 1000, 64),
                     (13, 257, 16), (7, 100, 200), (0, 5, 4), (5, 0, 4), (9, 1, 1), (6, 77, 7),
                 })
        {
            Check(k, PackedRows.Dense(rng, 5, rows, cols, bits, g, slack: 0), rng);
            Check(k, PackedRows.Dense(rng, 0, rows, cols, bits, g, slack: 3), rng);
        }
    }

    public static IEnumerable<object[]> SparseCases =>
        from v in KernelVariants.Names from b in Enumerable.Range(2, 7) select new object[] { v, b };

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void MatVecSparseQ_matches_portable_at_every_kept_count(string variant, int bits)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var rng = new Random(300 + bits);
        foreach (int g in new[] { 3, 8, 16, 32, 64 })
            foreach (int rows in new[] { 1, 4, 5, 9 })
                foreach (int cols in new[] { 1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 130, 172 })
                    foreach (double fraction in new[] { 0, 0.1, 0.25, 0.5, 0.7, 0.9, 1 })
                    {
                        int kept = (int)Math.Round(cols * fraction);
                        Check(k, PackedRows.SparseRows(rng, rng.Next(0, 9), rows, cols, bits, kept, g, slack: rng.Next(0, 2) * 5), rng);
                    }
        // Every kept count of one shape (tails of every length in every group).
        for (int kept = 0; kept <= 75; kept++) Check(k, PackedRows.SparseRows(rng, 3, 6, 75, bits, kept, 32, slack: 0), rng);
    }

    [Theory]
    [MemberData(nameof(KernelVariants.All), MemberType = typeof(KernelVariants))]
    public void MatVecSparseQ_matches_portable_for_model_sized_shapes(string variant)
    {
        SimdKernels k = KernelVariants.Get(variant);
        var rng = new Random(400);
        foreach (int bits in new[] { 2, 3, 4, 8 })
            foreach ((int rows, int cols, int g) in new[] { (64, 64, 64), (172, 64, 64), (64, 172, 64), (512, 64, 32), (33, 1000, 64), (0, 8, 8) })
                foreach (double fraction in new[] { 0.3, 0.5, 0.75 })
                    Check(k, PackedRows.SparseRows(rng, 2, rows, cols, bits, (int)(cols * (1 - fraction)), g, slack: 0), rng);
    }

    [Fact]
    public void Sparse_rows_with_all_columns_kept_equal_dense_rows_of_the_same_values()
    {
        // The same values stored both ways: a sparse row keeping every column is a dense row with a full bitmap.
        using var k = new SimdKernels();
        var rng = new Random(401);
        foreach (int bits in new[] { 3, 4, 8 })
        {
            const int rows = 9, cols = 100, g = 32;
            PackedRows dense = PackedRows.Dense(rng, 0, rows, cols, bits, g, slack: 0);
            int groups = dense.Groups, bitmapBytes = (cols + 7) / 8;
            int packedBytes = dense.RowBytes - 4 * groups;
            var sparse = new byte[rows * (dense.RowBytes + bitmapBytes)];
            for (int r = 0; r < rows; r++)
            {
                int s = r * (dense.RowBytes + bitmapBytes);
                Array.Copy(dense.Data, r * dense.RowBytes, sparse, s, 4 * groups);
                for (int c = 0; c < cols; c++) sparse[s + 4 * groups + (c >> 3)] |= (byte)(1 << (c & 7));
                Array.Copy(dense.Data, r * dense.RowBytes + 4 * groups, sparse, s + 4 * groups + bitmapBytes, packedBytes);
            }
            float[] x = new Inputs(402).Vector(cols), a = new float[rows], b = new float[rows];
            k.MatVecQ(dense.Data, 0, x, 0, a, 0, rows, cols, bits, g);
            k.MatVecSparseQ(sparse, 0, x, 0, b, 0, rows, cols, bits, cols, g);
            for (int r = 0; r < rows; r++)
                Tolerance.Close(a[r], b[r], 2 * Tolerance.Sum(dense.Terms, dense.AbsSum(r, x, 0)), $"q{bits} dense vs sparse row {r}");
        }
    }

    private void Check(SimdKernels k, PackedRows p, Random rng)
    {
        int xOff = rng.Next(0, 9), yOff = rng.Next(0, 9);
        var inputs = new Inputs(rng.Next());
        float[] x = inputs.Vector(xOff + p.Cols + 3);
        float[] expected = inputs.Vector(yOff + p.Rows + 3);
        float[] actual = (float[])expected.Clone();
        if (p.Sparse)
        {
            _ref.MatVecSparseQ(p.Data, p.Offset, x, xOff, expected, yOff, p.Rows, p.Cols, p.Bits, p.Kept, p.GroupSize);
            k.MatVecSparseQ(p.Data, p.Offset, x, xOff, actual, yOff, p.Rows, p.Cols, p.Bits, p.Kept, p.GroupSize);
        }
        else
        {
            _ref.MatVecQ(p.Data, p.Offset, x, xOff, expected, yOff, p.Rows, p.Cols, p.Bits, p.GroupSize);
            k.MatVecQ(p.Data, p.Offset, x, xOff, actual, yOff, p.Rows, p.Cols, p.Bits, p.GroupSize);
        }
        string what = $"{(p.Sparse ? $"sparse kept {p.Kept}" : "dense")} q{p.Bits} {p.Rows}x{p.Cols} group {p.GroupSize}";
        for (int i = 0; i < actual.Length; i++)
        {
            if (i < yOff || i >= yOff + p.Rows)
            {
                Assert.True(expected[i] == actual[i], $"{what}: y[{i}] outside the output range changed");
                continue;
            }
            int r = i - yOff;
            Tolerance.Close(expected[i], actual[i], Tolerance.Sum(p.Terms, p.AbsSum(r, x, xOff)), $"{what} row {r}");
        }
    }

    [Fact]
    public void Scalar_level_equals_portable_bit_for_bit()
    {
        // The scalar path is the portable loop on pointers: same operations in the same order.
        SimdKernels k = KernelVariants.Get("scalar");
        var rng = new Random(500);
        foreach (int bits in Enumerable.Range(2, 7))
            foreach ((int rows, int cols, int g) in new[] { (9, 172, 64), (5, 37, 8), (7, 100, 3) })
            {
                float[] x = new Inputs(bits).Vector(cols);
                float[] expected = new float[rows], actual = new float[rows];
                PackedRows d = PackedRows.Dense(rng, 1, rows, cols, bits, g, 0);
                _ref.MatVecQ(d.Data, 1, x, 0, expected, 0, rows, cols, bits, g);
                k.MatVecQ(d.Data, 1, x, 0, actual, 0, rows, cols, bits, g);
                Assert.Equal(expected, actual);
                PackedRows s = PackedRows.SparseRows(rng, 1, rows, cols, bits, cols / 2, g, 0);
                _ref.MatVecSparseQ(s.Data, 1, x, 0, expected, 0, rows, cols, bits, cols / 2, g);
                k.MatVecSparseQ(s.Data, 1, x, 0, actual, 0, rows, cols, bits, cols / 2, g);
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void Out_of_range_packed_arguments_throw()
    {
        using var k = new SimdKernels();
        var x = new float[64];
        var y = new float[4];
        int rowBytes = EdgeTiny.Runtime.Format.Codec.RowBytes(EdgeTiny.Runtime.Format.Codec.Q, 4, 64, 32);
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes - 1], 0, x, 0, y, 0, 2, 64, 4, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes], 1, x, 0, y, 0, 2, 64, 4, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes], 0, x, 1, y, 0, 2, 64, 4, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes], 0, x, 0, y, 3, 2, 64, 4, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes], 0, x, 0, y, 0, 2, 64, 1, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecQ(new byte[2 * rowBytes], 0, x, 0, y, 0, 2, 64, 4, 0));
        int sparseBytes = EdgeTiny.Runtime.Format.Codec.RowBytes(EdgeTiny.Runtime.Format.Codec.SparseQ, EdgeTiny.Runtime.Format.Codec.SparseParam(4, 32), 64, 32);
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecSparseQ(new byte[2 * sparseBytes - 1], 0, x, 0, y, 0, 2, 64, 4, 32, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecSparseQ(new byte[2 * sparseBytes], 0, x, 0, y, 0, 2, 64, 4, 65, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => k.MatVecSparseQ(new byte[2 * sparseBytes], 0, x, 0, y, 0, 2, 64, 9, 32, 32));
    }
}
