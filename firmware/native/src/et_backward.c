/*
 * Tuning's element-wise backward ops (PortableKernels.CrossEntropy, SoftCrossEntropy, RmsNormBackward,
 * GatedActivationBackward, ActivationL1Backward, SoftmaxBackward, RopeInverse): the same loops as the reference,
 * operations in the same order. exp, log and sqrt are the compiler's builtins; the reference's are double-precision
 * functions rounded to float, so results agree within float rounding (the vectors' tolerance), not bit for bit.
 */
#include "et_internal.h"

int et_cross_entropy(const float *logits, int n, int target, float *dlogits, float scale, float *loss)
{
    float max, sum;
    int i;
    if (n < 1 || target < 0 || target >= n || logits == NULL || dlogits == NULL || loss == NULL) return ET_EINVAL;
    et_softmax_into(logits, n, dlogits, &max, &sum);
    for (i = 0; i < n; i++) dlogits[i] = dlogits[i] * scale;
    dlogits[target] -= scale;
    /* In double, as the reference: log(sum) + max - logits[target]. */
    *loss = (float)(__builtin_log((double)sum) + (double)max - (double)logits[target]);
    return ET_OK;
}

int et_soft_cross_entropy(const float *logits, int n, const float *p, float *dlogits, float scale, float *loss)
{
    float max, sum, log_sum, kl = 0.0f;
    int i;
    if (n < 1 || logits == NULL || p == NULL || dlogits == NULL || loss == NULL) return ET_EINVAL;
    et_softmax_into(logits, n, dlogits, &max, &sum);
    log_sum = __builtin_logf(sum) + max;
    for (i = 0; i < n; i++)
    {
        float pi = p[i];
        if (pi > 0.0f) kl += pi * (__builtin_logf(pi) - (logits[i] - log_sum));
        dlogits[i] = (dlogits[i] - pi) * scale;
    }
    *loss = kl;
    return ET_OK;
}

int et_rmsnorm_backward(const float *x, const float *w, const float *dy, float *dx, float *dw, int n, float eps)
{
    float ss = 0.0f, inv, dot = 0.0f, k;
    int i;
    if (n < 1 || x == NULL || w == NULL || dy == NULL || dx == NULL) return ET_EINVAL;
    for (i = 0; i < n; i++) ss += x[i] * x[i];
    inv = 1.0f / __builtin_sqrtf(ss / (float)n + eps);
    for (i = 0; i < n; i++) dot += w[i] * dy[i] * x[i];
    k = dot * inv * inv * inv / (float)n;
    for (i = 0; i < n; i++) dx[i] += w[i] * dy[i] * inv - x[i] * k;
    if (dw != NULL)
        for (i = 0; i < n; i++) dw[i] += dy[i] * x[i] * inv;
    return ET_OK;
}

/* act(z) and its slope, as FfnActivation.WithSlope: silu'(z) = sig (1 + z (1 - sig)); relu'(z) = z > 0. */
static void with_slope(float z, int activation, float *a, float *slope)
{
    if (activation == ET_ACT_SILU)
    {
        float sig = 1.0f / (1.0f + __builtin_expf(-z));
        *a = z * sig;
        *slope = sig * (1.0f + z * (1.0f - sig));
    }
    else
    {
        *a = z > 0.0f ? z : 0.0f;
        *slope = z > 0.0f ? 1.0f : 0.0f;
    }
}

int et_gated_activation_backward(const float *g, const float *u, const float *dh, float *dg, float *du, int n,
                                 int activation)
{
    int i;
    if (n < 0 || (activation != ET_ACT_SILU && activation != ET_ACT_RELU)) return ET_EINVAL;
    if (n > 0 && (g == NULL || u == NULL || dh == NULL || dg == NULL || du == NULL)) return ET_EINVAL;
    for (i = 0; i < n; i++)
    {
        float a, da;
        with_slope(g[i], activation, &a, &da);
        du[i] = dh[i] * a;
        dg[i] = dh[i] * u[i] * da;
    }
    return ET_OK;
}

int et_activation_l1_backward(const float *g, float *dg, int n, int activation, float lambda)
{
    int i;
    if (n < 0 || (activation != ET_ACT_SILU && activation != ET_ACT_RELU)) return ET_EINVAL;
    if (n > 0 && (g == NULL || dg == NULL)) return ET_EINVAL;
    for (i = 0; i < n; i++)
    {
        float a, da;
        with_slope(g[i], activation, &a, &da);
        if (a > 0.0f) dg[i] += lambda * da;
        else if (a < 0.0f) dg[i] -= lambda * da;
    }
    return ET_OK;
}

int et_softmax_backward(const float *p, float *dp, int n, float divisor)
{
    float dot = 0.0f;
    int i;
    if (n < 0) return ET_EINVAL;
    if (n > 0 && (p == NULL || dp == NULL)) return ET_EINVAL;
    for (i = 0; i < n; i++) dot += p[i] * dp[i];
    for (i = 0; i < n; i++) dp[i] = p[i] * (dp[i] - dot) / divisor;
    return ET_OK;
}

int et_rope_inverse(const float *cos_table, const float *sin_table, float *v, int length, int head_size)
{
    return et_rope_turn(cos_table, sin_table, v, length, head_size, -1.0f);
}
