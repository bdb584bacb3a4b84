using EdgeTiny.Host.Boards;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Host;

/// <summary>How to open a model for generation on the desktop, optionally as a given board would.</summary>
public sealed record SessionOptions
{
    /// <summary>The board whose budget and storage timing apply; null = the desktop, no limits.</summary>
    public BoardProfile? Board { get; init; }

    /// <summary>Overrides the board's model budget (bytes); 0 = the board's (or none without a board).</summary>
    public long BudgetBytes { get; init; }

    /// <summary>Positions needed: prompt + new tokens (capped by the model and, if RAM is short, by the planner).</summary>
    public int ContextLength { get; init; }

    public int KvPrecision { get; init; } = RuntimeOptions.KvAuto;
    public float Temperature { get; init; }
    public float TopP { get; init; } = 0.9f;
    public ulong Seed { get; init; } = 1;
    public IKernels Kernels { get; init; } = new PortableKernels();
    public bool StreamFfn { get; init; }
    /// <summary>With <see cref="StreamFfn"/>: gates stay in RAM when they fit (see <see cref="RuntimeOptions.FfnGatesResident"/>).</summary>
    public bool FfnGatesResident { get; init; }
    public int FfnCacheBytes { get; init; }
    public bool FfnCollapse { get; init; } = true;
    /// <summary>An .eta file whose adapters are applied to the top window (the last exit); null = none.</summary>
    public string? AdaptersPath { get; init; }

    public long EffectiveBudget => BudgetBytes > 0 ? BudgetBytes : Board?.Memory.ModelBudgetBytes ?? 0;
}
