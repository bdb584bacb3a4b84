/*
 * EdgeTiny native kernels: the hot loops of EdgeTiny.Runtime in plain C99, for nanoFramework interop on ESP32
 * (Xtensa and RISC-V) and for host tests.
 *
 * Contract: each kernel computes what the C# reference EdgeTiny.Runtime.Kernels.PortableKernels computes for the
 * same bytes (runtime/EdgeTiny.Runtime/Kernels/PortableKernels.cs), up to float rounding: sums may be formed in a
 * different order or with fused multiply-adds, so results agree within 1e-5 of the sum of |terms|, not bit for bit.
 *
 * Row layouts (EdgeTiny.Runtime.Format.Codec, runtime/EdgeTiny.Runtime/Format/EtbLayout.cs):
 *   groups = ceil(cols / group_size); the last group may be short.
 *   Codec.Q, b bits (2..8): groups little-endian IEEE float32 scales, then cols signed b-bit values packed
 *     LSB-first (value i occupies bits i*b .. i*b+b-1 of the byte stream; two's complement, so -2^(b-1)..2^(b-1)-1),
 *     in ceil(cols*b/8) bytes. For b = 8 the values are plain int8 bytes. Weight = value * scale of its group.
 *   Codec.SparseQ: groups float32 scales, a ceil(cols/8)-byte bitmap (column c kept iff bit c%8 of byte c/8 is set),
 *     then `kept` packed b-bit values in column order, in ceil(kept*b/8) bytes. Every row keeps the same number.
 *   FFN bundle (FfnBundles): a row of 2*dim values, the up row (columns 0..dim-1) then the down column
 *     (columns dim..2*dim-1), stored as Codec.F32 (2*dim little-endian float32) or as one Codec.Q row of 2*dim
 *     values (groups run along the whole row and may straddle the up/down boundary).
 *   Rows follow each other with no padding; row r starts at w + r * row_bytes.
 *
 * Memory: kernels read only the bytes the layout defines (never past the last packed byte), need no alignment
 * (floats are assembled from bytes), allocate nothing and keep no state. Inputs and outputs must not overlap.
 *
 * Memory exceptions: et_rmsnorm's output may be its input (o == x); et_softmax, et_rope and et_gated_activation work in
 * place.
 *
 * Math: et_rmsnorm, et_softmax and et_gated_activation (silu) need sqrtf / expf (compiler builtins: a libm call, or an
 * instruction where the FPU has one); everything else is multiplies and adds.
 *
 * Return values: ET_OK, or ET_EINVAL for a bad parameter (nothing is written then).
 */
#ifndef EDGETINY_KERNELS_H
#define EDGETINY_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ET_OK 0
#define ET_EINVAL (-1) /* bits outside 2..8, group_size < 1, negative count, kept > cols, unknown codec, NULL */
#define ET_ERANGE (-2) /* (checked entry points) an offset + length outside its array */

/* Activation numbers, as in ModelConfig: silu (SwiGLU) and relu. */
#define ET_ACT_SILU 0
#define ET_ACT_RELU 1

/* Codec numbers, as in Codec (EtbLayout.cs). */
#define ET_CODEC_F32 1
#define ET_CODEC_Q 2

/*
 * Argument order, as in IKernels: input arrays, then the output array, then sizes (rows, cols / count, dim), then
 * parameters (codec, bits, kept, group_size). The checked entry points follow each array with its length and offset.
 */

/* Bytes of one stored row (the stride between rows), or -1 for bad parameters, as Codec.RowBytes. */
int64_t et_q_row_bytes(int cols, int bits, int group_size);
int64_t et_sparse_row_bytes(int cols, int bits, int kept, int group_size);
int64_t et_bundle_row_bytes(int dim, int codec, int bits, int group_size); /* F32 ignores bits and group_size */

/*
 * W (rows, cols) @ x (cols) -> y (rows): y[r] = sum_c weight(r, c) * x[c] for r in [0, rows), over Codec.Q rows of
 * int8 values (IKernels.MatVecQ8). w: rows * et_q_row_bytes(cols, 8, group_size) bytes; x: cols floats;
 * y: rows floats (overwritten).
 */
int et_matvec_q8(const uint8_t *w, const float *x, float *y, int rows, int cols, int group_size);

/*
 * The same over Codec.Q rows of any width 2..8 (IKernels.MatVecQ); 8 bits runs et_matvec_q8, 4 bits a nibble loop.
 * w: rows * et_q_row_bytes(cols, bits, group_size) bytes.
 */
int et_matvec_q(const uint8_t *w, const float *x, float *y, int rows, int cols, int bits, int group_size);

/*
 * The same over Codec.SparseQ rows (IKernels.MatVecSparseQ): pruned columns contribute nothing.
 * w: rows * et_sparse_row_bytes(cols, bits, kept, group_size) bytes.
 */
int et_matvec_sparse_q(const uint8_t *w, const float *x, float *y, int rows, int cols, int bits, int kept,
                       int group_size);

/*
 * Sparse FFN over `count` consecutive bundles (IKernels.FfnBundles): bundles (count, 2*dim), x (dim), act (count)
 * -> out (dim), accumulated. For bundle b with a = act[b] != 0: u = up_b . x (dim terms), then
 * out[c] += (a * u) * down_b[c] for c in [0, dim). Bundles with a == 0 (either sign) read nothing.
 * data: count * et_bundle_row_bytes(dim, codec, bits, group_size) bytes; x: dim floats; act: count floats;
 * out: dim floats (accumulated into, not cleared).
 */
int et_ffn_bundles(const uint8_t *data, const float *x, const float *act, float *out, int count, int dim, int codec,
                   int bits, int group_size);

/* W (rows, cols) float @ x (cols) -> y (rows), overwritten (IKernels.MatVecF32). */
int et_matvec_f32(const float *w, const float *x, float *y, int rows, int cols);

/*
 * The transposed products of tuning, accumulated (IKernels.MatTVecF32, MatTVecQ, MatTVecSparseQ): W (rows, cols)^T @
 * dy (rows) -> dx (cols): dx[c] += dy[r] * weight(r, c); rows whose dy is exactly 0 are skipped. MatTVecQ takes any
 * width 2..8 (8 bits as int8 bytes).
 */
int et_mattvec_f32(const float *w, const float *dy, float *dx, int rows, int cols);
int et_mattvec_q(const uint8_t *w, const float *dy, float *dx, int rows, int cols, int bits, int group_size);
int et_mattvec_sparse_q(const uint8_t *w, const float *dy, float *dx, int rows, int cols, int bits, int kept,
                        int group_size);

/* Vector helpers (IKernels.Dot, Axpy, DotQ8, AxpyQ8): sum a[i] * b[i]; y[i] += alpha * x[i]; the same over int8 q. */
float et_dot(const float *a, const float *b, int n);
void et_axpy(float alpha, const float *x, float *y, int n);
float et_dot_q8(const float *a, const uint8_t *q, int n);
void et_axpy_q8(float alpha, const uint8_t *q, float *y, int n);

/* x (size), w (size) -> o (size): o[i] = w[i] * (x[i] / sqrt(mean(x^2) + eps)) (IKernels.RmsNorm). size >= 1. */
int et_rmsnorm(const float *x, const float *w, float *o, int size, float eps);

/* In-place softmax of x[0 .. size) (IKernels.Softmax). size >= 1. */
int et_softmax(float *x, int size);

/*
 * Rotary position embedding in place (IKernels.Rope): for i even in [0, length), p = (i mod head_size) / 2,
 * (v[i], v[i+1]) <- (v[i] cos[p] - v[i+1] sin[p], v[i] sin[p] + v[i+1] cos[p]). length and head_size even.
 */
int et_rope(const float *cos_table, const float *sin_table, float *v, int length, int head_size);

/* gate[i] = act(gate[i]) * up[i]; act = silu (ET_ACT_SILU) or relu (ET_ACT_RELU) (IKernels.GatedActivation). */
int et_gated_activation(float *gate, const float *up, int n, int activation);

/*
 * Attention of one head (IKernels.AttentionScores, AttentionValues, AttentionScoresQ8, AttentionValuesQ8). Key / value
 * row s starts at s * stride; its int8 scale at s * scale_stride.
 *   scores[s] = (q . key_s) / scale;                    int8: (q . key_s) * key_scales[s * scale_stride] / scale
 *   out = sum_s weights[s] * value_s (out overwritten); int8: value_s scaled by value_scales[s * scale_stride]
 */
int et_attention_scores(const float *q, const float *keys, float *scores, int count, int head_size, int stride,
                        float scale);
int et_attention_values(const float *weights, const float *values, float *out, int count, int head_size, int stride);
int et_attention_scores_q8(const float *q, const uint8_t *keys, const float *key_scales, float *scores, int count,
                           int head_size, int stride, int scale_stride, float scale);
int et_attention_values_q8(const float *weights, const uint8_t *values, const float *value_scales, float *out,
                           int count, int head_size, int stride, int scale_stride);

/*
 * Tuning (IKernels.Ger, AdamStep).
 *   et_ger: a (rows, cols; row r at r * stride) += (alpha * x) y^T, row by row: g = alpha * x[r];
 *   a[r * stride + c] += g * y[c]. Every row is added (no skipping of g = 0). stride >= 0 (BLAS lda).
 *   et_adam_step: for j in [0, n): gj = g[j] * grad_scale; m[j] = beta1 m[j] + (1 - beta1) gj;
 *   v[j] = beta2 v[j] + (1 - beta2) gj gj; p[j] -= learning_rate (m[j] / c1) / (sqrt(v[j] / c2) + epsilon).
 */
int et_ger(float alpha, const float *x, const float *y, float *a, int rows, int cols, int stride);
int et_adam_step(const float *g, float *m, float *v, float *p, int n, float grad_scale, float learning_rate,
                 float beta1, float beta2, float c1, float c2, float epsilon);

/*
 * Checked entry points with the C# signatures of IKernels: whole arrays (first element + length in elements) and
 * offsets, for the nanoFramework interop glue (Array->GetFirstElement(), Array->m_numOfElements). They check every
 * offset and length against its array (64-bit arithmetic, no overflow) and return ET_ERANGE before touching
 * anything, where the C# reference would throw IndexOutOfRangeException part way through. A range of zero elements
 * is always accepted. Then they run the kernel above on the offset pointers.
 */
int et_matvec_q8_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                         float *y, int32_t y_len, int32_t y_off, int rows, int cols, int group_size);
int et_matvec_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                        float *y, int32_t y_len, int32_t y_off, int rows, int cols, int bits, int group_size);
int et_matvec_sparse_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off,
                               const float *x, int32_t x_len, int32_t x_off, float *y, int32_t y_len, int32_t y_off,
                               int rows, int cols, int bits, int kept, int group_size);
int et_ffn_bundles_checked(const uint8_t *data, int32_t data_len, int32_t data_off,
                           const float *x, int32_t x_len, int32_t x_off, const float *act, int32_t act_len,
                           int32_t act_off, float *out, int32_t out_len, int32_t out_off,
                           int count, int dim, int codec, int bits, int group_size);

/*
 * The same for the other IKernels members. Arrays the C# signature passes without an offset (RmsNorm's x and o,
 * GatedActivation's gate and up, Rope's tables) come with their length only. Dot and DotQ8 return their value
 * through `result` (written only on ET_OK).
 */
int et_matvec_f32_checked(const float *w, int32_t w_len, int32_t w_off, const float *x, int32_t x_len, int32_t x_off,
                          float *y, int32_t y_len, int32_t y_off, int rows, int cols);
int et_mattvec_f32_checked(const float *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                           int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols);
int et_mattvec_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                         int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols, int bits,
                         int group_size);
int et_mattvec_sparse_q_checked(const uint8_t *w, int32_t w_len, int32_t w_off, const float *dy, int32_t dy_len,
                                int32_t dy_off, float *dx, int32_t dx_len, int32_t dx_off, int rows, int cols,
                                int bits, int kept, int group_size);
int et_rmsnorm_checked(const float *x, int32_t x_len, const float *w, int32_t w_len, int32_t w_off, float *o,
                       int32_t o_len, int size, float eps);
int et_softmax_checked(float *x, int32_t x_len, int32_t off, int size);
int et_rope_checked(const float *cos_table, int32_t cos_len, const float *sin_table, int32_t sin_len, float *v,
                    int32_t v_len, int32_t v_off, int length, int head_size);
int et_dot_checked(const float *a, int32_t a_len, int32_t a_off, const float *b, int32_t b_len, int32_t b_off, int n,
                   float *result);
int et_axpy_checked(float alpha, const float *x, int32_t x_len, int32_t x_off, float *y, int32_t y_len, int32_t y_off,
                    int n);
int et_dot_q8_checked(const float *a, int32_t a_len, int32_t a_off, const uint8_t *q, int32_t q_len, int32_t q_off,
                      int n, float *result);
int et_axpy_q8_checked(float alpha, const uint8_t *q, int32_t q_len, int32_t q_off, float *y, int32_t y_len,
                       int32_t y_off, int n);
int et_gated_activation_checked(float *gate, int32_t gate_len, const float *up, int32_t up_len, int n, int activation);
int et_attention_scores_checked(const float *q, int32_t q_len, int32_t q_off, const float *keys, int32_t keys_len,
                                int32_t keys_off, float *scores, int32_t scores_len, int32_t scores_off, int count,
                                int head_size, int stride, float scale);
int et_attention_values_checked(const float *weights, int32_t weights_len, int32_t weights_off, const float *values,
                                int32_t values_len, int32_t values_off, float *out, int32_t out_len, int32_t out_off,
                                int count, int head_size, int stride);
int et_attention_scores_q8_checked(const float *q, int32_t q_len, int32_t q_off, const uint8_t *keys,
                                   int32_t keys_len, int32_t keys_off, const float *key_scales, int32_t scales_len,
                                   int32_t scales_off, float *scores, int32_t scores_len, int32_t scores_off,
                                   int count, int head_size, int stride, int scale_stride, float scale);
int et_attention_values_q8_checked(const float *weights, int32_t weights_len, int32_t weights_off,
                                   const uint8_t *values, int32_t values_len, int32_t values_off,
                                   const float *value_scales, int32_t scales_len, int32_t scales_off, float *out,
                                   int32_t out_len, int32_t out_off, int count, int head_size, int stride,
                                   int scale_stride);
int et_ger_checked(float alpha, const float *x, int32_t x_len, int32_t x_off, const float *y, int32_t y_len,
                   int32_t y_off, float *a, int32_t a_len, int32_t a_off, int rows, int cols, int stride);
int et_adam_step_checked(const float *g, int32_t g_len, float *m, int32_t m_len, float *v, int32_t v_len, float *p,
                         int32_t p_len, int n, float grad_scale, float learning_rate, float beta1, float beta2,
                         float c1, float c2, float epsilon);

#ifdef __cplusplus
}
#endif

#endif /* EDGETINY_KERNELS_H */
