using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Host;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Training;
using EdgeTiny.Reports.Pages;
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
        var distill = new Option<bool>("--distill") { Description = "Rehearse by distillation: pull the adapted model to the base model's own distributions on its samples (forgets less; one more forward pass per rehearsal step)" };
        var weight = new Option<float>("--rehearsal-weight") { Description = "With --distill: weight λ of the distillation term in the one update per step, L(text) + λ·KL(base ‖ adapted) (higher forgets less and learns less)", DefaultValueFactory = _ => 1f };
        var decay = new Option<bool>("--lr-decay") { Description = "Decay the learning rate linearly to a tenth by the last step" };
        var output = new Option<string>("--output", "-o") { Description = "The .eta file to write (a new generation if it exists); not with --target (the board saves on its card)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the adapters already in the -o file (with --target: the board's loaded adapters; same --layers, --rank) instead of fresh ones" };
        var target = new Option<string>("--target") { Description = "Tune on a board instead: tcp://HOST:PORT (board-sim --card, Pi host) or serial:/dev/ttyX[@BAUD]. Uploads --text, shows each step as the board reports it, then has the board save its adapters." };
        var timeout = new Option<int>("--timeout") { Description = "With --target: seconds to wait for each reply or progress frame", DefaultValueFactory = _ => 600 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var board = new BoardOptions();
        var report = new ReportOption();
        var command = new Command("tune", "Tune the last layers on your text (LoRA) and save the adapters crash-safely.")
        {
            model, text, heldOut, layers, rank, steps, lr, optimizer, schedule, seqLen, rehearsal, distill, weight, decay, seed, output, resume, target, timeout, json,
        };
        board.AddTo(command);
        report.AddTo(command);
        command.SetAction(parse =>
        {
            report.Check(parse);
            string opt = parse.GetValue(optimizer)!, sched = parse.GetValue(schedule)!;
            Cli.Require(opt is "adam" or "sgd", "--optimizer", $"'{opt}' must be adam or sgd");
            Cli.Require(sched is "last" or "adaptive", "--schedule", $"'{sched}' must be last or adaptive");
            Cli.Require(parse.GetValue(lr) > 0, "--lr", "must be > 0");
            Cli.Require(parse.GetValue(rehearsal) >= 0, "--rehearsal", "must be >= 0");
            Cli.Require(parse.GetValue(weight) is >= 0 and <= 100, "--rehearsal-weight", "must be in 0..100");
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
                RehearsalWeight = parse.GetValue(weight),
                LearningRateDecay = parse.GetValue(decay),
            };
            string? targetValue = parse.GetValue(target);
            if (targetValue is not null)
            {
                Cli.Require(parse.GetValue(output) is null, "--output", "not with --target: the board saves the adapters on its card");
                Cli.Require(parse.GetValue(heldOut) is null, "--heldout", "not with --target: the board holds out the last tenth of --text");
                Cli.Require(parse.GetValue(timeout) > 0, "--timeout", "must be > 0");
                JsonObject onBoard = OnBoard(parse.GetValue(model)!, parse.GetValue(text)!, tune, targetValue, parse.GetValue(timeout), parse.GetValue(json));
                report.WriteIfAsked(parse, onBoard, TuneReport.Build);
                if (parse.GetValue(json)) JsonOutput.Write(onBoard);
                return Cli.ExitOk;
            }
            Cli.Require(parse.GetValue(output) is not null, "--output", "is required (or --target to tune on a board)");
            SessionOptions session = board.Read(parse, 0) with { AdaptersPath = null };
            string path = parse.GetValue(model)!, textPath = parse.GetValue(text)!, outPath = parse.GetValue(output)!;
            TuneResult r = parse.GetValue(json) || Console.IsErrorRedirected
                ? Tuning.Run(path, session, tune, textPath, parse.GetValue(heldOut), outPath)
                : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("tuning", maxValue: tune.Steps);
                    return Tuning.Run(path, session, tune, textPath, parse.GetValue(heldOut), outPath, (done, _, _) => task.Value = done);
                });
            JsonObject result = ToJson(outPath, r, session.Board);
            report.WriteIfAsked(parse, result, TuneReport.Build);
            if (parse.GetValue(json)) JsonOutput.Write(result);
            else Print(result);
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// `edgetiny tune --target`: the settings are checked against the model here (bad ones exit 2 before anything is
    /// sent), the text goes up in chunks (upload), the board tunes (a line per step as its progress frames arrive) and
    /// saves crash-safely on its card.
    /// </summary>
    private static JsonObject OnBoard(string modelPath, string textPath, TuneOptions tune, string target, int timeoutSeconds, bool json)
    {
        var config = EtbFile.ReadHead(modelPath).Config;
        TuneSettings settings = tune.ToSettings();
        try
        {
            settings.Validate(config);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InputException("--" + e.ParamName, e.Message.Split(" (Parameter")[0]);
        }
        if (Directory.Exists(textPath) || !File.Exists(textPath)) throw new InputException(textPath, "--text file not found");
        byte[] text = File.ReadAllBytes(textPath);
        if (text.Length == 0) throw new InputException(textPath, "--text is empty");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using BoardLink board = BoardLink.Open(target, timeoutSeconds);
        if (board.Hello.ProtocolVersion < 2) throw new InputException("--target", $"{board.Where} speaks protocol {board.Hello.ProtocolVersion}; tuning needs 2");
        var curve = new List<float>();
        var micros = new List<long>();
        TuneReply reply;
        SaveReply saved;
        try
        {
            board.Client.Upload(text, board.Hello.MaxPayload);
            reply = board.Client.Tune(settings, tune.Resume, null, p =>
            {
                curve.Add(p.Loss);
                micros.Add(p.Microseconds);
                if (!json) Console.Out.WriteLine($"step {p.Step}/{p.Steps}  loss {p.Loss:F4}  {p.Microseconds / 1000.0:F1} ms");
            }, measure: true);
            saved = board.Client.Save();
        }
        catch (DeviceErrorException e) when (e.Code is ErrorCode.BadArgument or ErrorCode.NotSupported)
        {
            throw new InputException("--target", $"{board.Where}: {e.Message}");
        }
        var result = new JsonObject
        {
            ["target"] = board.Where,
            ["board"] = board.Hello.BoardId,
            ["firmware"] = board.Hello.FirmwareVersion,
            ["schedule"] = tune.Adaptive ? "adaptive" : "last",
            ["layers"] = tune.Window,
            ["rank"] = tune.Rank,
            ["steps"] = reply.Steps,
            ["train_sequences"] = reply.TrainSequences,
            ["heldout_sequences"] = reply.HeldOutSequences,
            ["text_tokens"] = reply.TextTokens,
            ["first_loss"] = Math.Round(reply.FirstLoss, 4),
            ["last_loss"] = Math.Round(reply.LastLoss, 4),
            // Measured by the board: its held-out part of the text (the last tenth) and its own samples (base domain).
            ["heldout_loss_before"] = Math.Round(reply.HeldOutLossBefore, 4),
            ["heldout_loss_after"] = Math.Round(reply.HeldOutLossAfter, 4),
            ["base_perplexity_before"] = Math.Round(Math.Exp(reply.BaseLossBefore), 3),
            ["base_perplexity_after"] = Math.Round(Math.Exp(reply.BaseLossAfter), 3),
            ["loss_curve"] = new JsonArray([.. curve.Select(l => (JsonNode)Math.Round(l, 5))]),
            ["ms_per_step"] = new JsonArray([.. micros.Select(m => (JsonNode)Math.Round(m / 1000.0, 2))]),
            ["board_seconds"] = Math.Round(reply.Microseconds / 1e6, 2),
            ["tuning_peak_bytes"] = reply.TuningPeakBytes,
            ["budget_bytes"] = reply.BudgetBytes > 0 ? reply.BudgetBytes : null,
            ["generation"] = saved.Generation,
            ["adapters_bytes"] = saved.Bytes,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
        };
        if (!json) Console.Out.WriteLine($"tuned {reply.Steps} steps on {board.Hello.BoardId}: held-out loss {reply.HeldOutLossBefore:F4} -> {reply.HeldOutLossAfter:F4}, "
            + $"base perplexity {Math.Exp(reply.BaseLossBefore):F3} -> {Math.Exp(reply.BaseLossAfter):F3}, "
            + $"tuning peak {reply.TuningPeakBytes} bytes; saved generation {saved.Generation} ({saved.Bytes} bytes) on the board");
        return result;
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

    private static JsonObject ToJson(string output, TuneResult r, EdgeTiny.Host.Boards.BoardProfile? board) => new()
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
        ["loss_curve"] = new JsonArray([.. r.LossCurve.Select(l => (JsonNode)Math.Round(l, 5))]),
        ["heldout_curve"] = new JsonArray([.. r.HeldOutCurve.Select(p => (JsonNode)new JsonObject { ["step"] = p.Step, ["loss"] = Math.Round(p.Loss, 5) })]),
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
            ["predicted"] = r.PredictedStep is null || r.PredictedStepPortableOnly is null || board is null ? null
                : PredictionJson.Predicted(board, r.StepKernels, r.Steps, r.PredictedStep, r.PredictedStepPortableOnly, "step"),
        },
        ["seconds"] = Math.Round(r.Seconds, 2),
    };

    private static void Print(JsonObject r)
    {
        var table = new Table().AddColumns("measure", "value");
        foreach (string key in new[] { "heldout_loss_before", "heldout_loss_after", "heldout_loss_drop", "heldout_loss_voting_max", "base_perplexity_before", "base_perplexity_after", "seconds" })
            table.AddRow(key, r[key]!.ToJsonString());
        table.AddRow("tuning peak bytes", r["memory"]!["tuning_peak_bytes"]!.ToJsonString());
        foreach (string firmware in new[] { "native_kernels", "portable_only" })
            if (r["cost_per_step"]!["predicted"]?[firmware] is JsonObject p)
            {
                JsonNode ms = p["ms_per_step"]!;
                table.AddRow($"predicted ms per step, {p["firmware"]}", ms["total"]!.ToJsonString());
                table.AddRow("  native kernels / interpreted kernels / glue / SD", $"{ms["kernels_native"]} / {ms["kernels_interpreted"]} / {ms["glue"]} / {ms["sd"]} (most: {p["dominant"]})");
            }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"wrote [bold]{r["adapters"]}[/] (generation {r["generation"]})");
    }
}
