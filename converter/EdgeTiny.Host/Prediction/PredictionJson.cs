using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;

namespace EdgeTiny.Host.Prediction;

/// <summary>
/// The `predicted` object of `run`, `bench`, `tune --json` and the demo's summary: kernel work per token or tuning step,
/// the rates it is priced at, and the time split for a firmware with and without the native kernels.
/// </summary>
public static class PredictionJson
{
    /// <summary>The prediction object for counts over <paramref name="units"/> tokens or tuning steps.</summary>
    public static JsonObject Predicted(BoardProfile board, KernelCounts counts, int units, PredictedTime native, PredictedTime portable, string unit)
    {
        double n = Math.Max(units, 1);
        var byKernel = new JsonObject();
        foreach (KernelKind k in Enum.GetValues<KernelKind>())
            if (counts.CallsOf(k) > 0)
                byKernel[k.ToString()] = new JsonObject
                {
                    ["calls"] = Math.Round(counts.CallsOf(k) / n, 2),
                    ["operations"] = Math.Round(counts.OperationsOf(k) / n, 1),
                    ["native_in_firmware"] = FirmwareKernels.Native.Contains(k),
                };
        return new JsonObject
        {
            ["per"] = unit,
            ["units_counted"] = units,
            ["kernel_calls"] = Math.Round(counts.TotalCalls / n, 2),
            ["kernel_operations"] = Math.Round(counts.TotalOperations / n, 1),
            ["by_kernel"] = byKernel,
            ["rates"] = new JsonObject
            {
                ["kernel_macs_per_second"] = board.KernelMacsPerSecond,
                ["interpreter"] = board.Interpreter is InterpreterSpec i ? new JsonObject
                {
                    ["instructions_per_operation"] = i.InstructionsPerOperation,
                    ["glue_instructions_per_kernel_call"] = i.GlueInstructionsPerKernelCall,
                    ["instructions_per_second"] = i.InstructionsPerSecond,
                } : null,
            },
            ["native_kernels"] = Time(native, unit),
            ["portable_only"] = Time(portable, unit),
        };
    }

    private static JsonObject Time(PredictedTime t, string unit) => new()
    {
        ["firmware"] = t.Firmware,
        ["native"] = new JsonArray([.. Enum.GetValues<KernelKind>().Where(t.NativeKinds.Contains).Select(k => (JsonNode)k.ToString())]),
        [unit == "token" ? "tokens_per_second" : "steps_per_second"] = Math.Round(t.TokensPerSecond, 4),
        [$"ms_per_{unit}"] = new JsonObject
        {
            ["kernels_native"] = Math.Round(t.KernelsNativeMs, 4),
            ["kernels_interpreted"] = Math.Round(t.KernelsInterpretedMs, 4),
            ["glue"] = Math.Round(t.GlueMs, 4),
            ["sd"] = Math.Round(t.SdMs, 4),
            ["total"] = Math.Round(t.TotalMs, 4),
        },
        ["dominant"] = t.Dominant,
    };
}
