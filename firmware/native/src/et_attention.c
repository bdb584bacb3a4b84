/*
 * Attention of one head over the KV cache (PortableKernels.AttentionScores, AttentionValues and their int8 forms):
 * row s of the keys / values starts s * stride elements after the first, its int8 scale s * scale_stride after the
 * first scale.
 */
#include "et_internal.h"

static int bad_attention(int count, int head_size, int stride, int scale_stride)
{
    return count < 0 || head_size < 0 || stride < 0 || scale_stride < 0;
}

int et_attention_scores(const float *q, const float *keys, float *scores, int count, int head_size, int stride,
                        float scale)
{
    int s;
    if (bad_attention(count, head_size, stride, 0)) return ET_EINVAL;
    if (count > 0 && (scores == NULL || (head_size > 0 && (q == NULL || keys == NULL)))) return ET_EINVAL;
    for (s = 0; s < count; s++) scores[s] = et_dot(q, keys + (size_t)s * (size_t)stride, head_size) / scale;
    return ET_OK;
}

int et_attention_values(const float *weights, const float *values, float *out, int count, int head_size, int stride)
{
    int s, i;
    if (bad_attention(count, head_size, stride, 0)) return ET_EINVAL;
    if (head_size > 0 && (out == NULL || (count > 0 && (weights == NULL || values == NULL)))) return ET_EINVAL;
    for (i = 0; i < head_size; i++) out[i] = 0.0f;
    for (s = 0; s < count; s++) et_axpy(weights[s], values + (size_t)s * (size_t)stride, out, head_size);
    return ET_OK;
}

int et_attention_scores_q8(const float *q, const uint8_t *keys, const float *key_scales, float *scores, int count,
                           int head_size, int stride, int scale_stride, float scale)
{
    int s;
    if (bad_attention(count, head_size, stride, scale_stride)) return ET_EINVAL;
    if (count > 0 && (scores == NULL || key_scales == NULL || (head_size > 0 && (q == NULL || keys == NULL))))
        return ET_EINVAL;
    for (s = 0; s < count; s++)
        scores[s] = et_dot_q8(q, keys + (size_t)s * (size_t)stride, head_size)
                    * key_scales[(size_t)s * (size_t)scale_stride] / scale;
    return ET_OK;
}

int et_attention_values_q8(const float *weights, const uint8_t *values, const float *value_scales, float *out,
                           int count, int head_size, int stride, int scale_stride)
{
    int s, i;
    if (bad_attention(count, head_size, stride, scale_stride)) return ET_EINVAL;
    if (head_size > 0 && (out == NULL || (count > 0 && (weights == NULL || values == NULL || value_scales == NULL))))
        return ET_EINVAL;
    for (i = 0; i < head_size; i++) out[i] = 0.0f;
    for (s = 0; s < count; s++)
        et_axpy_q8(weights[s] * value_scales[(size_t)s * (size_t)scale_stride], values + (size_t)s * (size_t)stride,
                   out, head_size);
    return ET_OK;
}
