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

int RunKernel(const VectorCase &c, std::vector<float> &y)
{
    const int32_t wn = static_cast<int32_t>(c.w.size()), xn = static_cast<int32_t>(c.x.size());
    const int32_t yn = static_cast<int32_t>(y.size()), an = static_cast<int32_t>(c.act.size());
    switch (c.kind)
    {
    case Kind::MatVecQ8:
        return et_matvec_q8_checked(c.w.data(), wn, c.w_off, c.x.data(), xn, c.x_off, y.data(), yn, c.y_off, c.rows,
                                    c.cols, c.group_size);
    case Kind::MatVecQ:
        return et_matvec_q_checked(c.w.data(), wn, c.w_off, c.x.data(), xn, c.x_off, y.data(), yn, c.y_off, c.rows,
                                   c.cols, c.bits, c.group_size);
    case Kind::MatVecSparseQ:
        return et_matvec_sparse_q_checked(c.w.data(), wn, c.w_off, c.x.data(), xn, c.x_off, y.data(), yn, c.y_off,
                                          c.rows, c.cols, c.bits, c.kept, c.group_size);
    case Kind::FfnBundles:
        return et_ffn_bundles_checked(c.w.data(), wn, c.w_off, c.x.data(), xn, c.x_off, c.act.data(), an, c.act_off,
                                      y.data(), yn, c.y_off, c.rows, c.cols, c.codec, c.bits, c.group_size);
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
