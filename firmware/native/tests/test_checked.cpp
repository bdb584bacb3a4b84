// Hand-computed cases and the argument checks of the checked entry points (what the interop glue relies on).
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "edgetiny_kernels.h"

namespace
{
void PutFloat(std::vector<uint8_t> &b, float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

// Packs signed b-bit values LSB-first, like the converter's GroupQuantizer.Pack.
void Pack(std::vector<uint8_t> &b, const std::vector<int> &values, int bits)
{
    size_t at = b.size();
    b.resize(at + (values.size() * bits + 7) / 8, 0);
    for (size_t i = 0; i < values.size(); i++)
    {
        size_t bit = i * bits;
        unsigned v = static_cast<unsigned>(values[i]) & ((1u << bits) - 1);
        b[at + bit / 8] |= static_cast<uint8_t>(v << (bit % 8));
        if (bit % 8 + bits > 8) b[at + bit / 8 + 1] |= static_cast<uint8_t>(v >> (8 - bit % 8));
    }
}

int32_t Len(const std::vector<uint8_t> &v) { return static_cast<int32_t>(v.size()); }
int32_t Len(const std::vector<float> &v) { return static_cast<int32_t>(v.size()); }
} // namespace

TEST(RowBytes, MatchCodecRowBytes)
{
    EXPECT_EQ(et_q_row_bytes(64, 8, 32), 2 * 4 + 64);
    EXPECT_EQ(et_q_row_bytes(172, 4, 32), 6 * 4 + 86);
    EXPECT_EQ(et_q_row_bytes(40, 3, 7), 6 * 4 + 15);
    EXPECT_EQ(et_sparse_row_bytes(75, 3, 50, 32), 3 * 4 + 10 + 19);
    EXPECT_EQ(et_bundle_row_bytes(7, ET_CODEC_F32, 0, 0), 56);
    EXPECT_EQ(et_bundle_row_bytes(48, ET_CODEC_Q, 5, 32), 3 * 4 + 60);
    EXPECT_EQ(et_q_row_bytes(64, 1, 32), -1);
    EXPECT_EQ(et_q_row_bytes(64, 9, 32), -1);
    EXPECT_EQ(et_q_row_bytes(64, 4, 0), -1);
    EXPECT_EQ(et_sparse_row_bytes(64, 4, 65, 32), -1);
    EXPECT_EQ(et_bundle_row_bytes(64, 3, 4, 32), -1);
    EXPECT_EQ(et_q_row_bytes(INT_MAX, 8, 1), 5LL * INT_MAX); // 64-bit: no overflow
}

TEST(Known, Q8TwoGroupsShortLast)
{
    std::vector<uint8_t> w;
    PutFloat(w, 0.5f);
    PutFloat(w, 2.0f);
    w.insert(w.end(), {1, 0xFE, 3}); // 1, -2, 3
    std::vector<float> x{1, 2, 3}, y{0};
    ASSERT_EQ(et_matvec_q8(w.data(), x.data(), y.data(), 1, 3, 2), ET_OK);
    EXPECT_FLOAT_EQ(y[0], (1 * 1 - 2 * 2) * 0.5f + 3 * 3 * 2.0f);
    y[0] = 0;
    ASSERT_EQ(et_matvec_q(w.data(), x.data(), y.data(), 1, 3, 8, 2), ET_OK); // 8 bits through the generic entry
    EXPECT_FLOAT_EQ(y[0], 16.5f);
}

TEST(Known, Q4EveryExtremeCode)
{
    std::vector<uint8_t> w;
    PutFloat(w, 1.0f);
    w.insert(w.end(), {0x78, 0x0F}); // -8, 7, -1, 0
    std::vector<float> x{1, 10, 100, 1000}, y{0};
    ASSERT_EQ(et_matvec_q(w.data(), x.data(), y.data(), 1, 4, 4, 4), ET_OK);
    EXPECT_FLOAT_EQ(y[0], -8 + 70 - 100);
}

TEST(Known, EveryWidthEveryCode)
{
    for (int bits = 2; bits <= 8; bits++)
    {
        std::vector<int> values;
        for (int v = -(1 << (bits - 1)); v < (1 << (bits - 1)); v++) values.push_back(v);
        int cols = static_cast<int>(values.size());
        std::vector<uint8_t> w;
        PutFloat(w, 0.25f);
        Pack(w, values, bits);
        std::vector<float> x(cols), y{0};
        float expected = 0;
        for (int c = 0; c < cols; c++)
        {
            x[c] = static_cast<float>(c % 5) - 2.0f;
            expected += values[c] * x[c];
        }
        ASSERT_EQ(et_matvec_q(w.data(), x.data(), y.data(), 1, cols, bits, cols), ET_OK);
        EXPECT_FLOAT_EQ(y[0], expected * 0.25f) << bits << " bits";
    }
}

TEST(Known, SparseTwoGroups)
{
    std::vector<uint8_t> w;
    PutFloat(w, 1.0f);
    PutFloat(w, 0.5f);
    w.insert(w.end(), {0x12, 0x02}); // columns 1, 4, 9
    Pack(w, {-2, 1, -1}, 2);
    std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y{0};
    ASSERT_EQ(et_matvec_sparse_q(w.data(), x.data(), y.data(), 1, 10, 2, 3, 8), ET_OK);
    EXPECT_FLOAT_EQ(y[0], (-2 * 2 + 1 * 5) * 1.0f + (-1 * 10) * 0.5f);
}

TEST(Known, SparseBitmapWithExtraBitsReadsNoFurther)
{
    std::vector<uint8_t> w;
    PutFloat(w, 1.0f);
    w.push_back(0x0F); // four columns marked, three kept: the fourth must not read past the row
    Pack(w, {1, 2, 3}, 8);
    std::vector<float> x{1, 1, 1, 100}, y{0};
    ASSERT_EQ(et_matvec_sparse_q(w.data(), x.data(), y.data(), 1, 4, 8, 3, 4), ET_OK);
    EXPECT_FLOAT_EQ(y[0], 6.0f);
}

TEST(Known, FfnBundlesQ8AndF32)
{
    // Bundle 0 (act 2): up (1, 2) at scale 1, down (3, 4) at scale 0.5. Bundle 1 (act 0): never read.
    std::vector<uint8_t> q;
    PutFloat(q, 1.0f);
    PutFloat(q, 0.5f);
    q.insert(q.end(), {1, 2, 3, 4});
    q.insert(q.end(), 12, 0xFF);
    std::vector<float> x{1, 1}, act{2, 0}, out{10, 20};
    ASSERT_EQ(et_ffn_bundles(q.data(), x.data(), act.data(), out.data(), 2, 2, ET_CODEC_Q, 8, 2), ET_OK);
    EXPECT_FLOAT_EQ(out[0], 10 + 2 * 3 * 1.5f);
    EXPECT_FLOAT_EQ(out[1], 20 + 2 * 3 * 2.0f);

    std::vector<uint8_t> f;
    for (float v : {1.0f, 2.0f, 1.5f, 2.0f}) PutFloat(f, v);
    out = {10, 20};
    ASSERT_EQ(et_ffn_bundles(f.data(), x.data(), act.data(), out.data(), 1, 2, ET_CODEC_F32, 0, 0), ET_OK);
    EXPECT_FLOAT_EQ(out[0], 19.0f);
    EXPECT_FLOAT_EQ(out[1], 32.0f);
}

TEST(Checked, BadParametersAreInvalid)
{
    std::vector<uint8_t> w(256, 0);
    std::vector<float> x(16, 1), y(16, 7);
    EXPECT_EQ(et_matvec_q_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, y.data(), Len(y), 0, 2, 8, 1, 8),
              ET_EINVAL);
    EXPECT_EQ(et_matvec_q_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, y.data(), Len(y), 0, 2, 8, 9, 8),
              ET_EINVAL);
    EXPECT_EQ(et_matvec_q8_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, y.data(), Len(y), 0, 2, 8, 0), ET_EINVAL);
    EXPECT_EQ(et_matvec_q8_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, y.data(), Len(y), 0, -1, 8, 8), ET_EINVAL);
    EXPECT_EQ(et_matvec_sparse_q_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, y.data(), Len(y), 0, 2, 8, 4, 9, 8),
              ET_EINVAL);
    EXPECT_EQ(et_ffn_bundles_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, x.data(), Len(x), 0, y.data(), Len(y),
                                     0, 1, 8, 3, 4, 8),
              ET_EINVAL);
    EXPECT_EQ(et_ffn_bundles_checked(w.data(), Len(w), 0, x.data(), Len(x), 0, x.data(), Len(x), 0, y.data(), Len(y),
                                     0, -1, 8, ET_CODEC_Q, 4, 8),
              ET_EINVAL);
    for (float v : y) EXPECT_EQ(v, 7.0f);
}

TEST(Checked, RangesOutsideTheirArraysAreRejectedBeforeAnyWrite)
{
    const int rows = 3, cols = 10, group = 4; // q8: 3 groups -> 22 bytes per row
    std::vector<uint8_t> w(5 + rows * 22, 0);
    std::vector<float> x(2 + cols, 1), y(1 + rows, 7);
    auto q8 = [&](int32_t w_len, int32_t w_off, int32_t x_len, int32_t x_off, int32_t y_len, int32_t y_off, int r) {
        return et_matvec_q8_checked(w.data(), w_len, w_off, x.data(), x_len, x_off, y.data(), y_len, y_off, r, cols,
                                    group);
    };
    EXPECT_EQ(q8(Len(w), 5, Len(x), 2, Len(y), 1, rows), ET_OK);
    EXPECT_EQ(q8(Len(w), 6, Len(x), 2, Len(y), 1, rows), ET_ERANGE);     // weights one byte short
    EXPECT_EQ(q8(Len(w), -1, Len(x), 2, Len(y), 1, rows), ET_ERANGE);    // negative offset
    EXPECT_EQ(q8(Len(w), 5, Len(x), 3, Len(y), 1, rows), ET_ERANGE);     // x one short
    EXPECT_EQ(q8(Len(w), 5, Len(x), 2, Len(y), 2, rows), ET_ERANGE);     // y one short
    EXPECT_EQ(q8(Len(w), 5, Len(x), 2, Len(y), 1, INT_MAX), ET_ERANGE);  // rows * rowBytes beyond 32 bits
    EXPECT_EQ(q8(0, 1000, 0, 1000, 0, 1000, 0), ET_OK);                  // no rows: nothing to check or touch
    std::fill(y.begin(), y.end(), 7.0f);
    EXPECT_EQ(q8(Len(w), 6, Len(x), 2, Len(y), 1, rows), ET_ERANGE);
    for (float v : y) EXPECT_EQ(v, 7.0f);

    // FFN: two q4 bundles of dim 4, group 4 (2 scales + 4 bytes = 12 bytes each).
    std::vector<uint8_t> d(24, 0);
    std::vector<float> act{1, 1}, out(4, 0);
    auto ffn = [&](int32_t d_len, int32_t a_len, int32_t a_off, int32_t o_len) {
        return et_ffn_bundles_checked(d.data(), d_len, 0, x.data(), Len(x), 0, act.data(), a_len, a_off, out.data(),
                                      o_len, 0, 2, 4, ET_CODEC_Q, 4, 4);
    };
    EXPECT_EQ(ffn(24, 2, 0, 4), ET_OK);
    EXPECT_EQ(ffn(23, 2, 0, 4), ET_ERANGE);
    EXPECT_EQ(ffn(24, 2, 1, 4), ET_ERANGE);
    EXPECT_EQ(ffn(24, 2, 0, 3), ET_ERANGE);
}

TEST(Known, RopeSoftmaxRmsNormActivation)
{
    // A quarter turn of the first pair (cos 0, sin 1) and none of the second (cos 1, sin 0): (1, 2) -> (-2, 1).
    std::vector<float> cos_t{0, 1}, sin_t{1, 0}, v{1, 2, 3, 4};
    ASSERT_EQ(et_rope_checked(cos_t.data(), 2, sin_t.data(), 2, v.data(), 4, 0, 4, 4), ET_OK);
    EXPECT_EQ(v, (std::vector<float>{-2, 1, 3, 4}));
    std::vector<float> s{0, 0, 0, 0};
    ASSERT_EQ(et_softmax_checked(s.data(), 4, 1, 2), ET_OK);
    EXPECT_EQ(s, (std::vector<float>{0, 0.5f, 0.5f, 0}));
    std::vector<float> x{3, 4}, w{1, 2}; // mean of squares 12.5
    ASSERT_EQ(et_rmsnorm_checked(x.data(), 2, w.data(), 2, 0, x.data(), 2, 2, 0.0f), ET_OK); // in place
    EXPECT_FLOAT_EQ(x[0], 3 / std::sqrt(12.5f));
    EXPECT_FLOAT_EQ(x[1], 8 / std::sqrt(12.5f));
    std::vector<float> gate{-1, 2}, up{5, 3};
    ASSERT_EQ(et_gated_activation_checked(gate.data(), 2, up.data(), 2, 2, ET_ACT_RELU), ET_OK);
    EXPECT_EQ(gate, (std::vector<float>{0, 6}));
}

TEST(Known, AttentionQ8UsesEachPositionsScale)
{
    std::vector<float> q{1, 2}, scales{0.5f, 0, 2, 0}, scores(2); // scale stride 2
    std::vector<uint8_t> keys{1, 1, 0xFF, 3};                     // rows (1, 1), (-1, 3), stride 2
    ASSERT_EQ(et_attention_scores_q8_checked(q.data(), 2, 0, keys.data(), 4, 0, scales.data(), 4, 0, scores.data(), 2, 0,
                                             2, 2, 2, 2, 2.0f),
              ET_OK);
    EXPECT_EQ(scores, (std::vector<float>{0.75f, 5.0f})); // 3 * 0.5 / 2, 5 * 2 / 2
    std::vector<float> weights{1, 0.5f}, out{9, 9};
    ASSERT_EQ(et_attention_values_q8_checked(weights.data(), 2, 0, keys.data(), 4, 0, scales.data(), 4, 0, out.data(), 2,
                                             0, 2, 2, 2, 2),
              ET_OK);
    EXPECT_EQ(out, (std::vector<float>{0.5f - 1, 0.5f + 3})); // overwritten, not accumulated
}

TEST(Checked, NewKernelsRejectBadArgumentsBeforeAnyWrite)
{
    std::vector<float> a(16, 1.0f), y(16, 7.0f);
    std::vector<uint8_t> q(16, 1);
    float r = 42;
    EXPECT_EQ(et_gated_activation_checked(y.data(), 16, a.data(), 16, 4, 2), ET_EINVAL);                 // activation
    EXPECT_EQ(et_rope_checked(a.data(), 4, a.data(), 4, y.data(), 16, 0, 3, 8), ET_EINVAL);              // odd length
    EXPECT_EQ(et_rope_checked(a.data(), 3, a.data(), 4, y.data(), 16, 0, 8, 8), ET_ERANGE);              // table short
    EXPECT_EQ(et_softmax_checked(y.data(), 16, 10, 7), ET_ERANGE);                                       // one past
    EXPECT_EQ(et_rmsnorm_checked(a.data(), 16, a.data(), 16, 1, y.data(), 16, 16, 1e-5f), ET_ERANGE);    // w_off
    EXPECT_EQ(et_dot_checked(a.data(), 16, 8, a.data(), 16, 0, 9, &r), ET_ERANGE);
    EXPECT_EQ(r, 42.0f);
    EXPECT_EQ(et_axpy_q8_checked(1.0f, q.data(), 16, -1, y.data(), 16, 0, 4), ET_ERANGE);
    // Key row 3 (of 4, stride 4) would end at 3 * 4 + 5 = 17 > 16.
    EXPECT_EQ(et_attention_scores_checked(a.data(), 16, 0, a.data(), 16, 0, y.data(), 16, 0, 4, 5, 4, 1.0f), ET_ERANGE);
    EXPECT_EQ(et_attention_values_checked(a.data(), 16, 0, a.data(), 16, 0, y.data(), 16, 0, 2, 4, -1), ET_EINVAL);
    EXPECT_EQ(et_attention_scores_q8_checked(a.data(), 16, 0, q.data(), 16, 0, a.data(), 3, 0, y.data(), 16, 0, 2, 4, 4, 3,
                                             1.0f),
              ET_ERANGE); // the second scale sits at 3
    EXPECT_EQ(et_mattvec_q_checked(q.data(), 16, 0, a.data(), 16, 0, y.data(), 16, 0, 2, 8, 8, 8), ET_ERANGE); // 2 x 12 B
    EXPECT_EQ(et_mattvec_f32_checked(a.data(), 16, 0, a.data(), 16, 0, y.data(), 16, 0, 4, 5), ET_ERANGE);
    EXPECT_EQ(y, std::vector<float>(16, 7.0f));
}

TEST(Known, GerAndAdamStep)
{
    // a (2 x 2, at 1) += (0.5 * (2, -1)) (1, 3)^T.
    std::vector<float> x{0, 2, -1}, y{9, 1, 3}, a{5, 1, 1, 1, 1, 1};
    ASSERT_EQ(et_ger_checked(0.5f, x.data(), 3, 1, y.data(), 3, 1, a.data(), 6, 1, 2, 2, 2), ET_OK);
    EXPECT_EQ(a, (std::vector<float>{5, 2, 4, 0.5f, -0.5f, 1}));
    std::vector<float> strided{5, 1, 1, 1, 1, 1, 7}; // rows 3 apart: a[1..3) and a[4..6), a[3] stays
    ASSERT_EQ(et_ger_checked(0.5f, x.data(), 3, 1, y.data(), 3, 1, strided.data(), 7, 1, 2, 2, 3), ET_OK);
    EXPECT_EQ(strided, (std::vector<float>{5, 2, 4, 1, 0.5f, -0.5f, 7}));
    // First Adam step (c1 = 0.1, c2 = 0.001) from zero moments: m = 0.1 g, v = 0.001 g^2, so p moves by lr * g / (|g| + eps).
    std::vector<float> g{2, -0.5f}, m{0, 0}, v{0, 0}, p{1, 1};
    ASSERT_EQ(et_adam_step_checked(g.data(), 2, m.data(), 2, v.data(), 2, p.data(), 2, 2, 1.0f, 0.25f, 0.9f, 0.999f,
                                   1.0f - 0.9f, 1.0f - 0.999f, 0.0f),
              ET_OK);
    EXPECT_NEAR(m[0], 0.2f, 1e-6);
    EXPECT_FLOAT_EQ(v[1], (1.0f - 0.999f) * 0.25f); // 1 - 0.999f is 0.00099998713f
    EXPECT_FLOAT_EQ(p[0], 0.75f);
    EXPECT_FLOAT_EQ(p[1], 1.25f);
}

TEST(Checked, TuningKernelsRejectBadArgumentsBeforeAnyWrite)
{
    std::vector<float> a(12, 7.0f), x(3, 1.0f), y(4, 1.0f);
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 0, y.data(), 4, 0, a.data(), 12, 1, 3, 4, 4), ET_ERANGE); // a one short
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 1, y.data(), 4, 0, a.data(), 12, 0, 3, 4, 4), ET_ERANGE); // x one short
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 0, y.data(), 4, -1, a.data(), 12, 0, 3, 4, 4), ET_ERANGE);
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 0, y.data(), 4, 0, a.data(), 12, 0, -1, 4, 4), ET_EINVAL);
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 0, y.data(), 4, 0, a.data(), 12, 0, 3, 4, 5), ET_ERANGE); // ends at 14
    EXPECT_EQ(et_ger_checked(1.0f, x.data(), 3, 0, y.data(), 4, 0, a.data(), 12, 0, 3, 4, -1), ET_EINVAL);
    EXPECT_EQ(et_adam_step_checked(x.data(), 3, a.data(), 12, a.data() + 4, 4, a.data() + 8, 4, 4, 1.0f, 1.0f, 0.9f,
                                   0.999f, 1.0f, 1.0f, 1e-8f),
              ET_ERANGE); // g has 3 of 4
    EXPECT_EQ(et_adam_step_checked(y.data(), 4, a.data(), 4, a.data() + 4, 3, a.data() + 8, 4, 4, 1.0f, 1.0f, 0.9f,
                                   0.999f, 1.0f, 1.0f, 1e-8f),
              ET_ERANGE); // v has 3 of 4
    EXPECT_EQ(et_adam_step_checked(y.data(), 4, a.data(), 4, a.data() + 4, 4, a.data() + 8, 4, -1, 1.0f, 1.0f, 0.9f,
                                   0.999f, 1.0f, 1.0f, 1e-8f),
              ET_EINVAL);
    EXPECT_EQ(a, std::vector<float>(12, 7.0f));
}
