using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Group-symmetric int8 matrix × float vector over rows as stored in the file (Codec.Q8: each row is its group scales,
// little-endian float32, then its int8 values). Int8 weights are widened to float exactly (sbyte → int32 → float, one
// vpmovsxbd + vcvtdq2ps per 8 weights on AVX2; sxtl/sxtl/scvtf on ARM64) and multiplied into per-group vector partial
// sums; at the end of a group the partial sums are scaled by the group's scale into a per-row vector total (no
// horizontal add per group). Four rows share each load of x. Numerically this is the portable kernel's sum in another
// order: no activation quantization.
public sealed unsafe partial class SimdKernels
{
    /// <summary>Groups smaller than this run the scalar loop (a vector would straddle groups).</summary>
    private const int MinVectorGroup = 8;

    public void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        CheckShape(rows, cols);
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize), "the group size must be at least 1");
        long rowBytes = cols + 4 * (((long)cols + groupSize - 1) / groupSize);
        CheckSpan(w.Length, wOff, rows * rowBytes, nameof(w));
        CheckSpan(x.Length, xOff, cols, nameof(x));
        CheckSpan(y.Length, yOff, rows, nameof(y));
        if (_workers is not null && rows >= 2 * RowWorkers.RowAlign && (long)rows * cols >= _parallelThreshold)
            _workers.RunQ8(w, wOff, groupSize, cols, x, xOff, y, yOff, rows);
        else
            MatVecQ8Rows(w, wOff, groupSize, cols, x, xOff, y, yOff, 0, rows);
    }

    /// <summary>Rows [r0, r1) of <see cref="MatVecQ8"/> (arguments already checked). Also run by worker threads.</summary>
    internal void MatVecQ8Rows(byte[] w, int wOff, int groupSize, int cols, float[] x, int xOff, float[] y, int yOff, int r0, int r1)
    {
        int groups = (cols + groupSize - 1) / groupSize;
        int rowBytes = cols + 4 * groups;
        fixed (byte* wp = w)
        fixed (float* xp = x, yp = y)
        {
            byte* wr = wp + wOff + (long)r0 * rowBytes;
            float* xr = xp + xOff;
            float* yr = yp + yOff + r0;
            int n = r1 - r0;
            SimdLevel level = groupSize < MinVectorGroup ? SimdLevel.Scalar : Level;
            switch (level)
            {
                case SimdLevel.Avx2: Q8Avx2(wr, rowBytes, groupSize, groups, cols, xr, yr, n); break;
                case SimdLevel.Vector128: Q8V128(wr, rowBytes, groupSize, groups, cols, xr, yr, n); break;
                default: Q8Scalar(wr, rowBytes, groupSize, groups, cols, xr, yr, n); break;
            }
        }
    }

    /// <summary>A little-endian float32 scale at any byte address (a plain unaligned load on x64 and ARM64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Scale(byte* p) => BitConverter.IsLittleEndian
        ? Unsafe.ReadUnaligned<float>(p)
        : BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<int>(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8Avx2(sbyte* p) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p));

    private static void Q8Avx2(byte* w, int rowBytes, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            byte* s0 = w + (long)r * rowBytes, s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
            sbyte* q0 = (sbyte*)(s0 + 4 * groups), q1 = q0 + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
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
                    a0 = Fma.MultiplyAdd(Widen8Avx2(q0 + c), xa, a0);
                    a1 = Fma.MultiplyAdd(Widen8Avx2(q1 + c), xa, a1);
                    a2 = Fma.MultiplyAdd(Widen8Avx2(q2 + c), xa, a2);
                    a3 = Fma.MultiplyAdd(Widen8Avx2(q3 + c), xa, a3);
                    b0 = Fma.MultiplyAdd(Widen8Avx2(q0 + c + 8), xb, b0);
                    b1 = Fma.MultiplyAdd(Widen8Avx2(q1 + c + 8), xb, b1);
                    b2 = Fma.MultiplyAdd(Widen8Avx2(q2 + c + 8), xb, b2);
                    b3 = Fma.MultiplyAdd(Widen8Avx2(q3 + c + 8), xb, b3);
                }
                if (c + 8 <= end)
                {
                    Vector256<float> xa = Avx.LoadVector256(x + c);
                    a0 = Fma.MultiplyAdd(Widen8Avx2(q0 + c), xa, a0);
                    a1 = Fma.MultiplyAdd(Widen8Avx2(q1 + c), xa, a1);
                    a2 = Fma.MultiplyAdd(Widen8Avx2(q2 + c), xa, a2);
                    a3 = Fma.MultiplyAdd(Widen8Avx2(q3 + c), xa, a3);
                    c += 8;
                }
                float g0 = Scale(s0 + 4 * g), g1 = Scale(s1 + 4 * g), g2 = Scale(s2 + 4 * g), g3 = Scale(s3 + 4 * g);
                v0 = Fma.MultiplyAdd(a0 + b0, Vector256.Create(g0), v0);
                v1 = Fma.MultiplyAdd(a1 + b1, Vector256.Create(g1), v1);
                v2 = Fma.MultiplyAdd(a2 + b2, Vector256.Create(g2), v2);
                v3 = Fma.MultiplyAdd(a3 + b3, Vector256.Create(g3), v3);
                if (c < end)
                {
                    float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
                    for (; c < end; c++)
                    {
                        float xc = x[c];
                        t0 += q0[c] * xc; t1 += q1[c] * xc; t2 += q2[c] * xc; t3 += q3[c] * xc;
                    }
                    f0 += t0 * g0; f1 += t1 * g1; f2 += t2 * g2; f3 += t3 * g3;
                }
            }
            y[r] = Vector256.Sum(v0) + f0;
            y[r + 1] = Vector256.Sum(v1) + f1;
            y[r + 2] = Vector256.Sum(v2) + f2;
            y[r + 3] = Vector256.Sum(v3) + f3;
        }
        for (; r < rows; r++) y[r] = Q8RowAvx2(w + (long)r * rowBytes, groupSize, groups, cols, x);
    }

    private static float Q8RowAvx2(byte* row, int groupSize, int groups, int cols, float* x)
    {
        sbyte* q = (sbyte*)(row + 4 * groups);
        Vector256<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector256<float> a = default, b = default;
            int c = start;
            for (; c + 16 <= end; c += 16)
            {
                a = Fma.MultiplyAdd(Widen8Avx2(q + c), Avx.LoadVector256(x + c), a);
                b = Fma.MultiplyAdd(Widen8Avx2(q + c + 8), Avx.LoadVector256(x + c + 8), b);
            }
            if (c + 8 <= end)
            {
                a = Fma.MultiplyAdd(Widen8Avx2(q + c), Avx.LoadVector256(x + c), a);
                c += 8;
            }
            float sg = Scale(row + 4 * g);
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

    /// <summary>8 int8 weights as two float vectors (sxtl, sxtl/sxtl2, scvtf on ARM64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen8V128(sbyte* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<short> w = Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(p)).AsSByte());
        lo = Vector128.ConvertToSingle(Vector128.WidenLower(w));
        hi = Vector128.ConvertToSingle(Vector128.WidenUpper(w));
    }

    private static void Q8V128(byte* w, int rowBytes, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            byte* s0 = w + (long)r * rowBytes, s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
            sbyte* q0 = (sbyte*)(s0 + 4 * groups), q1 = q0 + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
            Vector128<float> v0 = default, v1 = default, v2 = default, v3 = default;
            float f0 = 0f, f1 = 0f, f2 = 0f, f3 = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector128<float> b0 = default, b1 = default, b2 = default, b3 = default;
                int c = start;
                for (; c + 8 <= end; c += 8)
                {
                    Vector128<float> xa = Vector128.Load(x + c), xb = Vector128.Load(x + c + 4);
                    Widen8V128(q0 + c, out Vector128<float> lo, out Vector128<float> hi);
                    a0 = Vector128.MultiplyAddEstimate(lo, xa, a0); b0 = Vector128.MultiplyAddEstimate(hi, xb, b0);
                    Widen8V128(q1 + c, out lo, out hi);
                    a1 = Vector128.MultiplyAddEstimate(lo, xa, a1); b1 = Vector128.MultiplyAddEstimate(hi, xb, b1);
                    Widen8V128(q2 + c, out lo, out hi);
                    a2 = Vector128.MultiplyAddEstimate(lo, xa, a2); b2 = Vector128.MultiplyAddEstimate(hi, xb, b2);
                    Widen8V128(q3 + c, out lo, out hi);
                    a3 = Vector128.MultiplyAddEstimate(lo, xa, a3); b3 = Vector128.MultiplyAddEstimate(hi, xb, b3);
                }
                float g0 = Scale(s0 + 4 * g), g1 = Scale(s1 + 4 * g), g2 = Scale(s2 + 4 * g), g3 = Scale(s3 + 4 * g);
                v0 = Vector128.MultiplyAddEstimate(a0 + b0, Vector128.Create(g0), v0);
                v1 = Vector128.MultiplyAddEstimate(a1 + b1, Vector128.Create(g1), v1);
                v2 = Vector128.MultiplyAddEstimate(a2 + b2, Vector128.Create(g2), v2);
                v3 = Vector128.MultiplyAddEstimate(a3 + b3, Vector128.Create(g3), v3);
                if (c < end)
                {
                    float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
                    for (; c < end; c++)
                    {
                        float xc = x[c];
                        t0 += q0[c] * xc; t1 += q1[c] * xc; t2 += q2[c] * xc; t3 += q3[c] * xc;
                    }
                    f0 += t0 * g0; f1 += t1 * g1; f2 += t2 * g2; f3 += t3 * g3;
                }
            }
            y[r] = Vector128.Sum(v0) + f0;
            y[r + 1] = Vector128.Sum(v1) + f1;
            y[r + 2] = Vector128.Sum(v2) + f2;
            y[r + 3] = Vector128.Sum(v3) + f3;
        }
        for (; r < rows; r++) y[r] = Q8RowV128(w + (long)r * rowBytes, groupSize, groups, cols, x);
    }

    private static float Q8RowV128(byte* row, int groupSize, int groups, int cols, float* x)
    {
        sbyte* q = (sbyte*)(row + 4 * groups);
        Vector128<float> v = default;
        float f = 0f;
        for (int g = 0, start = 0; g < groups; g++, start += groupSize)
        {
            int end = cols - start <= groupSize ? cols : start + groupSize;
            Vector128<float> a = default, b = default;
            int c = start;
            for (; c + 8 <= end; c += 8)
            {
                Widen8V128(q + c, out Vector128<float> lo, out Vector128<float> hi);
                a = Vector128.MultiplyAddEstimate(lo, Vector128.Load(x + c), a);
                b = Vector128.MultiplyAddEstimate(hi, Vector128.Load(x + c + 4), b);
            }
            float sg = Scale(row + 4 * g);
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
    private static void Q8Scalar(byte* w, int rowBytes, int groupSize, int groups, int cols, float* x, float* y, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            byte* row = w + (long)r * rowBytes;
            sbyte* q = (sbyte*)(row + 4 * groups);
            float sum = 0f;
            for (int g = 0, start = 0; g < groups; g++, start += groupSize)
            {
                int end = cols - start <= groupSize ? cols : start + groupSize;
                float part = 0f;
                for (int c = start; c < end; c++) part += q[c] * x[c];
                sum += part * Scale(row + 4 * g);
            }
            y[r] = sum;
        }
    }
}
