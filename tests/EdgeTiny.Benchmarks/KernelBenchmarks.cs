using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// BenchmarkDotNet run: every <see cref="MatrixCase"/> with the portable and SIMD kernels (and row-parallel SIMD for
/// the large ones), plus a memory copy and a read-only pass over the same bytes. Columns GB/s (weight bytes read per
/// second) and GMAC/s are derived from the mean time.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class KernelBenchmarks
{
    private MatrixData _data = null!;
    private MemoryBaseline _memory = null!;
    private readonly IKernels _portable = Implementations.Create("portable");
    private readonly IKernels _simd = Implementations.Create("simd");
    private readonly IKernels _simdMt = Implementations.Create("simd-mt");

    public static IEnumerable<string> Cases => MatrixCase.All.Select(c => c.Name);

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        MatrixCase c = MatrixCase.Parse(Case);
        _data = new MatrixData(c);
        _memory = new MemoryBaseline(c.WeightBytes);
    }

    [Benchmark(Baseline = true)]
    public void Portable() => _data.Run(_portable);

    [Benchmark]
    public void Simd() => _data.Run(_simd);

    /// <summary>Row-parallel SIMD (all cores); small cases stay below its threshold and so run single-threaded.</summary>
    [Benchmark]
    public void SimdMt() => _data.Run(_simdMt);

    [Benchmark]
    public void MemoryCopy() => _memory.Copy();

    [Benchmark]
    public ulong MemoryRead() => _memory.Read();
}

public sealed class KernelBenchmarkConfig : ManualConfig
{
    public KernelBenchmarkConfig()
    {
        // In-process: no generated project to build (fast, and works with a runtime newer than the BenchmarkDotNet release).
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        ArtifactsPath = Path.Combine(Path.GetTempPath(), "edgetiny-benchmarkdotnet"); // keep reports out of the repo
        AddColumn(new ThroughputColumn(gigaMacs: false), new ThroughputColumn(gigaMacs: true));
    }
}

/// <summary>GB/s of weights (or copied bytes) per second, or GMAC/s, from the mean time of a benchmark case.</summary>
public sealed class ThroughputColumn(bool gigaMacs) : IColumn
{
    public string Id => gigaMacs ? "GMACs" : "GBs";
    public string ColumnName => gigaMacs ? "GMAC/s" : "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => gigaMacs ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => gigaMacs ? "10^9 multiply-accumulates per second" : "10^9 weight bytes read per second (q8: values + scales; Memory*: bytes copied / read)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? ns = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (ns is null || benchmarkCase.Parameters["Case"] is not string name) return "-";
        MatrixCase c = MatrixCase.Parse(name);
        bool memory = benchmarkCase.Descriptor.WorkloadMethod.Name.StartsWith("Memory", StringComparison.Ordinal);
        if (gigaMacs) return memory ? "-" : (c.Macs / ns.Value).ToString("F2");
        return (c.WeightBytes / ns.Value).ToString("F2");
    }
}
