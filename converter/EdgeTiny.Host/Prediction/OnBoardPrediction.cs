using EdgeTiny.Host.Boards;

namespace EdgeTiny.Host.Prediction;

/// <summary>
/// Predicted time per token (or per tuning step) on a board for one firmware, split by where it goes. All in
/// milliseconds: kernels the firmware runs in C, kernels the interpreter runs in C#, the interpreted glue around the
/// kernel calls, and simulated SD time.
/// </summary>
public sealed record PredictedTime(string Firmware, IReadOnlySet<KernelKind> NativeKinds,
    double KernelsNativeMs, double KernelsInterpretedMs, double GlueMs, double SdMs)
{
    public double TotalMs => KernelsNativeMs + KernelsInterpretedMs + GlueMs + SdMs;
    public double TokensPerSecond => TotalMs <= 0 ? double.PositiveInfinity : 1000.0 / TotalMs;

    /// <summary>The part that takes the most time: kernels_native, kernels_interpreted, glue or sd.</summary>
    public string Dominant =>
        new[] { ("kernels_native", KernelsNativeMs), ("kernels_interpreted", KernelsInterpretedMs), ("glue", GlueMs), ("sd", SdMs) }
            .MaxBy(p => p.Item2).Item1;
}

/// <summary>
/// Prices measured kernel counts (<see cref="CountingKernels"/>, divided by the forward passes or steps they cover) at
/// a board's rates:
/// <list type="bullet">
/// <item>a native kernel: operations / <c>kernel_macs_per_second</c>;</item>
/// <item>an interpreted kernel: operations × <c>interpreter.instructions_per_operation</c> /
/// <c>interpreter.instructions_per_second</c>;</item>
/// <item>glue: kernel calls × <c>interpreter.glue_instructions_per_kernel_call</c> / <c>interpreter.instructions_per_second</c>;</item>
/// <item>SD: the simulated time of the real reads.</item>
/// </list>
/// A board without an interpreter (runtime dotnet: .NET compiles the C# kernels) runs every kernel at the native
/// rate under either firmware, and its glue is not modelled (on .NET it measured 1% of a pass).
/// </summary>
public static class OnBoardPrediction
{
    public const string WithNativeKernels = "nanoCLR with EdgeTiny.Native (firmware/native)";
    public const string PortableOnly = "stock nanoCLR (PortableKernels only)";

    /// <param name="calls">Kernel calls per token (or step).</param>
    /// <param name="operations">Operations per token by kind, as in <see cref="KernelCounts.Operations"/>.</param>
    public static PredictedTime Predict(BoardProfile board, string firmware, IReadOnlySet<KernelKind> native,
        double calls, IReadOnlyList<double> operations, double sdMs)
    {
        double nativeOps = 0, interpretedOps = 0;
        foreach (KernelKind k in Enum.GetValues<KernelKind>())
        {
            if (board.Interpreter is null || native.Contains(k)) nativeOps += operations[(int)k];
            else interpretedOps += operations[(int)k];
        }
        double nativeMs = nativeOps * 1000.0 / board.KernelMacsPerSecond;
        if (board.Interpreter is not InterpreterSpec i) return new PredictedTime(firmware, native, nativeMs, 0, 0, sdMs);
        double msPerInstruction = 1000.0 / i.InstructionsPerSecond;
        return new PredictedTime(firmware, native, nativeMs,
            interpretedOps * i.InstructionsPerOperation * msPerInstruction,
            calls * i.GlueInstructionsPerKernelCall * msPerInstruction, sdMs);
    }

    /// <summary>Both firmwares for counts covering <paramref name="units"/> tokens (or steps) and their simulated SD time.</summary>
    public static (PredictedTime NativeKernels, PredictedTime PortableOnly) Both(BoardProfile board, KernelCounts counts, double units, double sdMs)
    {
        double n = Math.Max(units, 1);
        double[] ops = [.. counts.Operations.Select(o => o / n)];
        double calls = counts.TotalCalls / n;
        return (Predict(board, WithNativeKernels, FirmwareKernels.Native, calls, ops, sdMs),
                Predict(board, PortableOnly, FirmwareKernels.None, calls, ops, sdMs));
    }
}
