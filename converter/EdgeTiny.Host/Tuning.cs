using System.Diagnostics;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Host;

/// <summary>How to tune: the window of layers, adapter rank, optimiser, steps, and the schedule.</summary>
public sealed record TuneOptions
{
    /// <summary>K: adapters on (and backward through) the last K layers; with the adaptive schedule, the window size.</summary>
    public int Window { get; init; } = 2;
    public int Rank { get; init; } = 8;
    public float Alpha { get; init; } = 16f;
    public int Steps { get; init; } = 60;
    public float LearningRate { get; init; } = 5e-4f;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public float ClipNorm { get; init; } = 1f;
    public int SequenceLength { get; init; } = 64;
    /// <summary>Edge-LLM's schedule: adapters on every layer, windows of K trained shallow → deep, each with its own exit.</summary>
    public bool Adaptive { get; init; }
    public ulong Seed { get; init; } = 7;

    /// <summary>
    /// Rehearsal: after every adaptation step, this many steps on text the base model sampled before tuning began
    /// (self-generated, so the device needs no other data). Keeps the adapters from forgetting what the model knew.
    /// </summary>
    public int RehearsalSteps { get; init; } = 1;
    public int RehearsalSequences { get; init; } = 64;
}

/// <summary>What a tuning run did and measured.</summary>
public sealed record TuneResult
{
    // What was run.
    public required TuneOptions Settings { get; init; }
    public int Steps => Settings.Steps;
    public int Window => Settings.Window;
    public int Rank => Settings.Rank;
    public bool Adaptive => Settings.Adaptive;
    public required int TrainSequences { get; init; }
    public required int TrainTokens { get; init; }
    public required int HeldOutTokens { get; init; }

    // What it learned (held-out loss in nats per token, at the top exit and voted over the exits) and forgot.
    public required double HeldOutLossBefore { get; init; }
    public required double HeldOutLossAfter { get; init; }
    public required double HeldOutLossVotingMax { get; init; }
    public required double HeldOutLossVotingWeighted { get; init; }
    public required int Exits { get; init; }
    public required double BasePerplexityBefore { get; init; }
    public required double BasePerplexityAfter { get; init; }
    public required float[] LossCurve { get; init; }
    public double HeldOutLossDrop => 1 - HeldOutLossAfter / HeldOutLossBefore;
    public double BasePerplexityRise => BasePerplexityAfter / BasePerplexityBefore - 1;

    // What it cost.
    public required long TuningPeakBytes { get; init; }
    public required long BudgetBytes { get; init; }
    public required TuningMemory Memory { get; init; }
    public required TuningMemory FullDepthAdapters { get; init; }
    public required TuningMemory FullFineTuning { get; init; }
    public required uint Generation { get; init; }
    public required double Seconds { get; init; }
}

/// <summary>
/// A tuning run on the desktop, as the board runs it: the model opened within (budget − tuning memory), LoRA adapters
/// trained by the runtime's <see cref="AdapterTuner"/>, measured before and after on held-out text and on text the
/// base model samples (to show what it forgets), then saved crash-safely with <see cref="AdapterFile"/>.
/// </summary>
public static class Tuning
{
    public static TuneResult Run(string modelPath, SessionOptions session, TuneOptions o, string trainText, string? heldOutText,
        string output, Action<int, int, float>? onStep = null)
    {
        var clock = Stopwatch.StartNew();
        (ModelConfig config, Tokenizer tokenizer) = EtbFile.ReadHead(modelPath);
        int adapted = o.Adaptive ? config.Layers : o.Window;
        if (o.Window < 1 || o.Window > config.Layers) throw new InputException("--layers", $"{o.Window} must be in 1..{config.Layers}");
        if (o.Rank < 1 || o.Rank > 256) throw new InputException("--rank", $"{o.Rank} must be in 1..256");
        if (o.Steps < 1) throw new InputException("--steps", $"{o.Steps} must be > 0");
        int T = Math.Min(o.SequenceLength, config.SeqLen);

        TokenSequences all = TokenSequences.FromText(trainText, tokenizer, config.SeqLen, 10_000, T, "--text");
        TokenSequences train, heldOut;
        if (heldOutText is not null)
        {
            train = all;
            heldOut = TokenSequences.FromText(heldOutText, tokenizer, config.SeqLen, 10_000, T, "--heldout");
        }
        else
        {
            if (all.Sequences.Length < 2) throw new InputException("--text", "too short to keep a held-out part: give --heldout FILE");
            int cut = Math.Max(1, all.Sequences.Length / 10);
            train = all with { Sequences = all.Sequences[..^cut] };
            heldOut = all with { Sequences = all.Sequences[^cut..] };
        }

        TuningMemory memory = TuningMemory.Adapters(config, adapted, o.Window, o.Rank, T, o.Optimizer);
        long budget = session.EffectiveBudget;
        if (budget > 0 && budget <= memory.Total)
            throw new InputException(session.BudgetBytes > 0 ? "--budget" : "--board", $"tuning alone needs {memory.Total} bytes; the budget is {budget}");
        // Adapters and tuning buffers are part of the model's plan; tuning needs a float KV cache for its backward pass.
        RuntimeOptions runtime = session.Runtime.Copy();
        runtime.ContextLength = T;
        runtime.KvPrecision = KvPrecision.Float;
        runtime.AdapterLayers = adapted;
        runtime.AdapterRank = o.Rank;
        runtime.Tuning = new TuningShape { Window = o.Window, SequenceLength = T, Optimizer = o.Optimizer };
        using BoardSession s = BoardSession.Open(modelPath, session with { Runtime = runtime });
        EtbModel model = s.Model;
        Transformer t = s.Transformer;
        long beforeTuner = model.Ledger.CurrentBytes;
        var adapters = new AdapterSet(config, config.Layers - adapted, o.Rank, o.Alpha, true, model.Ledger) { Window = o.Window };
        adapters.Initialize(o.Seed);
        var tuner = new AdapterTuner(t, model.Weights, adapters, o.Optimizer, o.LearningRate, o.ClipNorm, T, o.Window, model.Ledger);
        long tuningPeak = model.Ledger.PeakBytes;
        if (model.Ledger.CurrentBytes - beforeTuner != memory.Total)
            throw new InvalidOperationException($"tuning memory accounted {model.Ledger.CurrentBytes - beforeTuner} bytes, planned {memory.Total}");
        if (budget > 0 && tuningPeak != model.Plan.TotalBytes)
            throw new InvalidOperationException($"tuning accounted {tuningPeak} bytes, the plan said {model.Plan.TotalBytes}");

        TokenSequences baseText = TokenSequences.Sample(model, 4, T, o.Seed + 100);
        TokenSequences rehearsal = TokenSequences.Sample(model, Math.Max(1, o.RehearsalSequences), T, o.Seed + 200);
        double heldBefore = Loss(t, ForwardHooks.None, heldOut), baseBefore = Loss(t, ForwardHooks.None, baseText);

        // Train: sequences in a seeded order; the adaptive schedule moves the window shallow → deep in equal phases.
        var order = Enumerable.Range(0, train.Sequences.Length).OrderBy(i => Hash(o.Seed, i)).ToArray();
        int phases = o.Adaptive ? (config.Layers + o.Window - 1) / o.Window : 1;
        var curve = new float[o.Steps];
        for (int step = 0; step < o.Steps; step++)
        {
            if (o.Adaptive)
            {
                int phase = Math.Min(phases - 1, step * phases / o.Steps);
                int top = Math.Min(config.Layers - 1, (phase + 1) * o.Window - 1);
                if (phase == phases - 1) top = config.Layers - 1;
                tuner.SetWindow(Math.Max(0, top - o.Window + 1), top);
            }
            int[] seq = train.Sequences[order[step % order.Length]];
            curve[step] = tuner.Step(seq, seq.Length);
            for (int r = 0; r < o.RehearsalSteps; r++)
            {
                int[] replay = rehearsal.Sequences[(step * o.RehearsalSteps + r) % rehearsal.Sequences.Length];
                tuner.Step(replay, replay.Length);
            }
            onStep?.Invoke(step + 1, o.Steps, curve[step]);
        }

        var applied = new ForwardHooks(model.Weights, adapters, null, null);
        double heldAfter = Loss(t, applied, heldOut), baseAfter = Loss(t, applied, baseText);
        // Voting across exits needs one extra stream per adapted window (desktop only; not part of the tuning peak).
        var streams = Enumerable.Range(0, ExitEnsemble.StreamsNeeded(config, adapters)).Select(_ => model.CreateTransformer(session.Kernels)).ToArray();
        var ensemble = new ExitEnsemble(t, model.Weights, streams, adapters, model.Ledger);
        double voteMax = VotedLoss(ensemble, heldOut, VoteRule.MaxProbability), voteWeighted = VotedLoss(ensemble, heldOut, VoteRule.ConfidenceWeighted);

        var store = new FileStore();
        string full = Path.GetFullPath(output);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        uint generation = AdapterFile.NewestGeneration(store, full, config) + 1;
        AdapterFile.Save(store, full, adapters, config, generation);

        return new TuneResult
        {
            Settings = o,
            TrainSequences = train.Sequences.Length, TrainTokens = train.Tokens, HeldOutTokens = heldOut.Tokens,
            HeldOutLossBefore = heldBefore, HeldOutLossAfter = heldAfter,
            HeldOutLossVotingMax = voteMax, HeldOutLossVotingWeighted = voteWeighted, Exits = ensemble.Exits,
            BasePerplexityBefore = Math.Exp(baseBefore), BasePerplexityAfter = Math.Exp(baseAfter), LossCurve = curve,
            TuningPeakBytes = tuningPeak, BudgetBytes = budget, Memory = memory,
            FullDepthAdapters = TuningMemory.Adapters(config, config.Layers, config.Layers, o.Rank, T, o.Optimizer),
            FullFineTuning = TuningMemory.FullFineTuning(config, T, o.Optimizer),
            Generation = generation, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Mean next-token loss with <paramref name="hooks"/>' adapters (on the top window), or of the base model (<see cref="ForwardHooks.None"/>).</summary>
    public static double Loss(Transformer t, ForwardHooks hooks, TokenSequences text) => Evaluation.Run(t, null, text, hooks).LossNatsPerToken;

    private static double VotedLoss(ExitEnsemble ensemble, TokenSequences text, VoteRule rule)
    {
        double loss = 0;
        int n = 0;
        foreach (int[] seq in text.Sequences)
            for (int p = 0; p + 1 < seq.Length; p++)
            {
                float[] probs = ensemble.Forward(seq[p], p, rule);
                loss -= Math.Log(Math.Max(probs[seq[p + 1]], 1e-30f));
                n++;
            }
        return loss / n;
    }

    private static ulong Hash(ulong seed, int i)
    {
        ulong x = seed * 0x9E3779B97F4A7C15UL + (ulong)i;
        x ^= x >> 31; x *= 0xBF58476D1CE4E5B9UL; x ^= x >> 29;
        return x;
    }
}
