/*
 * Per-vector kernels (PortableKernels.Dot, Axpy, DotQ8, AxpyQ8, RmsNorm, Softmax, Rope, GatedActivation): the same
 * loops in the same order. exp and sqrt are the compiler's builtins (expf/sqrtf from the C library, or a single
 * instruction where the FPU has one); the reference computes them in double and rounds to float, so results agree
 * within float rounding.
 */
#include "et_internal.h"

float et_dot(const float *a, const float *b, int n)
{
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
}

void et_axpy(float alpha, const float *x, float *y, int n)
{
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * x[i];
}

float et_dot_q8(const float *a, const uint8_t *q, int n)
{
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) sum += a[i] * (float)(int8_t)q[i];
    return sum;
}

void et_axpy_q8(float alpha, const uint8_t *q, float *y, int n)
{
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * (float)(int8_t)q[i];
}

/* o may be x: every element is read before it is written. */
int et_rmsnorm(const float *x, const float *w, float *o, int size, float eps)
{
    float ss = 0.0f, inv;
    int i;
    if (size < 1 || x == NULL || w == NULL || o == NULL) return ET_EINVAL;
    for (i = 0; i < size; i++) ss += x[i] * x[i];
    ss = ss / (float)size + eps;
    inv = 1.0f / __builtin_sqrtf(ss);
    for (i = 0; i < size; i++) o[i] = w[i] * (inv * x[i]);
    return ET_OK;
}

void et_softmax_into(const float *x, int n, float *out, float *max_out, float *sum_out)
{
    float max = x[0], sum = 0.0f, inv;
    int i;
    for (i = 1; i < n; i++)
        if (x[i] > max) max = x[i];
    for (i = 0; i < n; i++)
    {
        float e = __builtin_expf(x[i] - max);
        out[i] = e;
        sum += e;
    }
    inv = 1.0f / sum;
    for (i = 0; i < n; i++) out[i] *= inv;
    *max_out = max;
    *sum_out = sum;
}

int et_softmax(float *x, int size)
{
    float max, sum;
    if (size < 1 || x == NULL) return ET_EINVAL;
    et_softmax_into(x, size, x, &max, &sum);
    return ET_OK;
}

int et_rope_turn(const float *cos_table, const float *sin_table, float *v, int length, int head_size, float direction)
{
    int i;
    if (length < 0 || (length & 1) || head_size < 2 || (head_size & 1)) return ET_EINVAL;
    if (length > 0 && (cos_table == NULL || sin_table == NULL || v == NULL)) return ET_EINVAL;
    for (i = 0; i < length; i += 2)
    {
        int pair = (i % head_size) / 2;
        float c = cos_table[pair], s = direction * sin_table[pair]; /* direction is +-1: exact */
        float v0 = v[i], v1 = v[i + 1];
        v[i] = v0 * c - v1 * s;
        v[i + 1] = v0 * s + v1 * c;
    }
    return ET_OK;
}

int et_rope(const float *cos_table, const float *sin_table, float *v, int length, int head_size)
{
    return et_rope_turn(cos_table, sin_table, v, length, head_size, 1.0f);
}

int et_gated_activation(float *gate, const float *up, int n, int activation)
{
    int i;
    if (n < 0 || (activation != ET_ACT_SILU && activation != ET_ACT_RELU)) return ET_EINVAL;
    if (n > 0 && (gate == NULL || up == NULL)) return ET_EINVAL;
    for (i = 0; i < n; i++)
    {
        float z = gate[i];
        float a = activation == ET_ACT_SILU ? z * (1.0f / (1.0f + __builtin_expf(-z))) : (z > 0.0f ? z : 0.0f);
        gate[i] = a * up[i];
    }
    return ET_OK;
}
