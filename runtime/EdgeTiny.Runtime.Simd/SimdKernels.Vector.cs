using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Dot and Axpy (attention scores and weighted sums of values, residual adds), and their int8 forms for an int8 KV
// cache (the int8 row is widened to float exactly; the caller applies the row's scale).
public sealed unsafe partial class SimdKernels
{
    public float Dot(float[] a, int aOff, float[] b, int bOff, int n)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckSpan(a.Length, aOff, n, nameof(a));
        CheckSpan(b.Length, bOff, n, nameof(b));
        fixed (float* ap = a, bp = b)
        {
            return Level switch
            {
                SimdLevel.Avx2 => DotAvx2(ap + aOff, bp + bOff, n),
                SimdLevel.Vector128 => DotV128(ap + aOff, bp + bOff, n),
                _ => DotScalar(ap + aOff, bp + bOff, n),
            };
        }
    }

    public void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        CheckSpan(x.Length, xOff, n, nameof(x));
        CheckSpan(y.Length, yOff, n, nameof(y));
        fixed (float* xp0 = x, yp0 = y)
        {
            float* xp = xp0 + xOff, yp = yp0 + yOff;
            int i = 0;
            if (Level == SimdLevel.Avx2)
            {
                Vector256<float> va = Vector256.Create(alpha);
                for (; i + 8 <= n; i += 8)
                    Avx.Store(yp + i, Fma.MultiplyAdd(va, Avx.LoadVector256(xp + i), Avx.LoadVector256(yp + i)));
            }
            else if (Level == SimdLevel.Vector128)
            {
                Vector128<float> va = Vector128.Create(alpha);
                for (; i + 4 <= n; i += 4)
                    Vector128.Store(Vector128.MultiplyAddEstimate(va, Vector128.Load(xp + i), Vector128.Load(yp + i)), yp + i);
            }
            for (; i < n; i++) yp[i] += alpha * xp[i];
        }
    }

    public float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(q);
        CheckSpan(a.Length, aOff, n, nameof(a));
        CheckSpan(q.Length, qOff, n, nameof(q));
        fixed (float* ap0 = a)
        fixed (byte* qp0 = q)
            return DotQ8Ptr(ap0 + aOff, (sbyte*)(qp0 + qOff), n);
    }

    public void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(y);
        CheckSpan(q.Length, qOff, n, nameof(q));
        CheckSpan(y.Length, yOff, n, nameof(y));
        fixed (byte* qp0 = q)
        fixed (float* yp0 = y)
        {
            sbyte* qp = (sbyte*)(qp0 + qOff);
            float* yp = yp0 + yOff;
            int i = 0;
            if (Level == SimdLevel.Avx2)
            {
                Vector256<float> va = Vector256.Create(alpha);
                for (; i + 8 <= n; i += 8)
                    Avx.Store(yp + i, Fma.MultiplyAdd(va, Widen8Avx2(qp + i), Avx.LoadVector256(yp + i)));
            }
            else if (Level == SimdLevel.Vector128)
            {
                Vector128<float> va = Vector128.Create(alpha);
                for (; i + 8 <= n; i += 8)
                {
                    Widen8V128(qp + i, out Vector128<float> lo, out Vector128<float> hi);
                    Vector128.Store(Vector128.MultiplyAddEstimate(va, lo, Vector128.Load(yp + i)), yp + i);
                    Vector128.Store(Vector128.MultiplyAddEstimate(va, hi, Vector128.Load(yp + i + 4)), yp + i + 4);
                }
            }
            for (; i < n; i++) yp[i] += alpha * qp[i];
        }
    }

    private static float DotAvx2(float* a, float* b, int n)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + i), Avx.LoadVector256(b + i), s0);
            s1 = Fma.MultiplyAdd(Avx.LoadVector256(a + i + 8), Avx.LoadVector256(b + i + 8), s1);
            s2 = Fma.MultiplyAdd(Avx.LoadVector256(a + i + 16), Avx.LoadVector256(b + i + 16), s2);
            s3 = Fma.MultiplyAdd(Avx.LoadVector256(a + i + 24), Avx.LoadVector256(b + i + 24), s3);
        }
        for (; i + 8 <= n; i += 8) s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + i), Avx.LoadVector256(b + i), s0);
        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    private static float DotV128(float* a, float* b, int n)
    {
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i), Vector128.Load(b + i), s0);
            s1 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 4), Vector128.Load(b + i + 4), s1);
            s2 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 8), Vector128.Load(b + i + 8), s2);
            s3 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 12), Vector128.Load(b + i + 12), s3);
        }
        for (; i + 4 <= n; i += 4) s0 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i), Vector128.Load(b + i), s0);
        float sum = Vector128.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    private static float DotScalar(float* a, float* b, int n)
    {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}
