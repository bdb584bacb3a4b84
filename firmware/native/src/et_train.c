/*
 * Tuning's own kernels (PortableKernels.Ger, AdamStep): the outer-product gradient of a product and the Adam update.
 * The same loops as the reference, operations in the same order; sqrt is the compiler's builtin (sqrtf: correctly
 * rounded, as the reference's (float)Math.Sqrt of a float is).
 */
#include "et_internal.h"

int et_ger(float alpha, const float *x, const float *y, float *a, int rows, int cols, int stride)
{
    int r, c;
    if (rows < 0 || cols < 0 || stride < 0) return ET_EINVAL;
    if (rows > 0 && cols > 0 && (x == NULL || y == NULL || a == NULL)) return ET_EINVAL;
    if (cols == 0) return ET_OK;
    for (r = 0; r < rows; r++)
    {
        float g = alpha * x[r];
        float *row = a + (size_t)r * (size_t)stride;
        for (c = 0; c < cols; c++) row[c] += g * y[c];
    }
    return ET_OK;
}

int et_adam_step(const float *g, float *m, float *v, float *p, int n, float grad_scale, float learning_rate,
                 float beta1, float beta2, float c1, float c2, float epsilon)
{
    int j;
    float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    if (n < 0) return ET_EINVAL;
    if (n > 0 && (g == NULL || m == NULL || v == NULL || p == NULL)) return ET_EINVAL;
    for (j = 0; j < n; j++)
    {
        float gj = g[j] * grad_scale;
        m[j] = beta1 * m[j] + one_minus_beta1 * gj;
        v[j] = beta2 * v[j] + one_minus_beta2 * gj * gj;
        p[j] -= learning_rate * (m[j] / c1) / (__builtin_sqrtf(v[j] / c2) + epsilon);
    }
    return ET_OK;
}
