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

    /// <summary>
    /// How the runtime opens the model — context, KV precision, sampling, FFN streaming, adapters and tuning to plan for —
    /// as the runtime's own options object, passed through whole. The board's budget and storage are filled in on open.
    /// </summary>
    public RuntimeOptions Runtime { get; init; } = new();

    public ulong Seed { get; init; } = 1;
    public IKernels Kernels { get; init; } = new PortableKernels();
    /// <summary>An .eta file whose adapters are applied to the top window (the last exit); null = none.</summary>
    public string? AdaptersPath { get; init; }

    public long EffectiveBudget => BudgetBytes > 0 ? BudgetBytes : Board?.Memory.ModelBudgetBytes ?? 0;
}
