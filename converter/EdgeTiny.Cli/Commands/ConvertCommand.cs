using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Host.Boards;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Reports.Pages;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny convert`: a llama2.c checkpoint or GGUF file → an .etb file, compressed by a policy.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "Trained model: a llama2.c checkpoint (.bin: float versions 0-1, int8 version 2), or a GGUF file (architecture llama)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "llama2.c tokenizer file (default: tok{vocab}.bin or tokenizer.bin beside the source)" };
        var policy = new Option<string>("--policy") { Description = "none (one codec for all), uniform, luc (optimal per-layer mix for the budget), edge-llm (the paper's rule)", DefaultValueFactory = _ => "none" };
        var bits = new Option<int?>("--bits") { Description = "none/uniform: bits per weight, 32 (float, lossless) or 2..8 (group-quantized)" };
        var sparsity = new Option<double>("--sparsity") { Description = "uniform: share of weights pruned (Wanda) in every matrix, e.g. 0.5" };
        var budget = new Option<string?>("--budget") { Description = "Size of the whole .etb file: bytes, or with KB/MB (luc, edge-llm, uniform without --bits)" };
        var board = new Option<string?>("--board") { Description = "Use this board's model budget as --budget (see `edgetiny boards`)" };
        var group = new Option<int>("--group-size") { Description = "Weights per quantization scale", DefaultValueFactory = _ => 64 };
        var calib = new Option<string?>("--calib") { Description = "Calibration text file (default: sample stories from the source model itself, seeded)" };
        var sensitivity = new Option<string>("--sensitivity") { Description = "kl (output KL with only that tensor compressed) or mse (Edge-LLM's layer-output MSE, cheaper)", DefaultValueFactory = _ => "kl" };
        var tunable = new Option<int>("--tunable-layers") { Description = "With --pack: keep the top K layers' FFNs dense so the device can tune them (edgetiny tune --layers K)" };
        var pack = new Option<string>("--pack") { Description = "FFN layout: none, original (neuron bundles, original order), coactivation (bundles in Ripple's co-activation order)", DefaultValueFactory = _ => "none" };
        var energy = new Option<double>("--ffn-energy") { Description = "Packed FFNs: share of FFN output energy active neurons keep (sets per-layer thresholds)", DefaultValueFactory = _ => 0.99 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampled calibration data", DefaultValueFactory = _ => 1234 };
        var output = new Option<string>("--output", "-o") { Description = "The .etb file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text (progress events go to stderr, one JSON object a line)" };
        var shard = new Option<string?>("--sensitivity-shard") { Description = "Measure only shard i/n of the sensitivity sweep and write it to -o (JSON); merge with --sensitivity-from" };
        var sweep = new Option<string>("--sweep") { Description = "The sensitivity sweep of luc, edge-llm and uniform --budget: fast (layer output error for every candidate, whole-model KL only for an anchor per matrix and what the policy weighs) or full (every candidate's KL on the whole model; what shards hold)", DefaultValueFactory = _ => "fast" };
        var report = new ReportOption();
        var from = new Option<string[]>("--sensitivity-from") { Description = "Sensitivity shard files (from --sensitivity-shard) to merge instead of sweeping here", AllowMultipleArgumentsPerToken = true };

        var command = new Command("convert", "Convert a trained model into a compact .etb file.")
        {
            source, tokenizer, policy, bits, sparsity, budget, board, group, calib, sensitivity, pack, tunable, energy, seed, output, json, shard, from, sweep,
        };
        report.AddTo(command);
        command.SetAction(parse =>
        {
            report.Check(parse);
            string policyName = parse.GetValue(policy)!;
            SourceModel model = ModelImport.Read(parse.GetValue(source)!, parse.GetValue(tokenizer));
            // An int8 source (llama2.c version 2) converted with --policy none keeps its int8 values and groups
            // unless --bits / --group-size say otherwise.
            Int8Groups? stored = policyName == "none" ? model.Tensors.FirstOrDefault(t => t.Int8 is not null)?.Int8 : null;
            bool groupGiven = parse.GetResult(group) is { Implicit: false };
            long budgetBytes = parse.GetValue(budget) is string b ? SizeParser.Parse(b, "--budget")
                : parse.GetValue(board) is string id ? BoardCatalog.Find(id).Memory.ModelBudgetBytes : 0;
            var options = new ConvertOptions
            {
                Policy = policyName,
                Bits = parse.GetValue(bits) ?? (policyName == "uniform" ? 0 : stored is not null ? 8 : 32),
                Sparsity = parse.GetValue(sparsity),
                BudgetBytes = budgetBytes,
                GroupSize = stored is not null && !groupGiven ? stored.GroupSize : parse.GetValue(group),
                CalibrationText = parse.GetValue(calib),
                Seed = parse.GetValue(seed),
                Pack = parse.GetValue(pack)!,
                TunableLayers = parse.GetValue(tunable),
                FfnEnergy = parse.GetValue(energy),
                Metric = parse.GetValue(sensitivity) switch
                {
                    "kl" => SensitivityMetric.Kl,
                    "mse" => SensitivityMetric.Mse,
                    var other => throw new InputException("--sensitivity", $"'{other}' must be kl or mse"),
                },
                SensitivityFrom = parse.GetValue(from) is { Length: > 0 } parts ? parts : null,
                Sweep = parse.GetValue(sweep)!,
            };
            SweepShard? sweepShard = parse.GetValue(shard) is string text ? SweepShard.Parse(text, "--sensitivity-shard") : null;
            if (sweepShard is not null && options.SensitivityFrom is not null)
                throw new InputException("--sensitivity-shard", "measures a shard; --sensitivity-from merges them: give one of the two");
            options.Validate();
            string path = parse.GetValue(output)!;
            bool asJson = parse.GetValue(json);
            if (sweepShard is not null)
            {
                SensitivityTable part = WithProgress(asJson, p => ModelConverter.MeasureShard(model, options, sweepShard, path, p));
                var summary = new JsonObject
                {
                    ["output"] = path, ["shard"] = sweepShard.ToString(), ["scored"] = part.Counts.Scored,
                    ["forward_passes"] = part.Counts.ForwardPasses, ["seconds"] = Math.Round(part.Elapsed.TotalSeconds, 2),
                };
                if (asJson) JsonOutput.Write(summary);
                else AnsiConsole.MarkupLineInterpolated($"wrote [bold]{path}[/]: sensitivity shard {sweepShard}, {part.Counts.Scored} candidates in {part.Elapsed.TotalSeconds:F1} s");
                return Cli.ExitOk;
            }
            ConversionReport converted = WithProgress(asJson, p => ModelConverter.Convert(model, options, path, p));
            JsonObject result = ConversionJson.ToJson(converted);
            report.WriteIfAsked(parse, result, ConvertReport.Build);
            if (asJson) JsonOutput.Write(result);
            else Print(converted);
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>Progress bars on a terminal; lines on a redirected stderr; JSON events with --json.</summary>
    private static T WithProgress<T>(bool json, Func<IConversionProgress, T> work)
    {
        if (!json && !Console.IsErrorRedirected) return ProgressBars.Run(work);
        var lines = new ProgressLines(Console.Error, json);
        T result = work(lines);
        lines.Finish();
        return result;
    }

    private static void Print(ConversionReport r)
    {
        var table = new Table().AddColumns("tensor", "shape", "codec", "bytes", "bits/weight", "sensitivity");
        foreach (var t in r.Tensors)
            table.AddRow(t.Name, $"{t.Rows}x{t.Cols}", t.Codec, t.Bytes.ToString("N0"), t.BitsPerWeight.ToString("F2"), t.Sensitivity?.ToString("E2") ?? "");
        AnsiConsole.Write(table);
        if (r.PolicyDetail is not null) AnsiConsole.MarkupLineInterpolated($"policy {r.Options.Policy}: {r.PolicyDetail}");
        AnsiConsole.MarkupLineInterpolated(
            $"wrote [bold]{r.Output}[/]: {r.FileBytes:N0} bytes, {r.BitsPerParameter:F2} bits/parameter ({(double)r.SourceBytes / r.FileBytes:F2}x smaller than the {r.SourceBytes:N0}-byte source)");
    }
}
