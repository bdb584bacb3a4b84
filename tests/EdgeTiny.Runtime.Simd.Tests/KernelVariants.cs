using System.Buffers.Binary;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>
/// Every code path of <see cref="SimdKernels"/> this machine can run: the scalar loops, 128-bit vectors (the ARM64 /
/// Raspberry Pi path; SSE on x64), 256-bit AVX2 + FMA, and row-parallel matrix × vector (threshold 1, so every
/// matrix of 8+ rows is split, with more threads than cores to exercise uneven shares).
/// </summary>
public static class KernelVariants
{
    /// <summary>
    /// The xunit collection of every test class that calls the shared instances: classes in one collection run one
    /// after another (a <see cref="SimdKernels"/> is not safe to call from several threads at once — the row workers
    /// and the scratch rows belong to the instance).
    /// </summary>
    public const string Collection = "shared SimdKernels instances";

    public static readonly string[] Names = ["scalar", "v128", "avx2", "parallel"];

    public static IEnumerable<object[]> All => Names.Select(n => new object[] { n });

    private static readonly Dictionary<string, SimdKernels> s_instances = new()
    {
        ["scalar"] = new SimdKernels(false, maxLevel: SimdLevel.Scalar),
        ["v128"] = new SimdKernels(false, maxLevel: SimdLevel.Vector128),
        ["avx2"] = new SimdKernels(false, maxLevel: SimdLevel.Avx2),
        ["parallel"] = new SimdKernels(true, threads: 3, parallelThreshold: 1),
    };

    /// <summary>A shared instance (kernels keep no state between calls; the parallel one is used by one test at a time).</summary>
    public static SimdKernels Get(string name) => s_instances[name];
}

/// <summary>Random inputs and the packed q8 row layout (group scales as little-endian float32, then int8 values).</summary>
public sealed class Inputs(int seed)
{
    private readonly Random _rng = new(seed);

    public float[] Vector(int n, float scale = 1f)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(_rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    public int Offset() => _rng.Next(0, 9);

    /// <summary>Bytes of a q8 row: cols values + 4 bytes per group.</summary>
    public static int RowBytes(int cols, int groupSize) => cols + 4 * ((cols + groupSize - 1) / groupSize);

    /// <summary><paramref name="rows"/> packed q8 rows starting at <paramref name="off"/>, with random junk before and after.</summary>
    public byte[] Q8Rows(int off, int rows, int cols, int groupSize, int slack = 7)
    {
        int groups = (cols + groupSize - 1) / groupSize;
        int rowBytes = RowBytes(cols, groupSize);
        var b = new byte[off + rows * rowBytes + slack];
        _rng.NextBytes(b);
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups; g++)
            {
                float scale = (float)(_rng.NextDouble() * 2 - 1) * 0.02f;
                BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(off + r * rowBytes + 4 * g), scale);
            }
        return b;
    }

    public byte[] Bytes(int n)
    {
        var b = new byte[n];
        _rng.NextBytes(b);
        return b;
    }
}

/// <summary>
/// How far two float computations of the same sum may differ. A sum of n rounded products computed in any order is
/// within γ(n) · Σ|terms| of the exact value (γ(n) = n·u/(1 − n·u), u = 2⁻²⁴: the standard bound for floating-point
/// summation); two such computations are within 2·γ(n)·Σ|terms| of each other. This is loose enough for any
/// summation order or FMA use and tight enough that a wrong index, a lost tail element or a wrong group scale (errors
/// of the order of one term, i.e. ~Σ|terms| / n) fails.
/// </summary>
public static class Tolerance
{
    public const double U = 1.0 / (1 << 24);

    public static double Sum(int terms, double absSum) => 2 * Gamma(terms + 2) * absSum + 1e-30;

    public static double Gamma(int n) => n * U / (1 - n * U);

    public static void Close(double expected, double actual, double tolerance, string what)
    {
        double diff = Math.Abs(expected - actual);
        if (!(diff <= tolerance))
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (difference {diff:G3} > tolerance {tolerance:G3})");
    }
}

[CollectionDefinition(KernelVariants.Collection)]
public sealed class KernelVariantsCollection;
