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
            : PredictionJson.Predicted(s.Options.Board!, st.Kernels, st.ForwardPasses, st.Predicted, st.PredictedPortableOnly, "token");
}
