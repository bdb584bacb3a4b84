using System.Text.Json.Nodes;
using EdgeTiny.Host;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Cli;

/// <summary>The memory / io / plan objects that `run --json` and `bench --json` share.</summary>
public static class SessionJson
{
    public static JsonObject Memory(BoardSession s, SessionStats st)
    {
        MemoryPlan p = s.Model.Plan;
        return new JsonObject
        {
            ["peak_bytes"] = st.PeakBytes,
            ["budget_bytes"] = st.BudgetBytes > 0 ? st.BudgetBytes : null,
            ["minimum_bytes"] = p.MinimumBytes,
            ["context"] = p.Context,
            ["kv_cache"] = p.KvInt8 ? "int8" : "float",
            ["kv_bytes"] = p.KvBytes,
            ["resident_weight_bytes"] = p.ResidentWeightBytes,
            ["streamed_weight_bytes"] = p.StreamedWeightBytes,
            ["streamed_tensors"] = p.Streamed.Length,
            ["chunk_bytes"] = p.ChunkBytes,
            ["cache_bytes"] = p.CacheBytes,
        };
    }

    public static JsonObject Io(SessionStats st) => new()
    {
        ["reads"] = st.Reads,
        ["bytes"] = st.Bytes,
        ["reads_per_token"] = Math.Round(st.ReadsPerToken, 3),
        ["bytes_per_token"] = Math.Round(st.BytesPerToken, 1),
        ["simulated_ms_per_token"] = st.SimulatedMsPerToken is double ms ? Math.Round(ms, 4) : null,
        ["cache_hits"] = st.CacheHits,
        ["cache_misses"] = st.CacheMisses,
    };

    public static JsonObject? Board(BoardSession s, SessionStats st) => s.Options.Board is null ? null : new JsonObject
    {
        ["id"] = s.Options.Board.Id,
        ["macs_per_token"] = st.MacsPerToken,
        ["kernel_macs_per_second"] = s.Options.Board.KernelMacsPerSecond,
        ["predicted_tokens_per_second"] = st.PredictedTokensPerSecond is double t ? Math.Round(t, 3) : null,
    };

    /// <summary>
    /// `predicted`: time per token on the board with and without the native kernels, split into native kernels,
    /// interpreted kernels, interpreted glue and simulated SD, from the kernel counts of the passes run; null without a board.
    /// </summary>
    public static JsonObject? Predicted(BoardSession s, SessionStats st) =>
        st.Predicted is null || st.PredictedPortableOnly is null ? null
            : Predicted(s.Options.Board!, st.Kernels, st.ForwardPasses, st.Predicted, st.PredictedPortableOnly, "token");

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
