/*
 * Matrix x vector over group-quantized rows (Codec.Q, Codec.SparseQ). Same loops as PortableKernels: per group a
 * float partial sum of value * x in column order, then sum += partial * scale.
 */
#include "et_internal.h"

int64_t et_q_row_bytes(int cols, int bits, int group_size)
{
    if (!et_bits_valid(bits) || group_size < 1 || cols < 0) return -1;
    return (int64_t)et_groups(cols, group_size) * 4 + et_packed_bytes(cols, bits);
}

int64_t et_sparse_row_bytes(int cols, int bits, int kept, int group_size)
{
    if (!et_bits_valid(bits) || group_size < 1 || cols < 0 || kept < 0 || kept > cols) return -1;
    return (int64_t)et_groups(cols, group_size) * 4 + ((int64_t)cols + 7) / 8 + et_packed_bytes(kept, bits);
}

/* Shapes and pointers every matvec needs: rows, cols >= 0, group_size >= 1, no NULL that would be used. */
static int bad_shape(const void *w, int group_size, int rows, int cols, const float *x, const float *y)
{
    if (group_size < 1 || rows < 0 || cols < 0) return 1;
    if (rows == 0) return 0;
    return w == NULL || y == NULL || (cols > 0 && x == NULL);
}

/* End of the group starting at column start (the last group may be short). */
static int group_end(int start, int group_size, int cols)
{
    return cols - start < group_size ? cols : start + group_size;
}

int et_matvec_q8(const uint8_t *w, const float *x, float *y, int rows, int cols, int group_size)
{
    int groups, r;
    size_t row_bytes;
    if (bad_shape(w, group_size, rows, cols, x, y)) return ET_EINVAL;
    groups = et_groups(cols, group_size);
    row_bytes = (size_t)groups * 4 + (size_t)cols;
    for (r = 0; r < rows; r++)
    {
        const uint8_t *row = w + (size_t)r * row_bytes;
        const int8_t *q = (const int8_t *)(row + (size_t)groups * 4); /* int8_t is two's complement by definition */
        float sum = 0.0f;
        int g;
        for (g = 0; g < groups; g++)
        {
            int c = g * group_size, end = group_end(c, group_size, cols);
            float part = 0.0f;
            for (; c < end; c++) part += (float)q[c] * x[c];
            sum += part * et_load_f32(row + (size_t)g * 4);
        }
        y[r] = sum;
    }
    return ET_OK;
}

/* The signed nibble value of a 4-bit code. */
#define ET_S4(n) ((((int)(n)) ^ 8) - 8)

/* Partial sum over columns [c, end) of 4-bit values starting at v (value c is in byte c/2, low nibble first). */
static float q4_part(const uint8_t *v, int c, int end, const float *x)
{
    float part = 0.0f;
    if (c & 1)
    {
        part += (float)ET_S4(v[c >> 1] >> 4) * x[c];
        c++;
    }
    for (; c + 1 < end; c += 2)
    {
        int b = v[c >> 1];
        part += (float)ET_S4(b & 15) * x[c];
        part += (float)ET_S4(b >> 4) * x[c + 1];
    }
    if (c < end) part += (float)ET_S4(v[c >> 1] & 15) * x[c];
    return part;
}

int et_matvec_q(const uint8_t *w, const float *x, float *y, int rows, int cols, int bits, int group_size)
{
    int groups, r;
    size_t row_bytes;
    if (bits == 8) return et_matvec_q8(w, x, y, rows, cols, group_size);
    if (!et_bits_valid(bits) || bad_shape(w, group_size, rows, cols, x, y)) return ET_EINVAL;
    groups = et_groups(cols, group_size);
    row_bytes = (size_t)groups * 4 + (size_t)et_packed_bytes(cols, bits);
    for (r = 0; r < rows; r++)
    {
        const uint8_t *row = w + (size_t)r * row_bytes;
        const uint8_t *values = row + (size_t)groups * 4;
        float sum = 0.0f;
        et_bits rd;
        int g;
        et_bits_init(&rd, values, bits);
        for (g = 0; g < groups; g++)
        {
            int c = g * group_size, end = group_end(c, group_size, cols);
            float part = 0.0f;
            if (bits == 4) part = q4_part(values, c, end, x);
            else
                for (; c < end; c++) part += (float)et_bits_next(&rd) * x[c];
            sum += part * et_load_f32(row + (size_t)g * 4);
        }
        y[r] = sum;
    }
    return ET_OK;
}

int et_matvec_sparse_q(const uint8_t *w, const float *x, float *y, int rows, int cols, int bits, int kept,
                       int group_size)
{
    int groups, r;
    size_t bitmap_bytes, row_bytes;
    if (!et_bits_valid(bits) || kept < 0 || kept > cols || bad_shape(w, group_size, rows, cols, x, y)) return ET_EINVAL;
    groups = et_groups(cols, group_size);
    bitmap_bytes = ((size_t)cols + 7) / 8;
    row_bytes = (size_t)groups * 4 + bitmap_bytes + (size_t)et_packed_bytes(kept, bits);
    for (r = 0; r < rows; r++)
    {
        const uint8_t *row = w + (size_t)r * row_bytes;
        const uint8_t *bitmap = row + (size_t)groups * 4;
        int left = kept; /* a bitmap with more bits set than kept must not read past the row: extras count as pruned */
        float sum = 0.0f;
        et_bits rd;
        int g;
        et_bits_init(&rd, bitmap + bitmap_bytes, bits);
        for (g = 0; g < groups; g++)
        {
            int c = g * group_size, end = group_end(c, group_size, cols);
            float part = 0.0f;
            for (; c < end; c++)
            {
                if (((bitmap[c >> 3] >> (c & 7)) & 1) == 0 || left == 0) continue;
                left--;
                part += (float)et_bits_next(&rd) * x[c];
            }
            sum += part * et_load_f32(row + (size_t)g * 4);
        }
        y[r] = sum;
    }
    return ET_OK;
}
