/*
 * Checked entry points (IKernels' signatures) of the float, per-vector, attention and transposed kernels: every range
 * is checked against its array before the kernel runs, as in et_checked.c.
 */
#include "et_internal.h"

int et_matvec_f32_checked(const float *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                          float *y, int32_t y_len, int32_t y_off, int rows, int cols)
{
    if (rows < 0 || cols < 0) return ET_EINVAL;
    if (rows == 0) return ET_OK;
    if (!et_in_range(w_len, w_off, (int64_t)rows * cols) || !et_in_range(x_len, x_off, cols)
        || !et_in_range(y_len, y_off, rows))
        return ET_ERANGE;
    return et_matvec_f32(w + w_off, x + x_off, y + y_off, rows, cols);
}

/* Shared by the transposed products once the row size is known (row_units < 0: bad parameters). */
static int check_transposed(int64_t row_units, int rows, int cols, int32_t w_len, int32_t w_off, int32_t dy_len,
                            int32_t dy_off, int32_t dx_len, int32_t dx_off)
{
    if (row_units < 0 || rows < 0 || cols < 0) return ET_EINVAL;
    if (rows == 0) return ET_OK;
    if (!et_in_range(w_len, w_off, (int64_t)rows * row_units) || !et_in_range(dy_len, dy_off, rows)
        || !et_in_range(dx_len, dx_off, cols))
        return ET_ERANGE;
    return ET_OK;
}

int et_mattvec_f32_checked(const float *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                           int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols)
{
    int rc = check_transposed(cols, rows, cols, w_len, w_off, dy_len, dy_off, dx_len, dx_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_mattvec_f32(w + w_off, dy + dy_off, dx + dx_off, rows, cols);
}

int et_mattvec_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                         int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols, int bits,
                         int group_size)
{
    int rc = check_transposed(et_q_row_bytes(cols, bits, group_size), rows, cols, w_len, w_off, dy_len, dy_off,
                              dx_len, dx_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_mattvec_q(w + w_off, dy + dy_off, dx + dx_off, rows, cols, bits, group_size);
}

int et_mattvec_sparse_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                                int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols,
                                int bits, int kept, int group_size)
{
    int rc = check_transposed(et_sparse_row_bytes(cols, bits, kept, group_size), rows, cols, w_len, w_off, dy_len,
                              dy_off, dx_len, dx_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_mattvec_sparse_q(w + w_off, dy + dy_off, dx + dx_off, rows, cols, bits, kept, group_size);
}

int et_rmsnorm_checked(const float *x, int32_t x_len, const float *w, int32_t w_len, int32_t w_off, float *o,
                       int32_t o_len, int size, float eps)
{
    if (size < 1) return ET_EINVAL;
    if (!et_in_range(x_len, 0, size) || !et_in_range(w_len, w_off, size) || !et_in_range(o_len, 0, size))
        return ET_ERANGE;
    return et_rmsnorm(x, w + w_off, o, size, eps);
}

int et_softmax_checked(float *x, int32_t x_len, int32_t off, int size)
{
    if (size < 1) return ET_EINVAL;
    if (!et_in_range(x_len, off, size)) return ET_ERANGE;
    return et_softmax(x + off, size);
}

int et_rope_checked(const float *cos_table, int32_t cos_len, const float *sin_table, int32_t sin_len, float *v,
                    int32_t v_len, int32_t v_off, int length, int head_size)
{
    int pairs;
    if (length < 0 || (length & 1) || head_size < 2 || (head_size & 1)) return ET_EINVAL;
    pairs = (length < head_size ? length : head_size) / 2; /* the table entries the rotation reads */
    if (!et_in_range(v_len, v_off, length) || !et_in_range(cos_len, 0, pairs) || !et_in_range(sin_len, 0, pairs))
        return ET_ERANGE;
    return et_rope(cos_table, sin_table, v + v_off, length, head_size);
}

int et_dot_checked(const float *a, int32_t a_len, int32_t a_off, const float *b, int32_t b_len, int32_t b_off, int n,
                   float *result)
{
    if (n < 0 || result == NULL) return ET_EINVAL;
    if (!et_in_range(a_len, a_off, n) || !et_in_range(b_len, b_off, n)) return ET_ERANGE;
    *result = n == 0 ? 0.0f : et_dot(a + a_off, b + b_off, n);
    return ET_OK;
}

int et_axpy_checked(float alpha, const float *x, int32_t x_len, int32_t x_off, float *y, int32_t y_len, int32_t y_off,
                    int n)
{
    if (n < 0) return ET_EINVAL;
    if (n == 0) return ET_OK;
    if (!et_in_range(x_len, x_off, n) || !et_in_range(y_len, y_off, n)) return ET_ERANGE;
    et_axpy(alpha, x + x_off, y + y_off, n);
    return ET_OK;
}

int et_dot_q8_checked(const float *a, int32_t a_len, int32_t a_off, const uint8_t *q, int32_t q_len, int32_t q_off,
                      int n, float *result)
{
    if (n < 0 || result == NULL) return ET_EINVAL;
    if (!et_in_range(a_len, a_off, n) || !et_in_range(q_len, q_off, n)) return ET_ERANGE;
    *result = n == 0 ? 0.0f : et_dot_q8(a + a_off, q + q_off, n);
    return ET_OK;
}

int et_axpy_q8_checked(float alpha, const uint8_t *q, int32_t q_len, int32_t q_off, float *y, int32_t y_len,
                       int32_t y_off, int n)
{
    if (n < 0) return ET_EINVAL;
    if (n == 0) return ET_OK;
    if (!et_in_range(q_len, q_off, n) || !et_in_range(y_len, y_off, n)) return ET_ERANGE;
    et_axpy_q8(alpha, q + q_off, y + y_off, n);
    return ET_OK;
}

int et_gated_activation_checked(float *gate, int32_t gate_len, const float *up, int32_t up_len, int n, int activation)
{
    if (n < 0 || (activation != ET_ACT_SILU && activation != ET_ACT_RELU)) return ET_EINVAL;
    if (n == 0) return ET_OK;
    if (!et_in_range(gate_len, 0, n) || !et_in_range(up_len, 0, n)) return ET_ERANGE;
    return et_gated_activation(gate, up, n, activation);
}

int et_attention_scores_checked(const float *q, int32_t q_len, int32_t q_off, const float *keys, int32_t keys_len,
                                int32_t keys_off, float *scores, int32_t scores_len, int32_t scores_off, int count,
                                int head_size, int stride, float scale)
{
    if (count < 0 || head_size < 0 || stride < 0) return ET_EINVAL;
    if (count == 0) return ET_OK;
    if (!et_in_range(q_len, q_off, head_size) || !et_in_range_strided(keys_len, keys_off, count, stride, head_size)
        || !et_in_range(scores_len, scores_off, count))
        return ET_ERANGE;
    return et_attention_scores(q + q_off, keys + keys_off, scores + scores_off, count, head_size, stride, scale);
}

int et_attention_values_checked(const float *weights, int32_t weights_len, int32_t weights_off, const float *values,
                                int32_t values_len, int32_t values_off, float *out, int32_t out_len, int32_t out_off,
                                int count, int head_size, int stride)
{
    if (count < 0 || head_size < 0 || stride < 0) return ET_EINVAL;
    if (head_size == 0) return ET_OK;
    if (!et_in_range(weights_len, weights_off, count)
        || !et_in_range_strided(values_len, values_off, count, stride, head_size)
        || !et_in_range(out_len, out_off, head_size))
        return ET_ERANGE;
    return et_attention_values(weights + weights_off, values + values_off, out + out_off, count, head_size, stride);
}

int et_attention_scores_q8_checked(const float *q, int32_t q_len, int32_t q_off, const uint8_t *keys,
                                   int32_t keys_len, int32_t keys_off, const float *key_scales, int32_t scales_len,
                                   int32_t scales_off, float *scores, int32_t scores_len, int32_t scores_off,
                                   int count, int head_size, int stride, int scale_stride, float scale)
{
    if (count < 0 || head_size < 0 || stride < 0 || scale_stride < 0) return ET_EINVAL;
    if (count == 0) return ET_OK;
    if (!et_in_range(q_len, q_off, head_size) || !et_in_range_strided(keys_len, keys_off, count, stride, head_size)
        || !et_in_range_strided(scales_len, scales_off, count, scale_stride, 1)
        || !et_in_range(scores_len, scores_off, count))
        return ET_ERANGE;
    return et_attention_scores_q8(q + q_off, keys + keys_off, key_scales + scales_off, scores + scores_off, count,
                                  head_size, stride, scale_stride, scale);
}

int et_attention_values_q8_checked(const float *weights, int32_t weights_len, int32_t weights_off,
                                   const uint8_t *values, int32_t values_len, int32_t values_off,
                                   const float *value_scales, int32_t scales_len, int32_t scales_off, float *out,
                                   int32_t out_len, int32_t out_off, int count, int head_size, int stride,
                                   int scale_stride)
{
    if (count < 0 || head_size < 0 || stride < 0 || scale_stride < 0) return ET_EINVAL;
    if (head_size == 0) return ET_OK;
    if (!et_in_range(weights_len, weights_off, count)
        || !et_in_range_strided(values_len, values_off, count, stride, head_size)
        || !et_in_range_strided(scales_len, scales_off, count, scale_stride, 1)
        || !et_in_range(out_len, out_off, head_size))
        return ET_ERANGE;
    return et_attention_values_q8(weights + weights_off, values + values_off, value_scales + scales_off, out + out_off,
                                  count, head_size, stride, scale_stride);
}

int et_ger_checked(float alpha, const float *x, int32_t x_len, int32_t x_off, const float *y, int32_t y_len,
                   int32_t y_off, float *a, int32_t a_len, int32_t a_off, int rows, int cols, int stride)
{
    if (rows < 0 || cols < 0 || stride < 0) return ET_EINVAL;
    if (rows == 0 || cols == 0) return ET_OK;
    if (!et_in_range(x_len, x_off, rows) || !et_in_range(y_len, y_off, cols)
        || !et_in_range_strided(a_len, a_off, rows, stride, cols))
        return ET_ERANGE;
    return et_ger(alpha, x + x_off, y + y_off, a + a_off, rows, cols, stride);
}

int et_adam_step_checked(const float *g, int32_t g_len, float *m, int32_t m_len, float *v, int32_t v_len, float *p,
                         int32_t p_len, int n, float grad_scale, float learning_rate, float beta1, float beta2,
                         float c1, float c2, float epsilon)
{
    if (n < 0) return ET_EINVAL;
    if (n == 0) return ET_OK;
    if (!et_in_range(g_len, 0, n) || !et_in_range(m_len, 0, n) || !et_in_range(v_len, 0, n) || !et_in_range(p_len, 0, n))
        return ET_ERANGE;
    return et_adam_step(g, m, v, p, n, grad_scale, learning_rate, beta1, beta2, c1, c2, epsilon);
}
