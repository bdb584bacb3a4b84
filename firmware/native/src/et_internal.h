/* Helpers shared by the kernel sources: little-endian float reads and a packed-value reader. Not part of the API. */
#ifndef ET_INTERNAL_H
#define ET_INTERNAL_H

#include "edgetiny_kernels.h"

/* Number of groups in a row of cols values (no overflow for any group_size >= 1). */
static inline int et_groups(int cols, int group_size)
{
    return cols == 0 ? 0 : (cols - 1) / group_size + 1;
}

/* Bytes of n packed b-bit values (64-bit: no overflow for any int n, even where size_t has 32 bits). */
static inline int64_t et_packed_bytes(int n, int bits)
{
    return ((int64_t)n * bits + 7) / 8;
}

/*
 * The little-endian float32 at p, any alignment. Assembling the bytes (instead of a cast) is what makes unaligned
 * reads safe on Xtensa and RISC-V; compilers turn it into a single load where the target allows it.
 */
static inline float et_load_f32(const uint8_t *p)
{
    union { uint32_t u; float f; } v;
    v.u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return v.f;
}

/*
 * Sequential reader of signed b-bit values packed LSB-first. It loads a byte only when the next value needs it, so
 * it never reads past the byte holding the last value it returns.
 */
typedef struct
{
    const uint8_t *p;
    uint32_t buf;  /* unread bits, lowest first */
    int n;         /* how many */
    int bits;
    uint32_t mask; /* (1 << bits) - 1 */
    int sign;      /* 1 << (bits - 1) */
} et_bits;

static inline void et_bits_init(et_bits *r, const uint8_t *p, int bits)
{
    r->p = p;
    r->buf = 0;
    r->n = 0;
    r->bits = bits;
    r->mask = (1u << bits) - 1u;
    r->sign = 1 << (bits - 1);
}

static inline int et_bits_next(et_bits *r)
{
    int v;
    if (r->n < r->bits)
    {
        r->buf |= (uint32_t)*r->p++ << r->n;
        r->n += 8;
    }
    v = (int)(r->buf & r->mask);
    r->buf >>= r->bits;
    r->n -= r->bits;
    return (v ^ r->sign) - r->sign; /* sign-extend from b bits */
}

/* [off, off + n) lies inside an array of len elements; an empty range always does. */
static inline int et_in_range(int32_t len, int32_t off, int64_t n)
{
    if (n == 0) return 1;
    return n > 0 && off >= 0 && (int64_t)off + n <= (int64_t)len;
}

/*
 * count rows of width elements, row s starting at off + s * stride, lie inside an array of len elements (nothing is
 * read when count or width is 0). stride >= 0.
 */
static inline int et_in_range_strided(int32_t len, int32_t off, int count, int64_t stride, int64_t width)
{
    if (count == 0 || width == 0) return 1;
    return et_in_range(len, off, (int64_t)(count - 1) * stride + width);
}

static inline int et_bits_valid(int bits)
{
    return bits >= 2 && bits <= 8;
}

/* Shared by the forward kernels and their backward passes (et_vector.c). */
/* RoPE by +angle (direction 1, et_rope) or -angle (direction -1, et_rope_inverse). */
int et_rope_turn(const float *cos_table, const float *sin_table, float *v, int length, int head_size, float direction);
/* out = softmax(x[0..n)) (out may be x), with the max it subtracted and the sum of exponentials it divided by; n >= 1. */
void et_softmax_into(const float *x, int n, float *out, float *max_out, float *sum_out);

#endif /* ET_INTERNAL_H */
