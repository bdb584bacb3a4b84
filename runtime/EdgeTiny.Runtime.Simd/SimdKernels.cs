using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd;

/// <summary>Which instruction set a <see cref="SimdKernels"/> instance uses.</summary>
public enum SimdLevel
{
    /// <summary>Plain loops (same operation order as <see cref="PortableKernels"/>, without per-element bounds checks).</summary>
    Scalar = 0,
    /// <summary>128-bit vectors: AdvSimd (NEON) on ARM64 / Raspberry Pi, SSE on x86 without AVX2.</summary>
    Vector128 = 1,
    /// <summary>256-bit AVX2 + FMA3 on x64.</summary>
    Avx2 = 2,
}

/// <summary>
/// Desktop / Raspberry Pi implementation of <see cref="IKernels"/>: the same contract as <see cref="PortableKernels"/>
/// (the reference it is tested against), computed with 256-bit (AVX2 + FMA) or 128-bit (AdvSimd) vectors.
/// <para>
/// Numerics: vector code sums in a different order than the portable kernels (several partial sums, FMA, group scales
/// applied to vector partial sums), so results differ from them by float rounding only — bounded by
/// 2·n·2⁻²⁴·Σ|terms| for a sum of n terms, far below anything that changes a greedy token in practice. Int8 weights are
/// widened to float exactly (no activation quantization), so MatVecQ8 computes exactly the portable kernel's value up to
/// that rounding.
/// </para>
/// <para>
/// Matrix × vector can split rows across threads (off by default; see the constructor). Per call nothing is allocated:
/// worker threads and their signals are created once in the constructor. An instance is not safe to call from several
/// threads at once (like the <c>Transformer</c> that owns it).
/// </para>
/// </summary>
public sealed unsafe partial class SimdKernels : IKernels, IDisposable
{
    /// <summary>Weights (rows × cols) at or above which a matrix × vector is split across threads, when enabled.</summary>
    public const long DefaultParallelThreshold = 1L << 20;

    private readonly RowWorkers? _workers;
    private readonly long _parallelThreshold;

    /// <summary>Single-threaded kernels at the best level this CPU supports.</summary>
    public SimdKernels() : this(multithreaded: false) { }

    /// <param name="multithreaded">Split large matrix × vector rows across threads (worker threads are started now).</param>
    /// <param name="threads">Threads including the caller's; 0 = <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="maxLevel">Highest instruction set to use (lower it to test or compare the 128-bit and scalar paths).</param>
    /// <param name="parallelThreshold">rows × cols at or above which a matrix × vector is split.</param>
    public SimdKernels(bool multithreaded, int threads = 0, SimdLevel maxLevel = SimdLevel.Avx2, long parallelThreshold = DefaultParallelThreshold)
    {
        Level = (SimdLevel)Math.Min((int)maxLevel, (int)BestLevel);
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), "threads must be 0 (all cores) or more");
        if (parallelThreshold < 1) throw new ArgumentOutOfRangeException(nameof(parallelThreshold), "the parallel threshold must be at least 1");
        int n = threads == 0 ? Environment.ProcessorCount : threads;
        _parallelThreshold = parallelThreshold;
        if (multithreaded && n > 1) _workers = new RowWorkers(this, n - 1);
    }

    /// <summary>The best level this CPU and runtime support.</summary>
    public static SimdLevel BestLevel =>
        Avx2.IsSupported && Fma.IsSupported ? SimdLevel.Avx2
        : Vector128.IsHardwareAccelerated ? SimdLevel.Vector128
        : SimdLevel.Scalar;

    /// <summary>The instruction set this instance uses.</summary>
    public SimdLevel Level { get; }

    /// <summary>Threads a large matrix × vector runs on (1 when multithreading is off).</summary>
    public int Threads => _workers is null ? 1 : _workers.Count + 1;

    public override string ToString() => $"simd-{Level.ToString().ToLowerInvariant()}" + (Threads > 1 ? $"-x{Threads}" : "");

    public void Dispose() => _workers?.Dispose();

    // ---- argument checks: once per call, so the loops can run on raw pointers ----

    private static void CheckSpan(int length, int offset, long count, string name)
    {
        if (offset < 0 || count < 0 || offset + count > length)
            Throw(name, offset, count, length);
    }

    private static void Throw(string name, int offset, long count, int length) =>
        throw new ArgumentOutOfRangeException(name, $"range [{offset}, {offset + count}) is outside an array of {length}");

    private static void CheckShape(int rows, int cols)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), "rows must not be negative");
        if (cols < 0) throw new ArgumentOutOfRangeException(nameof(cols), "cols must not be negative");
    }
}
