using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Conversion;

namespace EdgeTiny.Cli;

/// <summary>
/// Progress as lines on stderr, for logs and tools (stdout stays one JSON object): each stage with its count, the
/// share done and an estimate of the time left. Text lines come only for stages that last (the first after 2 s, then
/// every 10 s, and a closing line), so quick conversions and early errors print nothing; with <c>--json</c> every stage
/// start and end is an event (one JSON object per line) and progress events come at most once a second.
/// </summary>
public sealed class ProgressLines(TextWriter error, bool json) : IConversionProgress
{
    private static readonly TimeSpan FirstTextLine = TimeSpan.FromSeconds(2), TextInterval = TimeSpan.FromSeconds(10), JsonInterval = TimeSpan.FromSeconds(1);
    private readonly Stopwatch _stage = new();
    private string? _name;
    private int _total, _done;
    private TimeSpan _lastLine;
    private bool _reported;

    public void Stage(string name, int total)
    {
        Finish();
        _name = name;
        _total = Math.Max(1, total);
        _done = 0;
        _reported = false;
        _lastLine = TimeSpan.Zero;
        _stage.Restart();
        if (json) Emit(new JsonObject { ["event"] = "stage", ["stage"] = name, ["total"] = _total });
    }

    public void Advance(int done)
    {
        _done = Math.Min(done, _total);
        TimeSpan now = _stage.Elapsed;
        bool due = json ? now - _lastLine >= JsonInterval : now >= FirstTextLine && (!_reported || now - _lastLine >= TextInterval);
        if (!due || _done >= _total) return;
        _lastLine = now;
        _reported = true;
        double? eta = _done > 0 ? now.TotalSeconds / _done * (_total - _done) : null;
        if (json)
            Emit(new JsonObject
            {
                ["event"] = "progress", ["stage"] = _name, ["done"] = _done, ["total"] = _total,
                ["elapsed_seconds"] = Math.Round(now.TotalSeconds, 1), ["eta_seconds"] = eta is double e ? Math.Round(e, 1) : null,
            });
        else
            error.WriteLine($"{_name}: {_done}/{_total} ({100.0 * _done / _total:F0}%), {Duration(now.TotalSeconds)}" +
                (eta is double left ? $", about {Duration(left)} left" : ""));
    }

    /// <summary>Closes the current stage (a line if it was long enough to be reported, an event with --json).</summary>
    public void Finish()
    {
        if (_name is null) return;
        double seconds = _stage.Elapsed.TotalSeconds;
        if (json) Emit(new JsonObject { ["event"] = "stage_done", ["stage"] = _name, ["total"] = _total, ["seconds"] = Math.Round(seconds, 2) });
        else if (_reported) error.WriteLine($"{_name}: done, {_total} in {Duration(seconds)}");
        _name = null;
    }

    private void Emit(JsonObject o) => error.WriteLine(o.ToJsonString());

    private static string Duration(double seconds) => seconds < 90
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)(seconds / 60)} min {(int)(seconds % 60)} s");
}
