using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Packed b-bit (Codec.Q) and pruned (Codec.SparseQ) rows.
//
// Dense, 8 bits: the Q8 kernel. Dense, 4 bits with groups that are multiples of 8 columns (every group then starts on
// a byte): four rows at a time like Q8 — 8 bytes → 16 nibbles → 16 signed bytes (see SimdKernels.Unpack.cs) → two
// vpmovsxbd + vcvtdq2ps → FMA with x — the nibbles are 16·q, so the group scale is multiplied by 1/16 (exact).
// Other widths (and 4 bits with odd group sizes): each row is unpacked once into a float scratch row (exact), then a
// vector dot per group. Sparse rows: the kept values are unpacked into the scratch row (in kept order), the x values
// at kept columns are gathered into a second scratch row with the bitmap (AVX2: one vpermps per bitmap byte from a
// 256-entry index table; otherwise a branchless 8-column loop), and then each group is a dense vector dot over its
// kept values — pruned weights cost nothing and x at pruned columns is never read into a product.
//
// Numerics: the same products as the portable kernels (exact integer × x × scale), summed in another order.
// The scratch rows belong to the instance (grown when a larger matrix comes, so no allocation per call).
public sealed unsafe partial class SimdKernels
{
    /// <summary>The reference loops, for kernels that have no vector version yet.</summary>
    internal readonly EdgeTiny.Runtime.Kernels.PortableKernels _portable = new();

    /// <summary>Unpacked values of one row (cols + 8 floats; the slack is read, masked, by vector tails).</summary>
    private float[] _rowScratch = new float[64];
    /// <summary>x at a sparse row's kept columns, in order (cols + 8 floats).</summary>
    private float[] _xScratch = new float[64];
    /// <summary>Per group of a sparse row: the kept-value index where the group ends.</summary>
    private int[] _groupEnds = new int[8];
    /// <summary>For each bitmap byte m: the positions of its set bits, then zeros (vpermps indices that compact 8 floats).</summary>
    private static readonly int[] s_compact;

    private void EnsureScratch(int cols, int groups)
    {
        if (_rowScratch.Length < cols + 8) _rowScratch = new float[cols + 8];
        if (_xScratch.Length < cols + 8) _xScratch = new float[cols + 8];
        if (_groupEnds.Length < groups) _groupEnds = new int[groups];
    }

    private static void CheckCodec(int bits, int groupSize)
    {
        if (bits < 2 || bits > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"{bits} bits is not a packed width (2..8)");
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize), "the group size must be at least 1");
    }

    public void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int groupSize)
    {
        if (bits == 8)
        {
            MatVecQ8(w, wOff, x, xOff, y, yOff, rows, cols, groupSize);
            return;
        }
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        CheckShape(rows, cols);
        CheckCodec(bits, groupSize);
        int groups = (int)(((long)cols + groupSize - 1) / groupSize);
        long rowBytes = 4L * groups + ((long)cols * bits + 7) / 8;
        CheckSpan(w.Length, wOff, rows * rowBytes, nameof(w));
        CheckSpan(x.Length, xOff, cols, nameof(x));
        CheckSpan(y.Length, yOff, rows, nameof(y));
        if (rows == 0) return;
        bool nibbles = bits == 4 && groupSize % 8 == 0;
        if (!nibbles && Level != SimdLevel.Scalar) EnsureScratch(cols, groups);
        fixed (byte* wp = w)
        fixed (float* xp = x, yp = y, qf = _rowScratch)
        {
            byte* wr = wp + wOff, end = wp + w.Length;
            float* xr = xp + xOff, yr = yp + yOff;
            int rb = (int)rowBytes;
            if (Level == SimdLevel.Scalar) QScalar(wr, rb, bits, groupSize, groups, cols, xr, yr, rows);
            else if (nibbles && Level == SimdLevel.Avx2) Q4Avx2(wr, rb, groupSize, groups, cols, xr, yr, rows);
            else if (nibbles) Q4V128(wr, rb, groupSize, groups, cols, xr, yr, rows);
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    byte* row = wr + (long)r * rb;
                    UnpackToFloat(row + 4 * groups, bits, cols, qf, end);
                    yr[r] = Level == SimdLevel.Avx2
                        ? GroupDotAvx2(qf, xr, row, groupSize, groups, cols)
                        : GroupDotV128(qf, xr, row, groupSize, groups, cols);
                }
            }
        }
    }

    // ---- dense 4-bit, four rows at a time ----

    private static void Q4Avx2(byte* w, int rowBytes, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            byte* s0 = w + (long)r * rowBytes, s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
            byte* p0 = s0 + 4 * groups, p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
            Vector256<float> v0 = default, v1 = default, v2 = default, v3 = default;
            float f0 = 0f, f1 = 0f, f2 = 0f, f3 = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
                int c = start;
                for (; c + 16 <= end; c += 16)
                {
                    Vector256<float> xa = Avx.LoadVector256(x + c), xb = Avx.LoadVector256(x + c + 8);
                    int at = c >> 1;
                    Vector128<sbyte> n0 = Nibbles16(p0 + at), n1 = Nibbles16(p1 + at), n2 = Nibbles16(p2 + at), n3 = Nibbles16(p3 + at);
                    a0 = Fma.MultiplyAdd(WidenLow(n0), xa, a0);
                    a1 = Fma.MultiplyAdd(WidenLow(n1), xa, a1);
                    a2 = Fma.MultiplyAdd(WidenLow(n2), xa, a2);
                    a3 = Fma.MultiplyAdd(WidenLow(n3), xa, a3);
                    b0 = Fma.MultiplyAdd(WidenHigh(n0), xb, b0);
                    b1 = Fma.MultiplyAdd(WidenHigh(n1), xb, b1);
                    b2 = Fma.MultiplyAdd(WidenHigh(n2), xb, b2);
                    b3 = Fma.MultiplyAdd(WidenHigh(n3), xb, b3);
                }
                if (c + 8 <= end)
                {
                    Vector256<float> xa = Avx.LoadVector256(x + c);
                    int at = c >> 1;
                    a0 = Fma.MultiplyAdd(WidenLow(Nibbles8(p0 + at)), xa, a0);
                    a1 = Fma.MultiplyAdd(WidenLow(Nibbles8(p1 + at)), xa, a1);
                    a2 = Fma.MultiplyAdd(WidenLow(Nibbles8(p2 + at)), xa, a2);
                    a3 = Fma.MultiplyAdd(WidenLow(Nibbles8(p3 + at)), xa, a3);
                    c += 8;
                }
                float g0 = Scale(s0 + 4 * g), g1 = Scale(s1 + 4 * g), g2 = Scale(s2 + 4 * g), g3 = Scale(s3 + 4 * g);
                // The lanes hold 16·q: scale by scale/16 (a power-of-two factor, exact).
                v0 = Fma.MultiplyAdd(a0 + b0, Vector256.Create(g0 * 0.0625f), v0);
                v1 = Fma.MultiplyAdd(a1 + b1, Vector256.Create(g1 * 0.0625f), v1);
                v2 = Fma.MultiplyAdd(a2 + b2, Vector256.Create(g2 * 0.0625f), v2);
                v3 = Fma.MultiplyAdd(a3 + b3, Vector256.Create(g3 * 0.0625f), v3);
                if (c < end)
                {
                    float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
                    for (; c < end; c++)
                    {
                        float xc = x[c];
                        t0 += Nibble(p0, c) * xc; t1 += Nibble(p1, c) * xc; t2 += Nibble(p2, c) * xc; t3 += Nibble(p3, c) * xc;
                    }
                    f0 += t0 * g0; f1 += t1 * g1; f2 += t2 * g2; f3 += t3 * g3;
                }
            }
            y[r] = Vector256.Sum(v0) + f0;
            y[r + 1] = Vector256.Sum(v1) + f1;
            y[r + 2] = Vector256.Sum(v2) + f2;
            y[r + 3] = Vector256.Sum(v3) + f3;
        }
        for (; r < rows; r++) y[r] = Q4RowAvx2(w + (long)r * rowBytes, groupSize, groups, cols, x);
    }

    private static float Q4RowAvx2(byte* row, int groupSize, int groups, int cols, float* x)
    {
        byte* p = row + 4 * groups;
        Vector256<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector256<float> a = default, b = default;
            int c = start;
            for (; c + 16 <= end; c += 16)
            {
                Vector128<sbyte> n = Nibbles16(p + (c >> 1));
                a = Fma.MultiplyAdd(WidenLow(n), Avx.LoadVector256(x + c), a);
                b = Fma.MultiplyAdd(WidenHigh(n), Avx.LoadVector256(x + c + 8), b);
            }
            if (c + 8 <= end)
            {
                a = Fma.MultiplyAdd(WidenLow(Nibbles8(p + (c >> 1))), Avx.LoadVector256(x + c), a);
                c += 8;
            }
            float sg = Scale(row + 4 * g);
            v = Fma.MultiplyAdd(a + b, Vector256.Create(sg * 0.0625f), v);
            if (c < end)
            {
                float t = 0f;
                for (; c < end; c++) t += Nibble(p, c) * x[c];
                f += t * sg;
            }
        }
        return Vector256.Sum(v) + f;
    }

    /// <summary>Bytes 0..7 as 8 floats.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WidenLow(Vector128<sbyte> v) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(v));

    /// <summary>Bytes 8..15 as 8 floats.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WidenHigh(Vector128<sbyte> v) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(v, 8)));

    private static void Q4V128(byte* w, int rowBytes, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            byte* s0 = w + (long)r * rowBytes, s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
            byte* p0 = s0 + 4 * groups, p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
            Vector128<float> v0 = default, v1 = default, v2 = default, v3 = default;
            float f0 = 0f, f1 = 0f, f2 = 0f, f3 = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector128<float> b0 = default, b1 = default, b2 = default, b3 = default;
                int c = start;
                for (; c + 16 <= end; c += 16)
                {
                    Vector128<float> x0 = Vector128.Load(x + c), x1 = Vector128.Load(x + c + 4);
                    Vector128<float> x2 = Vector128.Load(x + c + 8), x3 = Vector128.Load(x + c + 12);
                    int at = c >> 1;
                    Nibble16Fma(Nibbles16(p0 + at), x0, x1, x2, x3, ref a0, ref b0);
                    Nibble16Fma(Nibbles16(p1 + at), x0, x1, x2, x3, ref a1, ref b1);
                    Nibble16Fma(Nibbles16(p2 + at), x0, x1, x2, x3, ref a2, ref b2);
                    Nibble16Fma(Nibbles16(p3 + at), x0, x1, x2, x3, ref a3, ref b3);
                }
                if (c + 8 <= end)
                {
                    Vector128<float> x0 = Vector128.Load(x + c), x1 = Vector128.Load(x + c + 4);
                    int at = c >> 1;
                    Nibble8Fma(Nibbles8(p0 + at), x0, x1, ref a0, ref b0);
                    Nibble8Fma(Nibbles8(p1 + at), x0, x1, ref a1, ref b1);
                    Nibble8Fma(Nibbles8(p2 + at), x0, x1, ref a2, ref b2);
                    Nibble8Fma(Nibbles8(p3 + at), x0, x1, ref a3, ref b3);
                    c += 8;
                }
                float g0 = Scale(s0 + 4 * g), g1 = Scale(s1 + 4 * g), g2 = Scale(s2 + 4 * g), g3 = Scale(s3 + 4 * g);
                v0 = Vector128.MultiplyAddEstimate(a0 + b0, Vector128.Create(g0 * 0.0625f), v0);
                v1 = Vector128.MultiplyAddEstimate(a1 + b1, Vector128.Create(g1 * 0.0625f), v1);
                v2 = Vector128.MultiplyAddEstimate(a2 + b2, Vector128.Create(g2 * 0.0625f), v2);
                v3 = Vector128.MultiplyAddEstimate(a3 + b3, Vector128.Create(g3 * 0.0625f), v3);
                if (c < end)
                {
                    float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
                    for (; c < end; c++)
                    {
                        float xc = x[c];
                        t0 += Nibble(p0, c) * xc; t1 += Nibble(p1, c) * xc; t2 += Nibble(p2, c) * xc; t3 += Nibble(p3, c) * xc;
                    }
                    f0 += t0 * g0; f1 += t1 * g1; f2 += t2 * g2; f3 += t3 * g3;
                }
            }
            y[r] = Vector128.Sum(v0) + f0;
            y[r + 1] = Vector128.Sum(v1) + f1;
            y[r + 2] = Vector128.Sum(v2) + f2;
            y[r + 3] = Vector128.Sum(v3) + f3;
        }
        for (; r < rows; r++) y[r] = Q4RowV128(w + (long)r * rowBytes, groupSize, groups, cols, x);
    }

    private static float Q4RowV128(byte* row, int groupSize, int groups, int cols, float* x)
    {
        byte* p = row + 4 * groups;
        Vector128<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector128<float> a = default, b = default;
            int c = start;
            for (; c + 16 <= end; c += 16)
                Nibble16Fma(Nibbles16(p + (c >> 1)), Vector128.Load(x + c), Vector128.Load(x + c + 4),
                    Vector128.Load(x + c + 8), Vector128.Load(x + c + 12), ref a, ref b);
            if (c + 8 <= end)
            {
                Nibble8Fma(Nibbles8(p + (c >> 1)), Vector128.Load(x + c), Vector128.Load(x + c + 4), ref a, ref b);
                c += 8;
            }
            float sg = Scale(row + 4 * g);
            v = Vector128.MultiplyAddEstimate(a + b, Vector128.Create(sg * 0.0625f), v);
            if (c < end)
            {
                float t = 0f;
                for (; c < end; c++) t += Nibble(p, c) * x[c];
                f += t * sg;
            }
        }
        return Vector128.Sum(v) + f;
    }

    /// <summary>a += n[0..4)·x0 + n[8..12)·x2, b += n[4..8)·x1 + n[12..16)·x3 (n widened to float).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Nibble16Fma(Vector128<sbyte> n, Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3,
        ref Vector128<float> a, ref Vector128<float> b)
    {
        Vector128<short> lo = Vector128.WidenLower(n), hi = Vector128.WidenUpper(n);
        a = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenLower(lo)), x0, a);
        b = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenUpper(lo)), x1, b);
        a = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenLower(hi)), x2, a);
        b = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenUpper(hi)), x3, b);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Nibble8Fma(Vector128<sbyte> n, Vector128<float> x0, Vector128<float> x1, ref Vector128<float> a, ref Vector128<float> b)
    {
        Vector128<short> lo = Vector128.WidenLower(n);
        a = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenLower(lo)), x0, a);
        b = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(Vector128.WidenUpper(lo)), x1, b);
    }

    // ---- one unpacked row (floats) · x, group by group ----

    private static float GroupDotAvx2(float* q, float* x, byte* scales, int groupSize, int groups, int cols)
    {
        Vector256<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector256<float> a = default, b = default;
            int c = start;
            for (; c + 16 <= end; c += 16)
            {
                a = Fma.MultiplyAdd(Avx.LoadVector256(q + c), Avx.LoadVector256(x + c), a);
                b = Fma.MultiplyAdd(Avx.LoadVector256(q + c + 8), Avx.LoadVector256(x + c + 8), b);
            }
            if (c + 8 <= end)
            {
                a = Fma.MultiplyAdd(Avx.LoadVector256(q + c), Avx.LoadVector256(x + c), a);
                c += 8;
            }
            float sg = Scale(scales + 4 * g);
            v = Fma.MultiplyAdd(a + b, Vector256.Create(sg), v);
            if (c < end)
            {
                float t = 0f;
                for (; c < end; c++) t += q[c] * x[c];
                f += t * sg;
            }
        }
        return Vector256.Sum(v) + f;
    }

    private static float GroupDotV128(float* q, float* x, byte* scales, int groupSize, int groups, int cols)
    {
        Vector128<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector128<float> a = default, b = default;
            int c = start;
            for (; c + 8 <= end; c += 8)
            {
                a = Vector128.MultiplyAddEstimate(Vector128.Load(q + c), Vector128.Load(x + c), a);
                b = Vector128.MultiplyAddEstimate(Vector128.Load(q + c + 4), Vector128.Load(x + c + 4), b);
            }
            float sg = Scale(scales + 4 * g);
            v = Vector128.MultiplyAddEstimate(a + b, Vector128.Create(sg), v);
            if (c < end)
            {
                float t = 0f;
                for (; c < end; c++) t += q[c] * x[c];
                f += t * sg;
            }
        }
        return Vector128.Sum(v) + f;
    }

    /// <summary>The portable kernel's loop (same order, same result), on pointers.</summary>
    private static void QScalar(byte* w, int rowBytes, int bits, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            byte* row = w + (long)r * rowBytes;
            byte* p = row + 4 * groups;
            float sum = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                float part = 0f;
                if (bits == 4) for (int c = start; c < end; c++) part += Nibble(p, c) * x[c];
                else for (int c = start; c < end; c++) part += ReadPacked(p, c, bits) * x[c];
                sum += part * Scale(row + 4 * g);
            }
            y[r] = sum;
        }
    }

    // ---- sparse rows ----

    public void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int kept, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        CheckShape(rows, cols);
        CheckCodec(bits, groupSize);
        if (kept < 0 || kept > cols) throw new ArgumentOutOfRangeException(nameof(kept), $"{kept} kept values in a row of {cols}");
        int groups = (int)(((long)cols + groupSize - 1) / groupSize);
        int bitmapBytes = (int)(((long)cols + 7) / 8);
        long rowBytes = 4L * groups + bitmapBytes + ((long)kept * bits + 7) / 8;
        CheckSpan(w.Length, wOff, rows * rowBytes, nameof(w));
        CheckSpan(x.Length, xOff, cols, nameof(x));
        CheckSpan(y.Length, yOff, rows, nameof(y));
        if (rows == 0) return;
        // Vector path: groups of whole bitmap bytes (so a group's kept values are counted per byte).
        bool vector = Level != SimdLevel.Scalar && groupSize % 8 == 0;
        if (vector) EnsureScratch(cols, groups);
        fixed (byte* wp = w)
        fixed (float* xp = x, yp = y, qf = _rowScratch, xs = _xScratch)
        fixed (int* ends = _groupEnds, table = s_compact)
        {
            byte* wr = wp + wOff, end = wp + w.Length;
            float* xr = xp + xOff, yr = yp + yOff;
            int rb = (int)rowBytes;
            if (!vector)
            {
                SparseScalar(wr, rb, bits, kept, groupSize, groups, bitmapBytes, cols, xr, yr, rows);
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                byte* row = wr + (long)r * rb;
                byte* bitmap = row + 4 * groups;
                UnpackToFloat(bitmap + bitmapBytes, bits, kept, qf, end);
                if (Level == SimdLevel.Avx2)
                {
                    CompactAvx2(bitmap, xr, cols, groupSize, xs, ends, table);
                    yr[r] = SparseDotAvx2(qf, xs, ends, row, groups);
                }
                else
                {
                    CompactScalar(bitmap, xr, cols, groupSize, xs, ends);
                    yr[r] = SparseDotV128(qf, xs, ends, row, groups);
                }
            }
        }
    }

    /// <summary>
    /// xs[0..k) = x at the columns whose bitmap bit is set, in order; ends[g] = k after group g (groupSize a multiple of
    /// 8). One vpermps per bitmap byte; the store of 8 floats at xs + k stays within cols + 8.
    /// </summary>
    private static void CompactAvx2(byte* bitmap, float* x, int cols, int groupSize, float* xs, int* ends, int* table)
    {
        int k = 0, g = 0, groupEnd = groupSize;
        int full = cols >> 3;
        for (int j = 0; j < full; j++)
        {
            int m = bitmap[j];
            Avx.Store(xs + k, Avx2.PermuteVar8x32(Avx.LoadVector256(x + 8 * j), Avx.LoadVector256(table + 8 * m)));
            k += BitOperations.PopCount((uint)m);
            if (8 * (j + 1) == groupEnd)
            {
                ends[g++] = k;
                groupEnd += groupSize;
            }
        }
        k = CompactTail(bitmap, x, cols, xs, k);
        if (g < (cols + groupSize - 1) / groupSize) ends[g] = k;
    }

    /// <summary>The last cols mod 8 columns (bits past cols are ignored, as the portable kernel never reads them).</summary>
    private static int CompactTail(byte* bitmap, float* x, int cols, float* xs, int k)
    {
        int full = cols >> 3, rem = cols & 7;
        if (rem == 0) return k;
        int m = bitmap[full];
        float* x8 = x + 8 * full;
        for (int t = 0; t < rem; t++)
        {
            xs[k] = x8[t];
            k += (m >> t) & 1;
        }
        return k;
    }

    /// <summary><see cref="CompactAvx2"/> without a permute: branchless, 8 columns per bitmap byte.</summary>
    private static void CompactScalar(byte* bitmap, float* x, int cols, int groupSize, float* xs, int* ends)
    {
        int k = 0, g = 0, groupEnd = groupSize;
        int full = cols >> 3;
        for (int j = 0; j < full; j++)
        {
            int m = bitmap[j];
            float* x8 = x + 8 * j;
            xs[k] = x8[0]; k += m & 1;
            xs[k] = x8[1]; k += (m >> 1) & 1;
            xs[k] = x8[2]; k += (m >> 2) & 1;
            xs[k] = x8[3]; k += (m >> 3) & 1;
            xs[k] = x8[4]; k += (m >> 4) & 1;
            xs[k] = x8[5]; k += (m >> 5) & 1;
            xs[k] = x8[6]; k += (m >> 6) & 1;
            xs[k] = x8[7]; k += m >> 7;
            if (8 * (j + 1) == groupEnd)
            {
                ends[g++] = k;
                groupEnd += groupSize;
            }
        }
        k = CompactTail(bitmap, x, cols, xs, k);
        if (g < (cols + groupSize - 1) / groupSize) ends[g] = k;
    }

    /// <summary>
    /// Σ_g scale_g · Σ_{k in group g} q[k]·xs[k]. A group's last &lt; 8 values are a masked vector: lanes past the group
    /// read the next group's x (or scratch slack) and are zeroed before the multiply; q is always a finite integer.
    /// </summary>
    private static float SparseDotAvx2(float* q, float* xs, int* ends, byte* scales, int groups)
    {
        Vector256<float> v = default;
        Vector256<int> lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        int k = 0;
        for (int g = 0; g < groups; g++)
        {
            int end = ends[g];
            Vector256<float> a = default, b = default;
            for (; k + 16 <= end; k += 16)
            {
                a = Fma.MultiplyAdd(Avx.LoadVector256(q + k), Avx.LoadVector256(xs + k), a);
                b = Fma.MultiplyAdd(Avx.LoadVector256(q + k + 8), Avx.LoadVector256(xs + k + 8), b);
            }
            if (k + 8 <= end)
            {
                a = Fma.MultiplyAdd(Avx.LoadVector256(q + k), Avx.LoadVector256(xs + k), a);
                k += 8;
            }
            if (k < end)
            {
                Vector256<float> mask = Vector256.LessThan(lane, Vector256.Create(end - k)).AsSingle();
                b = Fma.MultiplyAdd(Avx.LoadVector256(q + k), Avx.And(Avx.LoadVector256(xs + k), mask), b);
                k = end;
            }
            v = Fma.MultiplyAdd(a + b, Vector256.Create(Scale(scales + 4 * g)), v);
        }
        return Vector256.Sum(v);
    }

    private static float SparseDotV128(float* q, float* xs, int* ends, byte* scales, int groups)
    {
        Vector128<float> v = default;
        Vector128<int> lane = Vector128.Create(0, 1, 2, 3);
        int k = 0;
        for (int g = 0; g < groups; g++)
        {
            int end = ends[g];
            Vector128<float> a = default, b = default;
            for (; k + 8 <= end; k += 8)
            {
                a = Vector128.MultiplyAddEstimate(Vector128.Load(q + k), Vector128.Load(xs + k), a);
                b = Vector128.MultiplyAddEstimate(Vector128.Load(q + k + 4), Vector128.Load(xs + k + 4), b);
            }
            for (; k < end; k += 4)
            {
                Vector128<float> mask = Vector128.LessThan(lane, Vector128.Create(end - k)).AsSingle();
                a = Vector128.MultiplyAddEstimate(Vector128.Load(q + k), Vector128.Load(xs + k) & mask, a);
            }
            k = end;
            v = Vector128.MultiplyAddEstimate(a + b, Vector128.Create(Scale(scales + 4 * g)), v);
        }
        return Vector128.Sum(v);
    }

    /// <summary>The portable kernel's loop (same order, same result), on pointers.</summary>
    private static void SparseScalar(byte* w, int rowBytes, int bits, int kept, int groupSize, int groups, int bitmapBytes, int cols, float* x, float* y, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            byte* row = w + (long)r * rowBytes;
            byte* bitmap = row + 4 * groups;
            byte* packed = bitmap + bitmapBytes;
            int k = 0;
            float sum = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                float part = 0f;
                for (int c = start; c < end; c++)
                {
                    if ((bitmap[c >> 3] & (1 << (c & 7))) == 0) continue;
                    // k < kept always holds for a well-formed row; the check keeps a corrupt bitmap inside the array.
                    int q = k >= kept ? 0 : bits == 8 ? ((sbyte*)packed)[k] : ReadPacked(packed, k, bits);
                    k++;
                    part += q * x[c];
                }
                sum += part * Scale(row + 4 * g);
            }
            y[r] = sum;
        }
    }
}
