using System.Runtime.Intrinsics;

namespace EdgeTiny.Runtime.Simd;

// Tuning's kernels. The transposed products are the portable reference loops for now (exact, no allocation). The outer
// product and the Adam update are vectorised without fused multiply-adds: every lane does the portable loop's operations
// in its order (multiply, add, divide and square root are correctly rounded), so results equal PortableKernels' bit
// for bit, and adapters tuned here are the bytes a board tunes.
public sealed unsafe partial class SimdKernels
{
    public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) =>
        _portable.MatTVecF32(w, wOff, dy, dyOff, dx, dxOff, rows, cols);

    public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize) =>
        _portable.MatTVecQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, groupSize);

    public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize) =>
        _portable.MatTVecSparseQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, kept, groupSize);

    public void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(a);
        CheckShape(rows, cols);
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(stride), "stride must not be negative");
        CheckSpan(x.Length, xOff, rows, nameof(x));
        CheckSpan(y.Length, yOff, cols, nameof(y));
        CheckSpan(a.Length, aOff, rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * stride + cols, nameof(a));
        fixed (float* xp0 = x, yp0 = y, ap0 = a)
        {
            float* xp = xp0 + xOff, yp = yp0 + yOff;
            for (int r = 0; r < rows; r++)
            {
                float g = alpha * xp[r];
                float* row = ap0 + aOff + (long)r * stride;
                int c = 0;
                if (Level == SimdLevel.Avx2)
                {
                    Vector256<float> vg = Vector256.Create(g);
                    for (; c + 8 <= cols; c += 8) Vector256.Store(Vector256.Load(row + c) + vg * Vector256.Load(yp + c), row + c);
                }
                else if (Level == SimdLevel.Vector128)
                {
                    Vector128<float> vg = Vector128.Create(g);
                    for (; c + 4 <= cols; c += 4) Vector128.Store(Vector128.Load(row + c) + vg * Vector128.Load(yp + c), row + c);
                }
                for (; c < cols; c++) row[c] += g * yp[c];
            }
        }
    }

    public void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate, float beta1, float beta2,
        float c1, float c2, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(p);
        CheckSpan(g.Length, 0, n, nameof(g));
        CheckSpan(m.Length, 0, n, nameof(m));
        CheckSpan(v.Length, 0, n, nameof(v));
        CheckSpan(p.Length, 0, n, nameof(p));
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        fixed (float* gp = g, mp = m, vp = v, pp = p)
        {
            int j = 0;
            if (Level == SimdLevel.Avx2)
            {
                Vector256<float> s = Vector256.Create(gradScale), lr = Vector256.Create(learningRate), b1 = Vector256.Create(beta1),
                    b2 = Vector256.Create(beta2), k1 = Vector256.Create(oneMinusBeta1), k2 = Vector256.Create(oneMinusBeta2),
                    d1 = Vector256.Create(c1), d2 = Vector256.Create(c2), eps = Vector256.Create(epsilon);
                for (; j + 8 <= n; j += 8)
                {
                    Vector256<float> gj = Vector256.Load(gp + j) * s;
                    Vector256<float> mj = b1 * Vector256.Load(mp + j) + k1 * gj;
                    Vector256<float> vj = b2 * Vector256.Load(vp + j) + k2 * gj * gj;
                    Vector256.Store(mj, mp + j);
                    Vector256.Store(vj, vp + j);
                    Vector256.Store(Vector256.Load(pp + j) - lr * (mj / d1) / (Vector256.Sqrt(vj / d2) + eps), pp + j);
                }
            }
            else if (Level == SimdLevel.Vector128)
            {
                Vector128<float> s = Vector128.Create(gradScale), lr = Vector128.Create(learningRate), b1 = Vector128.Create(beta1),
                    b2 = Vector128.Create(beta2), k1 = Vector128.Create(oneMinusBeta1), k2 = Vector128.Create(oneMinusBeta2),
                    d1 = Vector128.Create(c1), d2 = Vector128.Create(c2), eps = Vector128.Create(epsilon);
                for (; j + 4 <= n; j += 4)
                {
                    Vector128<float> gj = Vector128.Load(gp + j) * s;
                    Vector128<float> mj = b1 * Vector128.Load(mp + j) + k1 * gj;
                    Vector128<float> vj = b2 * Vector128.Load(vp + j) + k2 * gj * gj;
                    Vector128.Store(mj, mp + j);
                    Vector128.Store(vj, vp + j);
                    Vector128.Store(Vector128.Load(pp + j) - lr * (mj / d1) / (Vector128.Sqrt(vj / d2) + eps), pp + j);
                }
            }
            for (; j < n; j++)
            {
                float gj = gp[j] * gradScale;
                mp[j] = beta1 * mp[j] + oneMinusBeta1 * gj;
                vp[j] = beta2 * vp[j] + oneMinusBeta2 * gj * gj;
                pp[j] -= learningRate * (mp[j] / c1) / ((float)Math.Sqrt(vp[j] / c2) + epsilon);
            }
        }
    }
}
