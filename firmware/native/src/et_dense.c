/*
 * Float matrix x vector and the transposed products of on-device tuning (PortableKernels.MatVecF32, MatTVecF32,
 * MatTVecQ, MatTVecSparseQ): the same loops, terms formed in the same order.
 */
#include "et_internal.h"

int et_matvec_f32(const float *w, const float *x, float *y, int rows, int cols)
{
    int r, c;
    if (rows < 0 || cols < 0) return ET_EINVAL;
    if (rows > 0 && (w == NULL || y == NULL || (cols > 0 && x == NULL))) return ET_EINVAL;
    for (r = 0; r < rows; r++)
    {
        const float *row = w + (size_t)r * (size_t)cols;
        float sum = 0.0f;
        for (c = 0; c < cols; c++) sum += row[c] * x[c];
        y[r] = sum;
    }
    return ET_OK;
}

/* Rows whose gradient is exactly zero add nothing (either sign), as in the reference. */
int et_mattvec_f32(const float *w, const float *dy, float *dx, int rows, int cols)
{
    int r, c;
    if (rows < 0 || cols < 0) return ET_EINVAL;
    if (rows > 0 && (w == NULL || dy == NULL || (cols > 0 && dx == NULL))) return ET_EINVAL;
    for (r = 0; r < rows; r++)
    {
        const float *row = w + (size_t)r * (size_t)cols;
        float g = dy[r];
        if (g == 0.0f) continue;
        for (c = 0; c < cols; c++) dx[c] += g * row[c];
    }
    return ET_OK;
}

int et_mattvec_q(const uint8_t *w, const float *dy, float *dx, int rows, int cols, int bits, int group_size)
{
    int64_t row_bytes = et_q_row_bytes(cols, bits, group_size);
    int groups, r, c;
    if (row_bytes < 0 || rows < 0) return ET_EINVAL;
    if (rows > 0 && (w == NULL || dy == NULL || (cols > 0 && dx == NULL))) return ET_EINVAL;
    groups = et_groups(cols, group_size);
    for (r = 0; r < rows; r++)
    {
        const uint8_t *row = w + (size_t)r * (size_t)row_bytes;
        const uint8_t *values = row + (size_t)groups * 4;
        float g = dy[r];
        et_bits rd;
        if (g == 0.0f) continue;
        et_bits_init(&rd, values, bits);
        for (c = 0; c < cols; c++)
        {
            int q = bits == 8 ? (int)(int8_t)values[c] : et_bits_next(&rd);
            dx[c] += g * (float)q * et_load_f32(row + (size_t)(c / group_size) * 4);
        }
    }
    return ET_OK;
}

int et_mattvec_sparse_q(const uint8_t *w, const float *dy, float *dx, int rows, int cols, int bits, int kept,
                        int group_size)
{
    int64_t row_bytes = et_sparse_row_bytes(cols, bits, kept, group_size);
    size_t bitmap_bytes = ((size_t)(cols < 0 ? 0 : cols) + 7) / 8;
    int groups, r, c;
    if (row_bytes < 0 || rows < 0) return ET_EINVAL;
    if (rows > 0 && (w == NULL || dy == NULL || (cols > 0 && dx == NULL))) return ET_EINVAL;
    groups = et_groups(cols, group_size);
    for (r = 0; r < rows; r++)
    {
        const uint8_t *row = w + (size_t)r * (size_t)row_bytes;
        const uint8_t *bitmap = row + (size_t)groups * 4;
        float g = dy[r];
        int left = kept; /* extra bitmap bits past `kept` count as pruned: never read past the row */
        et_bits rd;
        if (g == 0.0f) continue;
        et_bits_init(&rd, bitmap + bitmap_bytes, bits);
        for (c = 0; c < cols; c++)
        {
            if (((bitmap[c >> 3] >> (c & 7)) & 1) == 0 || left == 0) continue;
            left--;
            dx[c] += g * (float)et_bits_next(&rd) * et_load_f32(row + (size_t)(c / group_size) * 4);
        }
    }
    return ET_OK;
}
