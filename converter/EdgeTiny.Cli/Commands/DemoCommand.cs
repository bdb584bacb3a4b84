using System.CommandLine;
using EdgeTiny.Converter;
using EdgeTiny.Host.Boards;
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
        var output = new Option<string>("--output", "-o") { Description = "Folder for demo.etb, demo.eta, summary.json and the adaptation text", DefaultValueFactory = _ => "edgetiny-demo" };
        var board = new Option<string>("--board") { Description = "Board to convert for and simulate (see `edgetiny boards`)", DefaultValueFactory = _ => "esp32-s3-devkitc-1-n8r8" };
        var model = new Option<string?>("--model") { Description = "llama2.c checkpoint (default: the bundled demo model)" };
        var prompt = new Option<string>("--prompt") { DefaultValueFactory = _ => "Once upon a time" };
        var budget = new Option<string>("--size") { Description = "Size the compressed .etb must fit", DefaultValueFactory = _ => "160KB" };
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
                TuneSteps = quick ? 12 : 100,
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
        if (r.Generation.PredictedTokensPerSecond is double tps)
            AnsiConsole.MarkupLine($"predicted on the board: {tps:F1} tokens/s (kernel compute + simulated SD time)");

        var t2 = r.Tuning;
        AnsiConsole.MarkupLine($"\n[bold]3. Tuned the top {t2.Window} layers[/] (LoRA rank {t2.Rank}, {t2.Steps} steps, peak {t2.TuningPeakBytes:N0} B of the board's budget) "
            + $"on {Markup.Escape(Path.GetFileName(r.AdaptationPath))} — harbor stories the model never saw:");
        AnsiConsole.MarkupLine($"held-out loss {t2.HeldOutLossBefore:F3} → [bold]{t2.HeldOutLossAfter:F3}[/] nats/token; "
            + $"base-domain perplexity {t2.BasePerplexityBefore:F2} → {t2.BasePerplexityAfter:F2}");
        var texts = new Table().AddColumns("before tuning", "after tuning");
        texts.AddRow(Markup.Escape(r.TextBefore), Markup.Escape(r.TextAfter));
        AnsiConsole.Write(texts);

        AnsiConsole.MarkupLine($"\n[bold]4. Saved[/] in {Markup.Escape(o.OutputDirectory)}: {Path.GetFileName(r.EtbPath)}, {Path.GetFileName(r.AdaptersPath)}, "
            + $"{Path.GetFileName(r.SummaryPath)}, {Path.GetFileName(r.ReportPath)}, {Path.GetFileName(r.AdaptationPath)} ({r.Seconds:F0} s)");
    }
}
