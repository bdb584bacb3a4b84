using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// RMSNorm and softmax. Per element these do what the portable kernels do (w · (inv · x); exp(x − max) · (1 / sum));
// only the order of the reductions (sum of squares, max, sum of exps) differs, and exp is the vectorised
// Vector256/Vector128.Exp (≤ a few ulp from the correctly rounded (float)Math.Exp the portable kernel uses).
public sealed unsafe partial class SimdKernels
{
    public void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        CheckSpan(o.Length, 0, size, nameof(o));
        CheckSpan(x.Length, 0, size, nameof(x));
        CheckSpan(w.Length, wOff, size, nameof(w));
        if (size == 0) return;
        fixed (float* op = o, xp = x, wp0 = w)
        {
            float* wp = wp0 + wOff;
            float ss = Level switch
            {
                SimdLevel.Avx2 => DotAvx2(xp, xp, size),
                SimdLevel.Vector128 => DotV128(xp, xp, size),
                _ => DotScalar(xp, xp, size),
            };
            ss = ss / size + eps;
            float inv = 1f / MathF.Sqrt(ss);
            int i = 0;
            if (Level == SimdLevel.Avx2)
            {
                Vector256<float> vi = Vector256.Create(inv);
                for (; i + 8 <= size; i += 8)
                    Avx.Store(op + i, Avx.LoadVector256(wp + i) * (vi * Avx.LoadVector256(xp + i)));
            }
            else if (Level == SimdLevel.Vector128)
            {
                Vector128<float> vi = Vector128.Create(inv);
                for (; i + 4 <= size; i += 4)
                    Vector128.Store(Vector128.Load(wp + i) * (vi * Vector128.Load(xp + i)), op + i);
            }
            for (; i < size; i++) op[i] = wp[i] * (inv * xp[i]);
        }
    }

    /// <summary>RoPE is a few dozen pairs per head: the portable loop (bit-exact with it, which the golden tests rely on).</summary>
    public void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize) =>
        Model.Rope.Rotate(v, vOff, length, headSize, cos, sin);

    public void Softmax(float[] x, int off, int size)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckSpan(x.Length, off, size, nameof(x));
        if (size == 0) return;
        fixed (float* xp0 = x)
        {
            float* p = xp0 + off;
            switch (Level)
            {
                case SimdLevel.Avx2: SoftmaxV256(p, size); break;
                case SimdLevel.Vector128: SoftmaxV128(p, size); break;
                default: SoftmaxScalar(p, size); break;
            }
        }
    }

    private static void SoftmaxV256(float* p, int n)
    {
        int i = 0;
        float max = p[0];
        if (n >= 8)
        {
            Vector256<float> vm = Avx.LoadVector256(p);
            for (i = 8; i + 8 <= n; i += 8) vm = Avx.Max(vm, Avx.LoadVector256(p + i));
            max = HorizontalMax(vm);
        }
        for (; i < n; i++) if (p[i] > max) max = p[i];

        Vector256<float> vmax = Vector256.Create(max), vs = default;
        i = 0;
        for (; i + 8 <= n; i += 8)
        {
            Vector256<float> e = Vector256.Exp(Avx.LoadVector256(p + i) - vmax);
            Avx.Store(p + i, e);
            vs += e;
        }
        float sum = Vector256.Sum(vs);
        for (; i < n; i++)
        {
            float e = MathF.Exp(p[i] - max);
            p[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        Vector256<float> vinv = Vector256.Create(inv);
        i = 0;
        for (; i + 8 <= n; i += 8) Avx.Store(p + i, Avx.LoadVector256(p + i) * vinv);
        for (; i < n; i++) p[i] *= inv;
    }

    private static float HorizontalMax(Vector256<float> v)
    {
        Vector128<float> m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }

    private static void SoftmaxV128(float* p, int n)
    {
        int i = 0;
        float max = p[0];
        if (n >= 4)
        {
            Vector128<float> m = Vector128.Load(p);
            for (i = 4; i + 4 <= n; i += 4) m = Vector128.Max(m, Vector128.Load(p + i));
            m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
            m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
            max = m.ToScalar();
        }
        for (; i < n; i++) if (p[i] > max) max = p[i];

        Vector128<float> vmax = Vector128.Create(max), vs = default;
        i = 0;
        for (; i + 4 <= n; i += 4)
        {
            Vector128<float> e = Vector128.Exp(Vector128.Load(p + i) - vmax);
            Vector128.Store(e, p + i);
            vs += e;
        }
        float sum = Vector128.Sum(vs);
        for (; i < n; i++)
        {
            float e = MathF.Exp(p[i] - max);
            p[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        Vector128<float> vinv = Vector128.Create(inv);
        i = 0;
        for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(p + i) * vinv, p + i);
        for (; i < n; i++) p[i] *= inv;
    }

    private static void SoftmaxScalar(float* p, int n)
    {
        float max = p[0];
        for (int i = 1; i < n; i++) if (p[i] > max) max = p[i];
        float sum = 0f;
        for (int i = 0; i < n; i++)
        {
            float e = (float)Math.Exp(p[i] - max);
            p[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) p[i] *= inv;
    }
}
