namespace EdgeTiny.Host.Prediction;

/// <summary>
/// Kernel calls and kernel operations by <see cref="KernelKind"/>, as <see cref="CountingKernels"/> counted them. An
/// operation is one multiply-accumulate of a product (matrix × vector, attention, dot, axpy, FFN bundle) or one
/// element of an element-wise pass (each of RMSNorm's two passes, softmax's three, the gated activation, one RoPE
/// value): the unit the interpreter figures of a board profile are given in.
/// </summary>
public sealed class KernelCounts
{
    private static readonly int Kinds = Enum.GetValues<KernelKind>().Length;

    public long[] Calls { get; } = new long[Kinds];
    public long[] Operations { get; } = new long[Kinds];

    public long TotalCalls => Calls.Sum();
    public long TotalOperations => Operations.Sum();

    public long CallsOf(KernelKind k) => Calls[(int)k];
    public long OperationsOf(KernelKind k) => Operations[(int)k];

    /// <summary>Operations of the kinds in <paramref name="kinds"/> (or of the others, with <paramref name="inSet"/> false).</summary>
    public long OperationsWhere(IReadOnlySet<KernelKind> kinds, bool inSet) =>
        Enum.GetValues<KernelKind>().Where(k => kinds.Contains(k) == inSet).Sum(k => Operations[(int)k]);

    public void Clear()
    {
        Array.Clear(Calls);
        Array.Clear(Operations);
    }

    public KernelCounts Copy()
    {
        var c = new KernelCounts();
        Calls.CopyTo(c.Calls, 0);
        Operations.CopyTo(c.Operations, 0);
        return c;
    }
}
