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
    /// <summary>How FFN weights are read (the runtime's own settings group, passed through as it is).</summary>
    public FfnStreaming Ffn { get; init; } = new();
    /// <summary>An .eta file whose adapters are applied to the top window (the last exit); null = none.</summary>
    public string? AdaptersPath { get; init; }

    /// <summary>Adapters the session will create itself (tuning): on the last N layers at this rank, part of the plan.</summary>
    public int AdapterLayers { get; init; }
    public int AdapterRank { get; init; }

    /// <summary>Tuning on this session's model: its buffers are part of the memory plan; null = inference only.</summary>
    public TuningShape? Tuning { get; init; }

    public long EffectiveBudget => BudgetBytes > 0 ? BudgetBytes : Board?.Memory.ModelBudgetBytes ?? 0;
}
