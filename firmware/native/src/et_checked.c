/*
 * Entry points with IKernels' signatures (whole arrays + offsets) for the nanoFramework interop glue: every range is
 * checked against its array before a kernel runs, so bad managed arguments become an exception, never a stray write.
 */
#include "et_internal.h"

/* Shared by the three matvecs once the row size is known (row_bytes < 0: bad parameters). */
static int check_matvec(int64_t row_bytes, int rows, int cols, int32_t w_len, int32_t w_off,
                        int32_t x_len, int32_t x_off, int32_t y_len, int32_t y_off)
{
    if (row_bytes < 0 || rows < 0) return ET_EINVAL;
    if (!et_in_range(w_len, w_off, (int64_t)rows * row_bytes) || !et_in_range(y_len, y_off, rows)) return ET_ERANGE;
    if (rows > 0 && !et_in_range(x_len, x_off, cols)) return ET_ERANGE;
    return ET_OK;
}

int et_matvec_q8_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                         float *y, int32_t y_len, int32_t y_off, int rows, int cols, int group_size)
{
    int rc = check_matvec(et_q_row_bytes(cols, 8, group_size), rows, cols, w_len, w_off, x_len, x_off, y_len, y_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_matvec_q8(w + w_off, x + x_off, y + y_off, rows, cols, group_size);
}

int et_matvec_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                        float *y, int32_t y_len, int32_t y_off, int rows, int cols, int bits, int group_size)
{
    int rc = check_matvec(et_q_row_bytes(cols, bits, group_size), rows, cols, w_len, w_off, x_len, x_off, y_len, y_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_matvec_q(w + w_off, x + x_off, y + y_off, rows, cols, bits, group_size);
}

int et_matvec_sparse_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off,
                               const float *x, int32_t x_len, int32_t x_off, float *y, int32_t y_len, int32_t y_off,
                               int rows, int cols, int bits, int kept, int group_size)
{
    int rc = check_matvec(et_sparse_row_bytes(cols, bits, kept, group_size), rows, cols,
                          w_len, w_off, x_len, x_off, y_len, y_off);
    if (rc != ET_OK || rows == 0) return rc;
    return et_matvec_sparse_q(w + w_off, x + x_off, y + y_off, rows, cols, bits, kept, group_size);
}

int et_ffn_bundles_checked(const uint8_t *data, int32_t data_len, int32_t data_off,
                           const float *x, int32_t x_len, int32_t x_off, const float *act, int32_t act_len,
                           int32_t act_off, float *out, int32_t out_len, int32_t out_off,
                           int count, int dim, int codec, int bits, int group_size)
{
    int64_t row_bytes = et_bundle_row_bytes(dim, codec, bits, group_size);
    if (row_bytes < 0 || count < 0) return ET_EINVAL;
    if (count == 0) return ET_OK;
    if (!et_in_range(data_len, data_off, (int64_t)count * row_bytes) || !et_in_range(act_len, act_off, count)
        || !et_in_range(x_len, x_off, dim) || !et_in_range(out_len, out_off, dim))
        return ET_ERANGE;
    return et_ffn_bundles(data + data_off, x + x_off, act + act_off, out + out_off, count, dim, codec, bits,
                          group_size);
}
