using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Host.Boards;

public sealed record CpuSpec(string Name, int Mhz, int Cores);

public sealed record MemorySpec(long ManagedHeapBytes, long ModelBudgetBytes);

public sealed record StorageSpec(string Kind, int CommandLatencyUs, long BandwidthBytesPerSecond, int SectorBytes);

/// <summary>A board profile from boards/*.json (see boards/board.schema.json), already validated.</summary>
public sealed record BoardProfile(
    string Id,
    string Name,
    string Runtime,
    CpuSpec Cpu,
    MemorySpec Memory,
    StorageSpec Storage,
    IReadOnlyDictionary<string, int>? SdPins,
    long KernelMacsPerSecond,
    IReadOnlyDictionary<string, string> Sources,
    string Path)
{
    /// <summary>The runtime's view of this board's storage.</summary>
    public SdTimingModel Timing => new(Storage.CommandLatencyUs, Storage.BandwidthBytesPerSecond, Storage.SectorBytes);
}
