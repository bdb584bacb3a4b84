/*
 * The packed-FFN bundle kernel (PortableKernels.FfnBundles): per active neuron, u = up . x, then
 * out += (act * u) * down. Each term is formed as in the reference: weight = value * scale, then weight * x.
 */
#include "et_internal.h"

int64_t et_bundle_row_bytes(int dim, int codec, int bits, int group_size)
{
    if (dim < 0 || dim > 0x3FFFFFFF) return -1; /* 2 * dim must be an int */
    if (codec == ET_CODEC_F32) return (int64_t)dim * 8;
    if (codec != ET_CODEC_Q) return -1;
    return et_q_row_bytes(2 * dim, bits, group_size);
}

/* One f32 bundle: up row then down column, 2 * dim little-endian floats at row. */
static void bundle_f32(const uint8_t *row, float a, int dim, const float *x, float *out)
{
    const uint8_t *down = row + (size_t)dim * 4;
    float u = 0.0f, h;
    int c;
    for (c = 0; c < dim; c++) u += et_load_f32(row + (size_t)c * 4) * x[c];
    h = a * u;
    for (c = 0; c < dim; c++) out[c] += h * et_load_f32(down + (size_t)c * 4);
}

/* Walks the 2 * dim values of one Codec.Q row in order, switching scale at each group boundary. */
typedef struct
{
    et_bits rd;
    const uint8_t *scales;
    int group_size, g, left;
    float scale;
} q_walk;

static float q_walk_next(q_walk *w)
{
    if (w->left == 0)
    {
        w->g++;
        w->scale = et_load_f32(w->scales + (size_t)w->g * 4);
        w->left = w->group_size;
    }
    w->left--;
    return (float)et_bits_next(&w->rd) * w->scale;
}

/* One Codec.Q bundle of 2 * dim values with `groups` scales at row. */
static void bundle_q(const uint8_t *row, int groups, int bits, int group_size, float a, int dim,
                     const float *x, float *out)
{
    q_walk w;
    float u = 0.0f, h;
    int c;
    et_bits_init(&w.rd, row + (size_t)groups * 4, bits);
    w.scales = row;
    w.group_size = group_size;
    w.g = -1;
    w.left = 0;
    w.scale = 0.0f;
    for (c = 0; c < dim; c++) u += q_walk_next(&w) * x[c];
    h = a * u;
    for (c = 0; c < dim; c++) out[c] += h * q_walk_next(&w);
}

int et_ffn_bundles(const uint8_t *data, const float *x, const float *act, float *out, int count, int dim, int codec,
                   int bits, int group_size)
{
    int64_t row_bytes = et_bundle_row_bytes(dim, codec, bits, group_size);
    int groups, b;
    if (row_bytes < 0 || count < 0) return ET_EINVAL;
    if (count > 0 && (data == NULL || act == NULL || (dim > 0 && (x == NULL || out == NULL)))) return ET_EINVAL;
    groups = codec == ET_CODEC_F32 ? 0 : et_groups(2 * dim, group_size);
    for (b = 0; b < count; b++)
    {
        float a = act[b];
        const uint8_t *row;
        if (a == 0.0f) continue;
        row = data + (size_t)b * (size_t)row_bytes;
        if (codec == ET_CODEC_F32) bundle_f32(row, a, dim, x, out);
        else bundle_q(row, groups, bits, group_size, a, dim, x, out);
    }
    return ET_OK;
}
