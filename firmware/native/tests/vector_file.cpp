#include "vector_file.hpp"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace
{
class Reader
{
public:
    explicit Reader(const std::string &path) : path_(path), in_(path, std::ios::binary)
    {
        if (!in_) Fail("cannot open");
    }

    void Bytes(void *dest, size_t n)
    {
        if (n > 0 && !in_.read(static_cast<char *>(dest), static_cast<std::streamsize>(n))) Fail("truncated");
    }

    int32_t Int()
    {
        uint8_t b[4];
        Bytes(b, 4);
        return static_cast<int32_t>(uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24);
    }

    int32_t Count()
    {
        int32_t n = Int();
        if (n < 0 || n > (1 << 28)) Fail("bad length " + std::to_string(n));
        return n;
    }

    std::vector<float> Floats()
    {
        std::vector<float> a(static_cast<size_t>(Count()));
        for (float &f : a)
        {
            uint32_t u = static_cast<uint32_t>(Int());
            std::memcpy(&f, &u, 4);
        }
        return a;
    }

    [[noreturn]] void Fail(const std::string &what) { throw std::runtime_error(path_ + ": " + what); }

private:
    std::string path_;
    std::ifstream in_;
};
} // namespace

std::vector<VectorCase> ReadVectorFile(const std::string &path)
{
    Reader r(path);
    char magic[4];
    r.Bytes(magic, 4);
    if (std::memcmp(magic, "ETKV", 4) != 0) r.Fail("not a kernel vector file");
    if (int32_t v = r.Int(); v != 2) r.Fail("version " + std::to_string(v) + ", expected 2");
    std::vector<VectorCase> cases(static_cast<size_t>(r.Count()));
    for (VectorCase &c : cases)
    {
        c.kind = static_cast<Kind>(r.Int());
        c.name.resize(static_cast<size_t>(r.Count()));
        r.Bytes(c.name.data(), c.name.size());
        for (int32_t *p : {&c.w_off, &c.bits, &c.kept, &c.group_size, &c.rows, &c.cols, &c.codec, &c.x_off, &c.y_off,
                           &c.act_off, &c.c_off, &c.stride, &c.scale_stride, &c.activation})
            *p = r.Int();
        uint32_t bits = static_cast<uint32_t>(r.Int());
        std::memcpy(&c.scalar, &bits, 4);
        c.w.resize(static_cast<size_t>(r.Count()));
        r.Bytes(c.w.data(), c.w.size());
        c.x = r.Floats();
        c.act = r.Floats();
        c.c = r.Floats();
        c.y0 = r.Floats();
        c.expected = r.Floats();
        c.magnitude = r.Floats();
        if (c.expected.size() != c.y0.size() || c.magnitude.size() != c.y0.size()) r.Fail(c.name + ": output sizes differ");
    }
    return cases;
}
