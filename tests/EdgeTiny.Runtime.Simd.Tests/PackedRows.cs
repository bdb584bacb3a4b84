using System.Buffers.Binary;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// Random rows in the stored layouts of Codec.Q (scales, then cols packed b-bit values) and Codec.SparseQ (scales, a
/// bitmap with exactly <c>kept</c> bits set among the first cols, then kept packed values). Any bytes are valid packed
/// values; scales are sane floats. <see cref="AbsSum"/> is Σ|value·x·scale| read through <see cref="PackedValues"/>
/// (the core's definition of the layouts), for <see cref="Tolerance"/>.
/// </summary>
public sealed class PackedRows
{
    public readonly byte[] Data;
    public readonly int Offset, Rows, Cols, Bits, GroupSize, Kept, RowBytes;
    public readonly bool Sparse;

    private PackedRows(byte[] data, int offset, int rows, int cols, int bits, int groupSize, int kept, bool sparse, int rowBytes)
    {
        Data = data; Offset = offset; Rows = rows; Cols = cols; Bits = bits; GroupSize = groupSize; Kept = kept; Sparse = sparse; RowBytes = rowBytes;
    }

    public int Groups => (Cols + GroupSize - 1) / GroupSize;

    /// <summary>Dense rows at <paramref name="offset"/>, random junk before and <paramref name="slack"/> junk bytes after (0: the array ends with the last row).</summary>
    public static PackedRows Dense(Random rng, int offset, int rows, int cols, int bits, int groupSize, int slack)
    {
        int rowBytes = Codec.RowBytes(Codec.Q, bits, cols, groupSize);
        var b = new byte[offset + rows * rowBytes + slack];
        rng.NextBytes(b);
        var p = new PackedRows(b, offset, rows, cols, bits, groupSize, 0, false, rowBytes);
        p.WriteScales(rng);
        return p;
    }

    public static PackedRows SparseRows(Random rng, int offset, int rows, int cols, int bits, int kept, int groupSize, int slack)
    {
        int rowBytes = Codec.RowBytes(Codec.SparseQ, Codec.SparseParam(bits, kept), cols, groupSize);
        var b = new byte[offset + rows * rowBytes + slack];
        rng.NextBytes(b);
        var p = new PackedRows(b, offset, rows, cols, bits, groupSize, kept, true, rowBytes);
        p.WriteScales(rng);
        int bitmapBytes = (cols + 7) / 8;
        for (int r = 0; r < rows; r++)
        {
            int bitmap = offset + r * rowBytes + 4 * p.Groups;
            Array.Clear(b, bitmap, bitmapBytes);
            // kept distinct columns, chosen at random
            int[] columns = Enumerable.Range(0, cols).OrderBy(_ => rng.Next()).Take(kept).ToArray();
            foreach (int c in columns) b[bitmap + (c >> 3)] |= (byte)(1 << (c & 7));
        }
        return p;
    }

    private void WriteScales(Random rng)
    {
        for (int r = 0; r < Rows; r++)
            for (int g = 0; g < Groups; g++)
                BinaryPrimitives.WriteSingleLittleEndian(Data.AsSpan(Offset + r * RowBytes + 4 * g), (float)(rng.NextDouble() * 2 - 1) * 0.05f);
    }

    /// <summary>Σ_c |w[r, c] · x[xOff + c]| with the decoded row (pruned columns are 0).</summary>
    public double AbsSum(int r, float[] x, int xOff)
    {
        var row = new float[Cols];
        PackedValues.DecodeRow(Data, Offset + r * RowBytes, Sparse ? Codec.SparseQ : Codec.Q,
            Sparse ? Codec.SparseParam(Bits, Kept) : Bits, Cols, GroupSize, row, 0);
        double abs = 0;
        for (int c = 0; c < Cols; c++) abs += Math.Abs((double)row[c] * x[xOff + c]);
        return abs;
    }

    /// <summary>Terms of a row's sum for <see cref="Tolerance.Sum"/>: every product plus one per group scale.</summary>
    public int Terms => (Sparse ? Kept : Cols) + Groups;
}
