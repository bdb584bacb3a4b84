// Reader of kernel-vectors.bin, written by tests/EdgeTiny.KernelVectors (VectorFile.cs documents the format).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

enum class Kind : int32_t
{
    MatVecQ8 = 1, MatVecQ = 2, MatVecSparseQ = 3, FfnBundles = 4,
    MatVecF32 = 5, MatTVecF32 = 6, MatTVecQ = 7, MatTVecSparseQ = 8,
    RmsNorm = 9, Softmax = 10, Rope = 11, Dot = 12, Axpy = 13, DotQ8 = 14, AxpyQ8 = 15, GatedActivation = 16,
    AttentionScores = 17, AttentionValues = 18, AttentionScoresQ8 = 19, AttentionValuesQ8 = 20,
    Ger = 21, AdamStep = 22,
};

struct VectorCase
{
    Kind kind{};
    std::string name;
    // As in VectorCase.cs (which also says which field holds which argument of each kernel): w_off (data_off), bits,
    // kept, group_size, rows (count), cols (dim), codec, x_off, y_off (out_off), act_off, c_off, stride, scale_stride,
    // activation; then a float scalar (eps, alpha, scale).
    int32_t w_off{}, bits{}, kept{}, group_size{}, rows{}, cols{}, codec{}, x_off{}, y_off{}, act_off{};
    int32_t c_off{}, stride{}, scale_stride{}, activation{};
    float scalar{};
    std::vector<uint8_t> w;
    std::vector<float> x, act, c, y0, expected, magnitude;
};

// Reads every case of the file; throws std::runtime_error naming the file and what is wrong.
std::vector<VectorCase> ReadVectorFile(const std::string &path);
