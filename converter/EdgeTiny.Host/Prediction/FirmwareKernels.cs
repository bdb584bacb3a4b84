namespace EdgeTiny.Host.Prediction;

/// <summary>
/// Which kernels the EdgeTiny nanoCLR image runs in C by default: the members
/// firmware/EdgeTiny.Firmware/Interop/NativeKernels.cs sends to <c>KernelsNative</c> (a test reads that file and
/// holds this list equal to it). Everything else in that class, and everything in a stock firmware, is the C#
/// <c>PortableKernels</c> run by the interpreter.
/// </summary>
public static class FirmwareKernels
{
    /// <summary>Every IKernels member, since issue #17 (firmware/native/README.md has the coverage table).</summary>
    public static readonly IReadOnlySet<KernelKind> Native = new HashSet<KernelKind>(Enum.GetValues<KernelKind>());

    /// <summary>A stock nanoFramework image: no native kernel at all.</summary>
    public static readonly IReadOnlySet<KernelKind> None = new HashSet<KernelKind>();
}
