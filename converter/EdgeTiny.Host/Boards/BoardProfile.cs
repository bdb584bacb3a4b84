using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Host.Boards;

public sealed record CpuSpec(string Name, int Mhz, int Cores);

public sealed record MemorySpec(long ManagedHeapBytes, long ModelBudgetBytes);

public sealed record StorageSpec(string Kind, int CommandLatencyUs, long BandwidthBytesPerSecond, int SectorBytes);

/// <summary>
/// How fast the board's nanoFramework interpreter runs C#: interpreted instructions per kernel operation and per kernel
/// call of glue (measured on nanoCLR, the same on every board) and the instructions per second this board's core
/// executes (an estimate per board). See boards/README.md for where each comes from.
/// </summary>
public sealed record InterpreterSpec(long InstructionsPerOperation, long GlueInstructionsPerKernelCall, long InstructionsPerSecond);

/// <summary>
/// A board profile from boards/*.json (see boards/board.schema.json), already validated. <see cref="Interpreter"/> is
/// set for nanoFramework boards and null for .NET ones (no interpreter: .NET compiles the C#).
/// </summary>
public sealed record BoardProfile(
    string Id,
    string Name,
    string Runtime,
    CpuSpec Cpu,
    MemorySpec Memory,
    StorageSpec Storage,
    IReadOnlyDictionary<string, int>? SdPins,
    long KernelMacsPerSecond,
    InterpreterSpec? Interpreter,
    IReadOnlyDictionary<string, string> Sources,
    string Path)
{
    /// <summary>The runtime's view of this board's storage.</summary>
    public SdTimingModel Timing => new(Storage.CommandLatencyUs, Storage.BandwidthBytesPerSecond, Storage.SectorBytes);
}
