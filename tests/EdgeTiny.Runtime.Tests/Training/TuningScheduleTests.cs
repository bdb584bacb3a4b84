using EdgeTiny.Host;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>The committed demo model converted losslessly once for a test class.</summary>
public sealed class DemoF32File : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<string> _path;

    public DemoF32File() => _path = new(() => DemoGolden.ConvertF32(_dir));

    public string Path => _path.Value;
    public string Output(string name) => _dir.File(name);
    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// What a tuning run (EdgeTiny.Host's <see cref="Tuning"/>, as `edgetiny tune` runs it) does, seen through its results:
/// the adaptive schedule puts adapters on every layer and trains windows shallow → deep; rehearsal on self-sampled
/// text limits forgetting. The committed demo model (4 layers) and the project's adaptation stories, so it runs everywhere.
/// </summary>
public sealed class TuningScheduleTests(DemoF32File demo, ITestOutputHelper output) : IClassFixture<DemoF32File>
{
    private static string Corpus(string name) => Path.Combine(SharedData.RepoRoot, "tests", "data", "adaptation", name);

    private static readonly TuneOptions Small = new()
    {
        Window = 2, Rank = 4, Steps = 2, LearningRate = 5e-3f, SequenceLength = 32, RehearsalSequences = 4,
    };

    private (TuneResult Result, AdapterSet Adapters, ModelConfig Config) Tune(string name, TuneOptions o)
    {
        string eta = demo.Output(name + ".eta");
        TuneResult r = Tuning.Run(demo.Path, new SessionOptions(), o, Corpus("train.txt"), Corpus("heldout.txt"), eta);
        ModelConfig c = EtbFile.ReadHead(demo.Path).Config;
        AdapterSet a = AdapterFile.Load(new FileStore(), eta, c, false, new MemoryLedger());
        output.WriteLine($"{name}: adapters on layers {a.FirstLayer}..{c.Layers - 1}, window {a.Window}, exits {r.Exits}; "
            + $"held-out loss {r.HeldOutLossBefore:F3} -> {r.HeldOutLossAfter:F3}, base perplexity {r.BasePerplexityBefore:F3} -> {r.BasePerplexityAfter:F3}");
        return (r, a, c);
    }

    /// <summary>Adapters of a layer as trained: any B entry non-zero (B starts at zero), or A moved from its seeded start.</summary>
    private static bool Trained(AdapterSet a, AdapterSet initial, int layer) =>
        Enumerable.Range(0, AdapterSet.Projections).Any(p =>
            a.Get(layer, p).B.Any(b => b != 0f) || !a.Get(layer, p).A.AsSpan().SequenceEqual(initial.Get(layer, p).A));

    private static AdapterSet Initial(ModelConfig c, AdapterSet like, TuneOptions o)
    {
        var set = new AdapterSet(c, like.FirstLayer, o.Rank, o.Alpha, false, new MemoryLedger());
        set.Initialize(o.Seed);
        return set;
    }

    [Fact]
    public void Adaptive_schedule_adapts_every_layer_and_trains_the_shallow_window_first()
    {
        // One step: the schedule is still in its first phase, so only the lowest window (layers 0-1) has been trained;
        // the deeper window's adapters are exactly as initialised.
        TuneOptions oneStep = Small with { Adaptive = true, Steps = 1 };
        var (r1, first, c) = Tune("adaptive-1", oneStep);
        Assert.True(r1.Adaptive);
        Assert.Equal(0, first.FirstLayer); // adapters on every layer
        Assert.Equal(c.Layers / oneStep.Window, r1.Exits);
        AdapterSet init = Initial(c, first, oneStep);
        Assert.True(Trained(first, init, 0) && Trained(first, init, 1), "the first phase trains the lowest window");
        Assert.False(Trained(first, init, 2) || Trained(first, init, 3), "the deeper window is trained later, not first");

        // One step per phase: the window has moved up, and every layer's adapters have been trained.
        TuneOptions perPhase = Small with { Adaptive = true, Steps = c.Layers / Small.Window };
        var (_, all, _) = Tune("adaptive-2", perPhase);
        Assert.Equal(0, all.FirstLayer);
        Assert.All(Enumerable.Range(0, c.Layers), l => Assert.True(Trained(all, init, l), $"layer {l} untrained"));

        // The plain last-K schedule: adapters only on the top K layers; the lower layers have none to change.
        var (plainResult, plain, _) = Tune("last-2", Small);
        Assert.False(plainResult.Adaptive);
        Assert.Equal(c.Layers - Small.Window, plain.FirstLayer);
        Assert.False(plain.Has(0) || plain.Has(1));
        AdapterSet plainInit = Initial(c, plain, Small);
        Assert.True(Trained(plain, plainInit, 2) && Trained(plain, plainInit, 3));
    }

    /// <summary>
    /// A deliberately aggressive run (learning rate 5e-3, 20 steps) so that forgetting is large without rehearsal; seeds
    /// are fixed (sequence order, rehearsal and base text sampled by the model), so both runs are deterministic.
    /// </summary>
    [Fact]
    public void Rehearsal_limits_the_rise_of_base_domain_perplexity()
    {
        TuneOptions o = Small with { Steps = 20, LearningRate = 5e-3f, SequenceLength = 48, RehearsalSequences = 8 };
        var (without, _, _) = Tune("no-rehearsal", o with { RehearsalSteps = 0 });
        var (with, _, _) = Tune("rehearsal", o with { RehearsalSteps = 1 });
        output.WriteLine($"base perplexity rise: without rehearsal {without.BasePerplexityRise:P2}, with {with.BasePerplexityRise:P2}; "
            + $"held-out loss drop {without.HeldOutLossDrop:P2} / {with.HeldOutLossDrop:P2}");
        Assert.Equal(without.BasePerplexityBefore, with.BasePerplexityBefore); // the same base text, measured the same way
        Assert.True(without.BasePerplexityRise > 0, "without rehearsal the model forgets some of its own domain");
        // Measured: +338% without rehearsal, +67% with one rehearsal step per step (held-out loss drops 25.6% / 25.4%).
        Assert.True(with.BasePerplexityRise < 0.5 * without.BasePerplexityRise,
            $"rise with rehearsal {with.BasePerplexityRise:P2}, without {without.BasePerplexityRise:P2}");
        Assert.True(with.HeldOutLossDrop > 0, "with rehearsal it still learns the new stories");
    }
}
