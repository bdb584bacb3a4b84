using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Float32 matrix × vector: four rows at a time so each load of x feeds four FMAs, two partial sums per row so the
// FMA latency is hidden, a scalar tail for cols not a multiple of the vector width.
public sealed unsafe partial class SimdKernels
{
    public void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        CheckShape(rows, cols);
        CheckSpan(w.Length, wOff, (long)rows * cols, nameof(w));
        CheckSpan(x.Length, xOff, cols, nameof(x));
        CheckSpan(y.Length, yOff, rows, nameof(y));
        if (_workers is not null && rows >= 2 * RowWorkers.RowAlign && (long)rows * cols >= _parallelThreshold)
            _workers.RunF32(w, wOff, cols, x, xOff, y, yOff, rows);
        else
            MatVecF32Rows(w, wOff, cols, x, xOff, y, yOff, 0, rows);
    }

    /// <summary>Rows [r0, r1) of <see cref="MatVecF32"/> (arguments already checked). Also run by worker threads.</summary>
    internal void MatVecF32Rows(float[] w, int wOff, int cols, float[] x, int xOff, float[] y, int yOff, int r0, int r1)
    {
        fixed (float* wp = w, xp = x, yp = y)
        {
            float* wr = wp + wOff + (long)r0 * cols;
            float* xr = xp + xOff;
            float* yr = yp + yOff + r0;
            int n = r1 - r0;
            switch (Level)
            {
                case SimdLevel.Avx2: F32Avx2(wr, cols, xr, yr, n); break;
                case SimdLevel.Vector128: F32V128(wr, cols, xr, yr, n); break;
                default: F32Scalar(wr, cols, xr, yr, n); break;
            }
        }
    }

    private static void F32Avx2(float* w, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            float* w0 = w + (long)r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int c = 0;
            for (; c + 16 <= cols; c += 16)
            {
                Vector256<float> xa = Avx.LoadVector256(x + c), xb = Avx.LoadVector256(x + c + 8);
                a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c), xa, a0);
                a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c), xa, a1);
                a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c), xa, a2);
                a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c), xa, a3);
                b0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c + 8), xb, b0);
                b1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c + 8), xb, b1);
                b2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c + 8), xb, b2);
                b3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c + 8), xb, b3);
            }
            if (c + 8 <= cols)
            {
                Vector256<float> xa = Avx.LoadVector256(x + c);
                a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c), xa, a0);
                a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c), xa, a1);
                a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c), xa, a2);
                a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c), xa, a3);
                c += 8;
            }
            float s0 = Vector256.Sum(a0 + b0), s1 = Vector256.Sum(a1 + b1), s2 = Vector256.Sum(a2 + b2), s3 = Vector256.Sum(a3 + b3);
            for (; c < cols; c++)
            {
                float xc = x[c];
                s0 += w0[c] * xc; s1 += w1[c] * xc; s2 += w2[c] * xc; s3 += w3[c] * xc;
            }
            y[r] = s0; y[r + 1] = s1; y[r + 2] = s2; y[r + 3] = s3;
        }
        for (; r < rows; r++) y[r] = DotAvx2(w + (long)r * cols, x, cols);
    }

    private static void F32V128(float* w, int cols, float* x, float* y, int rows)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            float* w0 = w + (long)r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector128<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int c = 0;
            for (; c + 8 <= cols; c += 8)
            {
                Vector128<float> xa = Vector128.Load(x + c), xb = Vector128.Load(x + c + 4);
                a0 = Vector128.MultiplyAddEstimate(Vector128.Load(w0 + c), xa, a0);
                a1 = Vector128.MultiplyAddEstimate(Vector128.Load(w1 + c), xa, a1);
                a2 = Vector128.MultiplyAddEstimate(Vector128.Load(w2 + c), xa, a2);
                a3 = Vector128.MultiplyAddEstimate(Vector128.Load(w3 + c), xa, a3);
                b0 = Vector128.MultiplyAddEstimate(Vector128.Load(w0 + c + 4), xb, b0);
                b1 = Vector128.MultiplyAddEstimate(Vector128.Load(w1 + c + 4), xb, b1);
                b2 = Vector128.MultiplyAddEstimate(Vector128.Load(w2 + c + 4), xb, b2);
                b3 = Vector128.MultiplyAddEstimate(Vector128.Load(w3 + c + 4), xb, b3);
            }
            float s0 = Vector128.Sum(a0 + b0), s1 = Vector128.Sum(a1 + b1), s2 = Vector128.Sum(a2 + b2), s3 = Vector128.Sum(a3 + b3);
            for (; c < cols; c++)
            {
                float xc = x[c];
                s0 += w0[c] * xc; s1 += w1[c] * xc; s2 += w2[c] * xc; s3 += w3[c] * xc;
            }
            y[r] = s0; y[r + 1] = s1; y[r + 2] = s2; y[r + 3] = s3;
        }
        for (; r < rows; r++) y[r] = DotV128(w + (long)r * cols, x, cols);
    }

    private static void F32Scalar(float* w, int cols, float* x, float* y, int rows)
    {
        for (int r = 0; r < rows; r++) y[r] = DotScalar(w + (long)r * cols, x, cols);
    }
}
