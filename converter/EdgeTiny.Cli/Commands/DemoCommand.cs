using System.CommandLine;
using EdgeTiny.Converter;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Demo;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny demo`: the whole pipeline in one command, offline, on the demo model that ships with the tool —
/// convert for a board, generate on the simulated board, tune on the device's side, save everything.
/// EDGETINY_DEMO_QUICK=1 shortens it (fewer tokens and tuning steps) for tests.
/// </summary>
public static class DemoCommand
{
    public const string ModelFile = "village280k.bin";
    public const string QuickVariable = "EDGETINY_DEMO_QUICK";

    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for demo.etb, the board's card folder (model and tuned adapters), summary.json and the texts", DefaultValueFactory = _ => "edgetiny-demo" };
        var board = new Option<string>("--board") { Description = "Board to convert for and simulate (see `edgetiny boards`)", DefaultValueFactory = _ => "esp32-s3-devkitc-1-n8r8" };
        var model = new Option<string?>("--model") { Description = "llama2.c checkpoint (default: the bundled demo model)" };
        var prompt = new Option<string>("--prompt") { DefaultValueFactory = _ => "Once upon a time" };
        var budget = new Option<string>("--size") { Description = "Size the compressed .etb must fit", DefaultValueFactory = _ => "256KB" };
        var command = new Command("demo", "Convert, run on a simulated board, and tune the bundled demo model — the whole pipeline, offline.")
        {
            output, board, model, prompt, budget,
        };
        command.SetAction(parse =>
        {
            bool quick = Environment.GetEnvironmentVariable(QuickVariable) is "1" or "true";
            string modelPath = parse.GetValue(model) ?? Path.Combine(AppContext.BaseDirectory, "models", "demo", ModelFile);
            if (parse.GetValue(model) is null && !File.Exists(modelPath))
                throw new InputException(modelPath, "the bundled demo model is missing from this installation (pass --model)");
            var o = new DemoOptions
            {
                ModelPath = modelPath,
                OutputDirectory = Path.GetFullPath(parse.GetValue(output)!),
                Board = BoardCatalog.Find(parse.GetValue(board)!),
                SizeBudgetBytes = SizeParser.Parse(parse.GetValue(budget)!, "--size"),
                Prompt = parse.GetValue(prompt)!,
                GenerateTokens = quick ? 24 : 64,
                TuneSteps = quick ? 12 : 200,
                AdaptationStories = quick ? 12 : 40,
                Kernels = new EdgeTiny.Runtime.Simd.SimdKernels(),
            };
            AnsiConsole.MarkupLine($"[bold]EdgeTiny demo[/]: {Markup.Escape(Path.GetFileName(modelPath))} on a simulated [bold]{Markup.Escape(o.Board.Name)}[/]");
            DemoResult r = Console.IsErrorRedirected ? DemoRun.Run(o) : ProgressBars.Run(p => DemoRun.Run(o, p));
            Print(r, o);
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Print(DemoResult r, DemoOptions o)
    {
        var c = r.Conversion;
        AnsiConsole.MarkupLine($"\n[bold]1. Converted[/] {c.SourceBytes:N0} B → {c.FileBytes:N0} B ({(double)c.SourceBytes / c.FileBytes:F2}× smaller; "
            + $"LUC per-layer bits within {o.SizeBudgetBytes:N0} B; FFN neurons packed by co-activation, top {o.TuneLayers} layers dense for tuning)");

        AnsiConsole.MarkupLine($"\n[bold]2. Generated on the simulated board[/] (greedy, {r.Tokens.Count} tokens; FFN neurons streamed from the SD card, only the active ones):");
        var table = new Table().AddColumns("#", "token", "peak RAM (B)", "SD reads", "bytes read", "simulated SD ms");
        foreach (TokenCost t in r.Tokens.Take(12).Concat(r.Tokens.Count > 12 ? r.Tokens.TakeLast(1) : []))
            table.AddRow(t.Index.ToString(), Markup.Escape(t.Text.Replace("\n", "\\n")), t.PeakBytes.ToString("N0"), t.Reads.ToString("N0"), t.Bytes.ToString("N0"), t.SimulatedMs.ToString("F2"));
        table.AddRow("mean", "", r.Generation.PeakBytes.ToString("N0") + $" of {r.Generation.BudgetBytes:N0}", r.Tokens.Average(t => t.Reads).ToString("F1"),
            r.Tokens.Average(t => t.Bytes).ToString("N0"), r.Tokens.Average(t => t.SimulatedMs).ToString("F2"));
        AnsiConsole.Write(table);
        if (r.Generation.Predicted is { } native && r.Generation.PredictedPortableOnly is { } stock)
            AnsiConsole.MarkupLine(Markup.Escape($"predicted on the board, {native.Firmware}: {native.TokensPerSecond:F1} tokens/s "
                + $"(ms/token: native kernels {native.KernelsNativeMs:F1}, interpreted kernels {native.KernelsInterpretedMs:F1}, glue {native.GlueMs:F1}, "
                + $"SD {native.SdMs:F1}; most: {native.Dominant}); {stock.Firmware}: {stock.TokensPerSecond:F2} tokens/s"));

        BoardTuning t2 = r.Tuning;
        AnsiConsole.MarkupLine($"\n[bold]3. Tuned on the board[/] over the device protocol ({Markup.Escape(t2.Target)}, card folder {DemoTuning.CardFolder}/): "
            + $"top {t2.Settings.Window} layers, LoRA rank {t2.Settings.Rank}, {t2.Reply.Steps} steps, rehearsal by distillation; "
            + $"peak {t2.Reply.TuningPeakBytes:N0} B of {t2.Reply.BudgetBytes:N0} B; text {Markup.Escape(Path.GetFileName(r.AdaptationPath))} (harbor stories the model never saw)");
        AnsiConsole.MarkupLine($"board loss per step {t2.LossCurve[0]:F3} → {t2.LossCurve[^1]:F3}; saved adapters generation {t2.Saved.Generation} ({t2.Saved.Bytes:N0} B) on the card");
        AnsiConsole.MarkupLine($"held-out harbor loss {t2.HeldOutLossBefore:F3} → [bold]{t2.HeldOutLossAfter:F3}[/] nats/token ([bold]{-t2.HeldOutLossDrop * 100:+0.0;-0.0}%[/]); "
            + $"base-domain (village) perplexity {t2.BasePerplexityBefore:F3} → {t2.BasePerplexityAfter:F3} ([bold]{t2.BasePerplexityRise * 100:+0.0;-0.0}%[/])");
        AnsiConsole.MarkupLine($"[grey]as the board measured it: held-out tenth of the text {t2.Reply.HeldOutLossBefore:F3} → {t2.Reply.HeldOutLossAfter:F3}; "
            + $"perplexity on its own samples {Math.Exp(t2.Reply.BaseLossBefore):F2} → {Math.Exp(t2.Reply.BaseLossAfter):F2} (drift from what the compressed model said before, errors included)[/]");
        PredictedTime step = t2.PredictedStep, stockStep = t2.PredictedStepPortableOnly;
        AnsiConsole.MarkupLine(Markup.Escape($"predicted on {o.Board.Name}, {step.Firmware}: {step.TotalMs:N0} ms per tuning step "
            + $"(native kernels {step.KernelsNativeMs:F1}, interpreted kernels {step.KernelsInterpretedMs:F1}, glue {step.GlueMs:F1}, SD {step.SdMs:F1}; "
            + $"most: {step.Dominant}); {stockStep.Firmware}: {stockStep.TotalMs:N0} ms "
            + $"({t2.StepKernels.TotalOperations / (double)Math.Max(1, t2.Reply.Steps) / 1e6:F1} M kernel operations per step, counted on the board-sim's steps)"));
        var texts = new Table().AddColumns("prompt", "before tuning", "after tuning");
        foreach (PromptPair p in t2.Prompts)
            texts.AddRow(Markup.Escape($"{p.Prompt} ({p.Domain})"), Markup.Escape(p.Before), Markup.Escape(p.After));
        AnsiConsole.Write(texts);

        AnsiConsole.MarkupLine($"\n[bold]4. Saved[/] in {Markup.Escape(o.OutputDirectory)}: {Path.GetFileName(r.EtbPath)}, {DemoTuning.CardFolder}/{EdgeTiny.Host.BoardSim.SimulatedBoard.AdaptersFile}, "
            + $"{Path.GetFileName(r.SummaryPath)}, {Path.GetFileName(r.ReportPath)}, {Path.GetFileName(r.AdaptationPath)} ({r.Seconds:F0} s)");
    }
}
