using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Host;
using EdgeTiny.Runtime.Training;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny tune`: personalise a model with your text by training LoRA adapters on its last layers, as the board
/// does (within its RAM, from its SD card), then save them crash-safely to an .eta file.
/// </summary>
public static class TuneCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var text = new Option<string>("--text") { Description = "Text to adapt to", Required = true };
        var heldOut = new Option<string?>("--heldout") { Description = "Text to measure on (default: the last tenth of --text)" };
        var layers = new Option<int>("--layers") { Description = "K: tune the last K layers (window size with --schedule adaptive)", DefaultValueFactory = _ => 2 };
        var rank = new Option<int>("--rank") { Description = "LoRA rank", DefaultValueFactory = _ => 8 };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps on --text (each followed by a rehearsal step)", DefaultValueFactory = _ => 60 };
        var lr = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 5e-4f };
        var optimizer = new Option<string>("--optimizer") { Description = "adam or sgd (no state: least memory)", DefaultValueFactory = _ => "adam" };
        var schedule = new Option<string>("--schedule") { Description = "last (the top K layers) or adaptive (Edge-LLM: windows of K, shallow to deep, each with an exit)", DefaultValueFactory = _ => "last" };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per training sequence", DefaultValueFactory = _ => 64 };
        var rehearsal = new Option<int>("--rehearsal") { Description = "Rehearsal steps on self-sampled text after each step (0 = none)", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for adapter init, order and rehearsal text", DefaultValueFactory = _ => 7 };
        var output = new Option<string>("--output", "-o") { Description = "The .eta file to write (a new generation if it exists)", Required = true };
        var distill = new Option<bool>("--distill") { Description = "Rehearse by distillation: pull the adapted model to the base model's own distributions on its samples (forgets less; one more forward pass per rehearsal step)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the adapters already in the -o file (same --layers, --rank) instead of fresh ones" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var board = new BoardOptions();
        var command = new Command("tune", "Tune the last layers on your text (LoRA) and save the adapters crash-safely.")
        {
            model, text, heldOut, layers, rank, steps, lr, optimizer, schedule, seqLen, rehearsal, distill, seed, output, resume, json,
        };
        board.AddTo(command);
        command.SetAction(parse =>
        {
            string opt = parse.GetValue(optimizer)!, sched = parse.GetValue(schedule)!;
            Cli.Require(opt is "adam" or "sgd", "--optimizer", $"'{opt}' must be adam or sgd");
            Cli.Require(sched is "last" or "adaptive", "--schedule", $"'{sched}' must be last or adaptive");
            Cli.Require(parse.GetValue(lr) > 0, "--lr", "must be > 0");
            Cli.Require(parse.GetValue(rehearsal) >= 0, "--rehearsal", "must be >= 0");
            var tune = new TuneOptions
            {
                Window = parse.GetValue(layers),
                Rank = parse.GetValue(rank),
                Steps = parse.GetValue(steps),
                LearningRate = parse.GetValue(lr),
                Optimizer = opt == "adam" ? OptimizerKind.Adam : OptimizerKind.Sgd,
                Adaptive = sched == "adaptive",
                SequenceLength = parse.GetValue(seqLen),
                RehearsalSteps = parse.GetValue(rehearsal),
                Seed = parse.GetValue(seed),
                Resume = parse.GetValue(resume),
                RehearsalDistill = parse.GetValue(distill),
            };
            SessionOptions session = board.Read(parse, 0) with { AdaptersPath = null };
            string path = parse.GetValue(model)!, textPath = parse.GetValue(text)!, outPath = parse.GetValue(output)!;
            TuneResult r = parse.GetValue(json) || Console.IsErrorRedirected
                ? Tuning.Run(path, session, tune, textPath, parse.GetValue(heldOut), outPath)
                : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("tuning", maxValue: tune.Steps);
                    return Tuning.Run(path, session, tune, textPath, parse.GetValue(heldOut), outPath, (done, _, _) => task.Value = done);
                });
            JsonObject result = ToJson(outPath, r);
            if (parse.GetValue(json)) JsonOutput.Write(result);
            else Print(result);
            return Cli.ExitOk;
        });
        return command;
    }

    private static JsonObject Memory(TuningMemory m) => new()
    {
        ["total_bytes"] = m.Total,
        ["tuning_specific_bytes"] = m.TuningSpecific,
        ["saved_activations_bytes"] = m.Activations,
        ["gradients_bytes"] = m.Gradients,
        ["optimizer_state_bytes"] = m.OptimizerState,
        ["parameters_bytes"] = m.Parameters,
    };

    private static JsonObject ToJson(string output, TuneResult r) => new()
    {
        ["adapters"] = output,
        ["generation"] = r.Generation,
        ["schedule"] = r.Adaptive ? "adaptive" : "last",
        ["layers"] = r.Window,
        ["rank"] = r.Rank,
        ["steps"] = r.Steps,
        ["train_sequences"] = r.TrainSequences,
        ["train_tokens"] = r.TrainTokens,
        ["heldout_tokens"] = r.HeldOutTokens,
        ["heldout_loss_before"] = Math.Round(r.HeldOutLossBefore, 4),
        ["heldout_loss_after"] = Math.Round(r.HeldOutLossAfter, 4),
        ["heldout_loss_drop"] = Math.Round(r.HeldOutLossDrop, 4),
        ["exits"] = r.Exits,
        ["heldout_loss_voting_max"] = Math.Round(r.HeldOutLossVotingMax, 4),
        ["heldout_loss_voting_weighted"] = Math.Round(r.HeldOutLossVotingWeighted, 4),
        ["base_perplexity_before"] = Math.Round(r.BasePerplexityBefore, 4),
        ["base_perplexity_after"] = Math.Round(r.BasePerplexityAfter, 4),
        ["base_perplexity_rise"] = Math.Round(r.BasePerplexityRise, 4),
        ["memory"] = new JsonObject
        {
            ["tuning_peak_bytes"] = r.TuningPeakBytes,
            ["budget_bytes"] = r.BudgetBytes > 0 ? r.BudgetBytes : null,
            ["tuning"] = Memory(r.Memory),
            ["full_depth_adapter_tuning"] = Memory(r.FullDepthAdapters),
            ["full_fine_tuning"] = Memory(r.FullFineTuning),
        },
        ["cost_per_step"] = new JsonObject
        {
            ["macs"] = r.StepMacs,
            ["simulated_sd_ms"] = r.SimulatedSdMsPerStep is double sd ? Math.Round(sd, 3) : null,
            ["predicted_ms_on_board"] = r.PredictedMsPerStep is double ms ? Math.Round(ms, 2) : null,
        },
        ["seconds"] = Math.Round(r.Seconds, 2),
    };

    private static void Print(JsonObject r)
    {
        var table = new Table().AddColumns("measure", "value");
        foreach (string key in new[] { "heldout_loss_before", "heldout_loss_after", "heldout_loss_drop", "heldout_loss_voting_max", "base_perplexity_before", "base_perplexity_after", "seconds" })
            table.AddRow(key, r[key]!.ToJsonString());
        table.AddRow("tuning peak bytes", r["memory"]!["tuning_peak_bytes"]!.ToJsonString());
        if (r["cost_per_step"]!["predicted_ms_on_board"] is JsonNode ms) table.AddRow("predicted ms per step on the board", ms.ToJsonString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"wrote [bold]{r["adapters"]}[/] (generation {r["generation"]})");
    }
}
