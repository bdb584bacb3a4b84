// Reader of kernel-vectors.bin, written by tests/EdgeTiny.KernelVectors (VectorFile.cs documents the format).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

enum class Kind : int32_t { MatVecQ8 = 1, MatVecQ = 2, MatVecSparseQ = 3, FfnBundles = 4 };

struct VectorCase
{
    Kind kind{};
    std::string name;
    // As in VectorCase.cs: w_off (data_off), bits, kept, group_size, rows (count), cols (dim), codec, x_off, y_off
    // (out_off), act_off.
    int32_t w_off{}, bits{}, kept{}, group_size{}, rows{}, cols{}, codec{}, x_off{}, y_off{}, act_off{};
    std::vector<uint8_t> w;
    std::vector<float> x, act, y0, expected, magnitude;
};

// Reads every case of the file; throws std::runtime_error naming the file and what is wrong.
std::vector<VectorCase> ReadVectorFile(const std::string &path);
