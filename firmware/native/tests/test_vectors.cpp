// The C kernels against the C# reference: one test per case of kernel-vectors.bin (see tests/EdgeTiny.KernelVectors).
// Run with --vectors=<dir>; without it only the hand-written tests (test_checked.cpp) exist.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <string>

#include "edgetiny_kernels.h"
#include "vector_file.hpp"

namespace
{
// Sums may be formed in another order (or with fused multiply-adds): allow 1e-5 of the sum of |terms|.
constexpr double kRelative = 1e-5;

int32_t Len(const std::vector<float> &v) { return static_cast<int32_t>(v.size()); }
int32_t Len(const std::vector<uint8_t> &v) { return static_cast<int32_t>(v.size()); }

// Runs the case's kernel through its checked entry point, arguments as VectorCase.cs lays them out.
int RunKernel(const VectorCase &c, std::vector<float> &y)
{
    const uint8_t *w = c.w.data();
    const float *x = c.x.data(), *act = c.act.data(), *m = c.c.data();
    const int32_t wn = Len(c.w), xn = Len(c.x), an = Len(c.act), mn = Len(c.c), yn = Len(y);
    switch (c.kind)
    {
    case Kind::MatVecQ8:
        return et_matvec_q8_checked(w, wn, c.w_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols, c.group_size);
    case Kind::MatVecQ:
        return et_matvec_q_checked(w, wn, c.w_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols, c.bits,
                                   c.group_size);
    case Kind::MatVecSparseQ:
        return et_matvec_sparse_q_checked(w, wn, c.w_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols, c.bits,
                                          c.kept, c.group_size);
    case Kind::FfnBundles:
        return et_ffn_bundles_checked(w, wn, c.w_off, x, xn, c.x_off, act, an, c.act_off, y.data(), yn, c.y_off, c.rows,
                                      c.cols, c.codec, c.bits, c.group_size);
    case Kind::MatVecF32:
        return et_matvec_f32_checked(m, mn, c.c_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols);
    case Kind::MatTVecF32:
        return et_mattvec_f32_checked(m, mn, c.c_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols);
    case Kind::MatTVecQ:
        return et_mattvec_q_checked(w, wn, c.w_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols, c.bits,
                                    c.group_size);
    case Kind::MatTVecSparseQ:
        return et_mattvec_sparse_q_checked(w, wn, c.w_off, x, xn, c.x_off, y.data(), yn, c.y_off, c.rows, c.cols, c.bits,
                                           c.kept, c.group_size);
    case Kind::RmsNorm:
        return et_rmsnorm_checked(x, xn, m, mn, c.c_off, y.data(), yn, c.cols, c.scalar);
    case Kind::Softmax:
        return et_softmax_checked(y.data(), yn, c.y_off, c.cols);
    case Kind::Rope:
        return et_rope_checked(x, xn, act, an, y.data(), yn, c.y_off, c.cols, c.stride);
    case Kind::Dot:
        return et_dot_checked(x, xn, c.x_off, m, mn, c.c_off, c.cols, &y[static_cast<size_t>(c.y_off)]);
    case Kind::Axpy:
        return et_axpy_checked(c.scalar, x, xn, c.x_off, y.data(), yn, c.y_off, c.cols);
    case Kind::DotQ8:
        return et_dot_q8_checked(x, xn, c.x_off, w, wn, c.w_off, c.cols, &y[static_cast<size_t>(c.y_off)]);
    case Kind::AxpyQ8:
        return et_axpy_q8_checked(c.scalar, w, wn, c.w_off, y.data(), yn, c.y_off, c.cols);
    case Kind::GatedActivation:
        return et_gated_activation_checked(y.data(), yn, x, xn, c.cols, c.activation);
    case Kind::AttentionScores:
        return et_attention_scores_checked(x, xn, c.x_off, m, mn, c.c_off, y.data(), yn, c.y_off, c.rows, c.cols,
                                           c.stride, c.scalar);
    case Kind::AttentionValues:
        return et_attention_values_checked(act, an, c.act_off, m, mn, c.c_off, y.data(), yn, c.y_off, c.rows, c.cols,
                                           c.stride);
    case Kind::AttentionScoresQ8:
        return et_attention_scores_q8_checked(x, xn, c.x_off, w, wn, c.w_off, m, mn, c.c_off, y.data(), yn, c.y_off,
                                              c.rows, c.cols, c.stride, c.scale_stride, c.scalar);
    case Kind::AttentionValuesQ8:
        return et_attention_values_q8_checked(act, an, c.act_off, w, wn, c.w_off, m, mn, c.c_off, y.data(), yn, c.y_off,
                                              c.rows, c.cols, c.stride, c.scale_stride);
    case Kind::Ger:
        return et_ger_checked(c.scalar, x, xn, c.x_off, m, mn, c.c_off, y.data(), yn, c.y_off, c.rows, c.cols, c.stride);
    case Kind::AdamStep:
    {
        // y holds m, v and p one after the other, each c.stride long; act the learning rate, betas, c1, c2, epsilon.
        if (an != 6 || yn != 3 * c.stride) return -101;
        float *mv = y.data();
        return et_adam_step_checked(x, xn, mv, c.stride, mv + c.stride, c.stride, mv + 2 * c.stride, c.stride, c.cols,
                                    c.scalar, act[0], act[1], act[2], act[3], act[4], act[5]);
    }
    }
    return -100;
}

class VectorTest : public testing::Test
{
public:
    explicit VectorTest(const VectorCase *c) : c_(c) {}

    void TestBody() override
    {
        const VectorCase &c = *c_;
        std::vector<float> y = c.y0;
        ASSERT_EQ(RunKernel(c, y), ET_OK) << c.name;
        int bad = 0;
        for (size_t i = 0; i < y.size() && bad < 5; i++)
        {
            double tolerance = kRelative * c.magnitude[i]; // 0 where the kernel must not change the element
            if (std::fabs(double(y[i]) - double(c.expected[i])) <= tolerance) continue;
            ADD_FAILURE() << c.name << ": element " << i << " is " << y[i] << ", PortableKernels gives " << c.expected[i]
                          << " (tolerance " << tolerance << ")";
            bad++;
        }
    }

private:
    const VectorCase *c_;
};

std::string TestName(size_t index, const std::string &name)
{
    std::string s = std::to_string(index) + "_";
    for (char ch : name) s += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return s;
}

std::vector<VectorCase> g_cases; // lives until the tests have run

void RegisterVectorTests(const std::string &dir)
{
    std::string path = dir + "/kernel-vectors.bin";
    try
    {
        g_cases = ReadVectorFile(path);
    }
    catch (const std::exception &e)
    {
        std::string what = e.what();
        testing::RegisterTest("Vectors", "load", nullptr, nullptr, __FILE__, __LINE__,
                              [what]() -> testing::Test * {
                                  struct Fail : testing::Test
                                  {
                                      std::string what;
                                      void TestBody() override { FAIL() << what; }
                                  };
                                  auto *t = new Fail();
                                  t->what = what;
                                  return t;
                              });
        return;
    }
    for (size_t i = 0; i < g_cases.size(); i++)
    {
        const VectorCase *c = &g_cases[i];
        testing::RegisterTest("Vectors", TestName(i, c->name).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [c]() -> testing::Test * { return new VectorTest(c); });
    }
}
} // namespace

int main(int argc, char **argv)
{
    testing::InitGoogleTest(&argc, argv);
    const std::string flag = "--vectors=";
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], flag.c_str(), flag.size()) == 0) RegisterVectorTests(argv[i] + flag.size());
    return RUN_ALL_TESTS();
}
