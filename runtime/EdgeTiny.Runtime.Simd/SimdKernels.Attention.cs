using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Whole-head attention (float and int8 KV cache) and the gated activation.
//
// Scores: on AVX2 with a head size that is a multiple of 8, eight positions at a time — eight vector dot products,
// reduced together by a vhaddps tree into one vector of eight scores, scaled as the portable kernel does ((dot × key
// scale) / scale). Otherwise one vector dot per position.
// Values: the output head is accumulated in registers over all positions (two alternating accumulators per 8 columns
// to hide the FMA latency) and stored once.
// Gated activation: silu(g)·u = (g · (1 / (1 + exp(−g)))) · u with the vectorised exp (Vector256/128.Exp, within a
// few ulp of the correctly rounded (float)Math.Exp the portable kernel uses; the rest is the same operations in the
// same order), relu by a compare-and-select (bit-identical to the portable kernel).
public sealed unsafe partial class SimdKernels
{
    public void GatedActivation(float[] gate, float[] up, int n, int activation)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        CheckSpan(gate.Length, 0, n, nameof(gate));
        CheckSpan(up.Length, 0, n, nameof(up));
        fixed (float* gp = gate, upp = up)
        {
            int i = 0;
            if (activation == 0)
            {
                if (Level == SimdLevel.Avx2)
                {
                    Vector256<float> one = Vector256.Create(1f);
                    for (; i + 8 <= n; i += 8)
                    {
                        Vector256<float> v = Avx.LoadVector256(gp + i);
                        Vector256<float> s = one / (one + Vector256.Exp(-v));
                        Avx.Store(gp + i, v * s * Avx.LoadVector256(upp + i));
                    }
                }
                else if (Level == SimdLevel.Vector128)
                {
                    Vector128<float> one = Vector128.Create(1f);
                    for (; i + 4 <= n; i += 4)
                    {
                        Vector128<float> v = Vector128.Load(gp + i);
                        Vector128<float> s = one / (one + Vector128.Exp(-v));
                        Vector128.Store(v * s * Vector128.Load(upp + i), gp + i);
                    }
                }
                for (; i < n; i++)
                {
                    float v = gp[i];
                    gp[i] = v * (1f / (1f + (float)Math.Exp(-v))) * upp[i];
                }
            }
            else
            {
                if (Level == SimdLevel.Avx2)
                {
                    for (; i + 8 <= n; i += 8)
                    {
                        Vector256<float> v = Avx.LoadVector256(gp + i);
                        Avx.Store(gp + i, Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero),
                            v * Avx.LoadVector256(upp + i), Vector256<float>.Zero));
                    }
                }
                else if (Level == SimdLevel.Vector128)
                {
                    for (; i + 4 <= n; i += 4)
                    {
                        Vector128<float> v = Vector128.Load(gp + i);
                        Vector128.Store(Vector128.ConditionalSelect(Vector128.GreaterThan(v, Vector128<float>.Zero),
                            v * Vector128.Load(upp + i), Vector128<float>.Zero), gp + i);
                    }
                }
                for (; i < n; i++) gp[i] = gp[i] > 0f ? gp[i] * upp[i] : 0f;
            }
        }
    }

    // ---- scores ----

    private static void CheckHead(int count, int headSize, int stride)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "count must not be negative");
        if (headSize < 0) throw new ArgumentOutOfRangeException(nameof(headSize), "the head size must not be negative");
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(stride), "the stride must not be negative");
    }

    /// <summary>Elements a strided block of count rows of headSize reads from its offset.</summary>
    private static long Strided(int count, int stride, int headSize) => count == 0 ? 0 : (long)(count - 1) * stride + headSize;

    public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(scores);
        CheckHead(count, headSize, stride);
        CheckSpan(q.Length, qOff, headSize, nameof(q));
        CheckSpan(keys.Length, keyOff, Strided(count, stride, headSize), nameof(keys));
        CheckSpan(scores.Length, sOff, count, nameof(scores));
        fixed (float* qp0 = q, kp0 = keys, sp0 = scores)
        {
            float* qp = qp0 + qOff, kp = kp0 + keyOff, sp = sp0 + sOff;
            int s = 0;
            if (Level == SimdLevel.Avx2 && headSize % 8 == 0 && headSize > 0)
            {
                Vector256<float> vscale = Vector256.Create(scale);
                for (; s + 8 <= count; s += 8)
                {
                    float* k0 = kp + (long)s * stride;
                    Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
                    for (int c = 0; c < headSize; c += 8)
                    {
                        Vector256<float> qv = Avx.LoadVector256(qp + c);
                        float* kc = k0 + c;
                        d0 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d0); kc += stride;
                        d1 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d1); kc += stride;
                        d2 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d2); kc += stride;
                        d3 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d3); kc += stride;
                        d4 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d4); kc += stride;
                        d5 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d5); kc += stride;
                        d6 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d6); kc += stride;
                        d7 = Fma.MultiplyAdd(qv, Avx.LoadVector256(kc), d7);
                    }
                    Avx.Store(sp + s, Sum8(d0, d1, d2, d3, d4, d5, d6, d7) / vscale);
                }
            }
            for (; s < count; s++)
            {
                float* k = kp + (long)s * stride;
                float dot = Level switch
                {
                    SimdLevel.Avx2 => DotAvx2(qp, k, headSize),
                    SimdLevel.Vector128 => DotV128(qp, k, headSize),
                    _ => DotScalar(qp, k, headSize),
                };
                sp[s] = dot / scale;
            }
        }
    }

    /// <summary>[Σd0, Σd1, …, Σd7]: the horizontal sums of eight vectors, in one vector (three vhaddps levels and a lane swap).</summary>
    private static Vector256<float> Sum8(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3,
        Vector256<float> d4, Vector256<float> d5, Vector256<float> d6, Vector256<float> d7)
    {
        Vector256<float> t0 = Avx.HorizontalAdd(d0, d1), t1 = Avx.HorizontalAdd(d2, d3);
        Vector256<float> t2 = Avx.HorizontalAdd(d4, d5), t3 = Avx.HorizontalAdd(d6, d7);
        Vector256<float> u0 = Avx.HorizontalAdd(t0, t1), u1 = Avx.HorizontalAdd(t2, t3);
        // u0 = [d0..d3 over lanes 0-3 | d0..d3 over lanes 4-7], u1 the same for d4..d7.
        return Avx.Permute2x128(u0, u1, 0x20) + Avx.Permute2x128(u0, u1, 0x31);
    }

    public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
        int count, int headSize, int stride, int scaleStride, float scale)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(keyScales);
        ArgumentNullException.ThrowIfNull(scores);
        CheckHead(count, headSize, stride);
        if (scaleStride < 0) throw new ArgumentOutOfRangeException(nameof(scaleStride), "the scale stride must not be negative");
        CheckSpan(q.Length, qOff, headSize, nameof(q));
        CheckSpan(keys.Length, keyOff, Strided(count, stride, headSize), nameof(keys));
        CheckSpan(keyScales.Length, scaleOff, Strided(count, scaleStride, 1), nameof(keyScales));
        CheckSpan(scores.Length, sOff, count, nameof(scores));
        fixed (float* qp0 = q, ksp0 = keyScales, sp0 = scores)
        fixed (byte* kp0 = keys)
        {
            float* qp = qp0 + qOff, ks = ksp0 + scaleOff, sp = sp0 + sOff;
            sbyte* kp = (sbyte*)(kp0 + keyOff);
            int s = 0;
            if (Level == SimdLevel.Avx2 && headSize % 8 == 0 && headSize > 0)
            {
                Vector256<float> vscale = Vector256.Create(scale);
                for (; s + 8 <= count; s += 8)
                {
                    sbyte* k0 = kp + (long)s * stride;
                    Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
                    for (int c = 0; c < headSize; c += 8)
                    {
                        Vector256<float> qv = Avx.LoadVector256(qp + c);
                        sbyte* kc = k0 + c;
                        d0 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d0); kc += stride;
                        d1 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d1); kc += stride;
                        d2 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d2); kc += stride;
                        d3 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d3); kc += stride;
                        d4 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d4); kc += stride;
                        d5 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d5); kc += stride;
                        d6 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d6); kc += stride;
                        d7 = Fma.MultiplyAdd(qv, Widen8Avx2(kc), d7);
                    }
                    float* sc = ks + (long)s * scaleStride;
                    long st = scaleStride;
                    Vector256<float> kscale = Vector256.Create(sc[0], sc[st], sc[2 * st], sc[3 * st], sc[4 * st], sc[5 * st], sc[6 * st], sc[7 * st]);
                    Avx.Store(sp + s, Sum8(d0, d1, d2, d3, d4, d5, d6, d7) * kscale / vscale);
                }
            }
            for (; s < count; s++)
                sp[s] = DotQ8Ptr(qp, kp + (long)s * stride, headSize) * ks[(long)s * scaleStride] / scale;
        }
    }

    /// <summary>Σ a[i] · q[i] (the body of <see cref="DotQ8"/>, arguments already checked).</summary>
    private float DotQ8Ptr(float* ap, sbyte* qp, int n)
    {
        int i = 0;
        float sum;
        if (Level == SimdLevel.Avx2)
        {
            Vector256<float> s0 = default, s1 = default;
            for (; i + 16 <= n; i += 16)
            {
                s0 = Fma.MultiplyAdd(Widen8Avx2(qp + i), Avx.LoadVector256(ap + i), s0);
                s1 = Fma.MultiplyAdd(Widen8Avx2(qp + i + 8), Avx.LoadVector256(ap + i + 8), s1);
            }
            if (i + 8 <= n)
            {
                s0 = Fma.MultiplyAdd(Widen8Avx2(qp + i), Avx.LoadVector256(ap + i), s0);
                i += 8;
            }
            sum = Vector256.Sum(s0 + s1);
        }
        else if (Level == SimdLevel.Vector128)
        {
            Vector128<float> s0 = default, s1 = default;
            for (; i + 8 <= n; i += 8)
            {
                Widen8V128(qp + i, out Vector128<float> lo, out Vector128<float> hi);
                s0 = Vector128.MultiplyAddEstimate(lo, Vector128.Load(ap + i), s0);
                s1 = Vector128.MultiplyAddEstimate(hi, Vector128.Load(ap + i + 4), s1);
            }
            sum = Vector128.Sum(s0 + s1);
        }
        else sum = 0f;
        for (; i < n; i++) sum += ap[i] * qp[i];
        return sum;
    }

    // ---- weighted sums of values ----

    public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(output);
        CheckHead(count, headSize, stride);
        CheckSpan(weights.Length, wOff, count, nameof(weights));
        CheckSpan(values.Length, valOff, Strided(count, stride, headSize), nameof(values));
        CheckSpan(output.Length, outOff, headSize, nameof(output));
        fixed (float* wp0 = weights, vp0 = values, op0 = output)
        {
            float* wp = wp0 + wOff, vp = vp0 + valOff, op = op0 + outOff;
            int c = 0;
            if (Level == SimdLevel.Avx2)
            {
                for (; c + 8 <= headSize; c += 8)
                {
                    Vector256<float> a = default, b = default;
                    float* v = vp + c;
                    int s = 0;
                    for (; s + 2 <= count; s += 2, v += 2L * stride)
                    {
                        a = Fma.MultiplyAdd(Vector256.Create(wp[s]), Avx.LoadVector256(v), a);
                        b = Fma.MultiplyAdd(Vector256.Create(wp[s + 1]), Avx.LoadVector256(v + stride), b);
                    }
                    if (s < count) a = Fma.MultiplyAdd(Vector256.Create(wp[s]), Avx.LoadVector256(v), a);
                    Avx.Store(op + c, a + b);
                }
            }
            else if (Level == SimdLevel.Vector128)
            {
                for (; c + 4 <= headSize; c += 4)
                {
                    Vector128<float> a = default, b = default;
                    float* v = vp + c;
                    int s = 0;
                    for (; s + 2 <= count; s += 2, v += 2L * stride)
                    {
                        a = Vector128.MultiplyAddEstimate(Vector128.Create(wp[s]), Vector128.Load(v), a);
                        b = Vector128.MultiplyAddEstimate(Vector128.Create(wp[s + 1]), Vector128.Load(v + stride), b);
                    }
                    if (s < count) a = Vector128.MultiplyAddEstimate(Vector128.Create(wp[s]), Vector128.Load(v), a);
                    Vector128.Store(a + b, op + c);
                }
            }
            // Remaining columns (all of them on the scalar path): the portable order, y += w_s · v_s for s = 0, 1, ….
            for (; c < headSize; c++)
            {
                float sum = 0f;
                float* v = vp + c;
                for (int s = 0; s < count; s++, v += stride) sum += wp[s] * *v;
                op[c] = sum;
            }
        }
    }

    public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
        int count, int headSize, int stride, int scaleStride)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(valueScales);
        ArgumentNullException.ThrowIfNull(output);
        CheckHead(count, headSize, stride);
        if (scaleStride < 0) throw new ArgumentOutOfRangeException(nameof(scaleStride), "the scale stride must not be negative");
        CheckSpan(weights.Length, wOff, count, nameof(weights));
        CheckSpan(values.Length, valOff, Strided(count, stride, headSize), nameof(values));
        CheckSpan(valueScales.Length, scaleOff, Strided(count, scaleStride, 1), nameof(valueScales));
        CheckSpan(output.Length, outOff, headSize, nameof(output));
        fixed (float* wp0 = weights, vsp0 = valueScales, op0 = output)
        fixed (byte* vp0 = values)
        {
            float* wp = wp0 + wOff, vs = vsp0 + scaleOff, op = op0 + outOff;
            sbyte* vp = (sbyte*)(vp0 + valOff);
            int c = 0;
            if (Level == SimdLevel.Avx2)
            {
                for (; c + 8 <= headSize; c += 8)
                {
                    Vector256<float> a = default, b = default;
                    sbyte* v = vp + c;
                    float* sc = vs;
                    int s = 0;
                    for (; s + 2 <= count; s += 2, v += 2L * stride, sc += 2L * scaleStride)
                    {
                        a = Fma.MultiplyAdd(Vector256.Create(wp[s] * sc[0]), Widen8Avx2(v), a);
                        b = Fma.MultiplyAdd(Vector256.Create(wp[s + 1] * sc[scaleStride]), Widen8Avx2(v + stride), b);
                    }
                    if (s < count) a = Fma.MultiplyAdd(Vector256.Create(wp[s] * sc[0]), Widen8Avx2(v), a);
                    Avx.Store(op + c, a + b);
                }
            }
            else if (Level == SimdLevel.Vector128)
            {
                for (; c + 8 <= headSize; c += 8)
                {
                    Vector128<float> a0 = default, a1 = default, b0 = default, b1 = default;
                    sbyte* v = vp + c;
                    float* sc = vs;
                    int s = 0;
                    for (; s + 2 <= count; s += 2, v += 2L * stride, sc += 2L * scaleStride)
                    {
                        Vector128<float> alpha = Vector128.Create(wp[s] * sc[0]), beta = Vector128.Create(wp[s + 1] * sc[scaleStride]);
                        Widen8V128(v, out Vector128<float> lo, out Vector128<float> hi);
                        a0 = Vector128.MultiplyAddEstimate(alpha, lo, a0);
                        a1 = Vector128.MultiplyAddEstimate(alpha, hi, a1);
                        Widen8V128(v + stride, out lo, out hi);
                        b0 = Vector128.MultiplyAddEstimate(beta, lo, b0);
                        b1 = Vector128.MultiplyAddEstimate(beta, hi, b1);
                    }
                    if (s < count)
                    {
                        Vector128<float> alpha = Vector128.Create(wp[s] * sc[0]);
                        Widen8V128(v, out Vector128<float> lo, out Vector128<float> hi);
                        a0 = Vector128.MultiplyAddEstimate(alpha, lo, a0);
                        a1 = Vector128.MultiplyAddEstimate(alpha, hi, a1);
                    }
                    Vector128.Store(a0 + b0, op + c);
                    Vector128.Store(a1 + b1, op + c + 4);
                }
            }
            for (; c < headSize; c++)
            {
                float sum = 0f;
                sbyte* v = vp + c;
                float* sc = vs;
                for (int s = 0; s < count; s++, v += stride, sc += scaleStride) sum += wp[s] * *sc * *v;
                op[c] = sum;
            }
        }
    }
}
