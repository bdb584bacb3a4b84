using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Cli;

/// <summary>
/// Times a forward pass by layer type: hears a forward pass's hooks (<see cref="ForwardHooks.Observer"/>)'s phase changes and adds the
/// <see cref="Stopwatch.GetTimestamp"/> ticks since the previous change to the phase being left. Allocation-free
/// (one long per phase, created with the timer); <see cref="ForwardPhase.Done"/> stops the clock until the next pass,
/// so sampling and the generator's bookkeeping between passes are not charged to any phase.
/// </summary>
public sealed class PhaseTimer : IForwardObserver
{
    private readonly long[] _ticks = new long[ForwardPhase.Count];
    private int _current = -1;
    private long _since;

    public void Phase(int phase)
    {
        long now = Stopwatch.GetTimestamp();
        if (_current >= 0) _ticks[_current] += now - _since;
        _current = phase >= 0 && phase < ForwardPhase.Count ? phase : -1;
        _since = now;
    }

    public void Reset()
    {
        Array.Clear(_ticks);
        _current = -1;
    }

    /// <summary>Seconds spent in <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public double Seconds(int phase) => (double)_ticks[phase] / Stopwatch.Frequency;

    /// <summary>
    /// {"embedding": {"fraction", "us_per_token"}, …, "classifier": {…}, "outside_forward": {…}}: fractions of
    /// <paramref name="wallSeconds"/> (they sum to 1; "outside_forward" is sampling, the generator and the clock reads).
    /// </summary>
    public JsonObject ToJson(int tokens, double wallSeconds)
    {
        var o = new JsonObject();
        double inside = 0;
        for (int p = 0; p < ForwardPhase.Count; p++)
        {
            inside += Seconds(p);
            o[ForwardPhase.Name(p)] = Entry(Seconds(p));
        }
        o["outside_forward"] = Entry(Math.Max(0, wallSeconds - inside));
        return o;

        JsonObject Entry(double seconds) => new()
        {
            ["fraction"] = wallSeconds > 0 ? Math.Round(seconds / wallSeconds, 4) : 0,
            ["us_per_token"] = tokens > 0 ? Math.Round(seconds * 1e6 / tokens, 3) : 0,
        };
    }
}
