using EdgeTiny.Converter.Conversion;
using Spectre.Console;

namespace EdgeTiny.Cli;

/// <summary>Spectre progress bars for the slow conversion steps, drawn on stderr so stdout stays clean for --json.</summary>
public static class ProgressBars
{
    public static T Run<T>(Func<IConversionProgress, T> work)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(false).Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new Sink(ctx)));
    }

    private sealed class Sink(ProgressContext ctx) : IConversionProgress
    {
        private ProgressTask? _task;

        public void Stage(string name, int total)
        {
            if (_task is not null) _task.Value = _task.MaxValue;
            _task = ctx.AddTask($"{name} ({total})", maxValue: Math.Max(1, total));
        }

        public void Advance(int done)
        {
            if (_task is not null) _task.Value = Math.Min(done, _task.MaxValue);
        }
    }
}
