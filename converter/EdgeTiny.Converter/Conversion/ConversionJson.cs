using System.Text.Json.Nodes;
using EdgeTiny.Converter.Compression;

namespace EdgeTiny.Converter.Conversion;

/// <summary>A <see cref="ConversionReport"/> as `convert --json` prints it (and as the demo and the report embed it).</summary>
public static class ConversionJson
{
    public static JsonObject ToJson(ConversionReport r) => new()
    {
        ["output"] = r.Output,
        ["file_bytes"] = r.FileBytes,
        ["source_bytes"] = r.SourceBytes,
        ["parameters"] = r.Parameters,
        ["bits_per_parameter"] = Math.Round(r.BitsPerParameter, 4),
        ["policy"] = r.Options.Policy,
        ["budget_bytes"] = r.Options.BudgetBytes > 0 ? r.Options.BudgetBytes : null,
        ["group_size"] = r.Options.GroupSize,
        ["plan"] = r.PolicyDetail,
        ["calibration"] = r.Calibration is null ? null : new JsonObject
        {
            ["source"] = r.Calibration.Source,
            ["sequences"] = r.Calibration.Sequences.Length,
            ["tokens"] = r.Calibration.Tokens,
        },
        ["seconds"] = r.Seconds is double s ? Math.Round(s, 2) : null,
        ["counts"] = r.Counts is not ConversionCounts c ? null : new JsonObject
        {
            ["calibration_sequences"] = c.CalibrationSequences,
            ["sensitivity_table"] = c.SensitivityTable,
            ["candidates_scored"] = c.CandidatesScored,
            ["forward_passes"] = c.ForwardPasses,
            ["matrices_encoded"] = c.MatricesEncoded,
        },
        ["tensors"] = new JsonArray(r.Tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["rows"] = t.Rows,
            ["cols"] = t.Cols,
            ["codec"] = t.Codec,
            ["group_size"] = t.GroupSize,
            ["bytes"] = t.Bytes,
            ["bits_per_weight"] = Math.Round(t.BitsPerWeight, 4),
            ["sensitivity"] = t.Sensitivity,
        }).ToArray()),
        ["sensitivity_table"] = r.Insight is { Matrices.Count: > 0 } i ? SensitivityTable(i) : null,
        ["policies"] = r.Insight is { Policies.Count: > 0 } p ? new JsonArray([.. p.Policies.Select(Policy)]) : null,
        ["packing"] = r.Insight is { Packing.Count: > 0 } k ? new JsonArray([.. k.Packing.Select(Packing)]) : null,
    };

    private static JsonObject SensitivityTable(ConversionInsight i) => new()
    {
        ["metric"] = i.Metric,
        ["candidates"] = Strings(i.Candidates.Select(c => c.ToString())),
        ["candidate_bits"] = Numbers(i.Candidates.Select(c => (double)c.Bits)),
        ["candidate_sparsity"] = Numbers(i.Candidates.Select(c => c.Sparsity)),
        ["matrices"] = Strings(i.Matrices),
        ["chosen_bits"] = Numbers(i.Chosen.Select(c => (double)c.Bits)),
        ["chosen_sparsity"] = Numbers(i.Chosen.Select(c => Math.Round(c.Sparsity, 4))),
        ["values"] = new JsonArray([.. i.Sensitivity.Select(row => (JsonNode)Numbers(row.Select(v => Math.Round(v, 8))))]),
        ["measured_cells"] = i.MeasuredCells,
    };

    private static JsonNode Policy(PolicyPoint p) => new JsonObject
    {
        ["policy"] = p.Policy,
        ["label"] = p.Label,
        ["matrix_bytes"] = p.MatrixBytes,
        ["predicted_sensitivity"] = Math.Round(p.PredictedSensitivity, 8),
        ["chosen"] = p.Chosen,
    };

    private static JsonNode Packing(PackingLayerInsight l) => new JsonObject
    {
        ["layer"] = l.Layer,
        ["neurons"] = l.Neurons,
        ["blocks"] = l.Blocks,
        ["active_fraction"] = l.MeanActive,
        ["runs_per_token_original"] = l.MeanRunsOriginal,
        ["runs_per_token_packed"] = l.MeanRunsPacked,
        ["bytes_per_token_original"] = l.MeanBytesOriginal,
        ["bytes_per_token_packed"] = l.MeanBytesPacked,
        ["run_lengths_original"] = Numbers(l.RunLengthsOriginal.Select(v => (double)v)),
        ["run_lengths_packed"] = Numbers(l.RunLengthsPacked.Select(v => (double)v)),
        ["coactivation_original"] = Numbers(l.OriginalBlocks),
        ["coactivation_packed"] = Numbers(l.PackedBlocks),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
    /// <summary>NaN (a cell a shard did not score) is written as null: JSON has no NaN.</summary>
    private static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(v => double.IsFinite(v) ? (JsonNode)v : null)]);
}
