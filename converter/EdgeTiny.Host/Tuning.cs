using System.Diagnostics;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Host.Prediction;
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
    /// <summary>Rehearse by distillation to the base model's distributions (see <see cref="TuneSettings.RehearsalDistill"/>).</summary>
    public bool RehearsalDistill { get; init; }
    /// <summary>λ of the distillation term (see <see cref="TuneSettings.RehearsalWeight"/>).</summary>
    public float RehearsalWeight { get; init; } = 1f;
    /// <summary>Linear learning-rate decay to a tenth by the last step.</summary>
    public bool LearningRateDecay { get; init; }
    /// <summary>Base-model samples that measure base-domain perplexity before and after.</summary>
    public int BaseSequences { get; init; } = 4;

    /// <summary>How many times during the run held-out loss is measured (desktop only, for the loss-per-step report; 0 = before and after only).</summary>
    public int HeldOutPoints { get; init; } = 10;

    /// <summary>Continue from the adapters already in the output file (their layers and rank must match) instead of fresh ones.</summary>
    public bool Resume { get; init; }

    /// <summary>The runtime's settings object: what the tuning session (on the desktop or a board) reads.</summary>
    public TuneSettings ToSettings() => new()
    {
        Window = Window, Rank = Rank, Alpha = Alpha, Steps = Steps, LearningRate = LearningRate, Optimizer = Optimizer,
        ClipNorm = ClipNorm, SequenceLength = SequenceLength, Adaptive = Adaptive, Seed = Seed,
        RehearsalSteps = RehearsalSteps, RehearsalSequences = RehearsalSequences, RehearsalDistill = RehearsalDistill,
        RehearsalWeight = RehearsalWeight, LearningRateDecay = LearningRateDecay,
        BaseSequences = BaseSequences,
    };
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
    /// <summary>Held-out loss measured during the run: (steps done, loss), from step 0 (before) to the last step.</summary>
    public required IReadOnlyList<(int Step, double Loss)> HeldOutCurve { get; init; }
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

    // What a step costs on the board: multiply-accumulates (training passes on the text and rehearsal), the simulated SD
    // time the steps measured (frozen weights streamed), the kernel work the steps did (counted), and the prediction
    // for a firmware with and without the native kernels.
    public required long StepMacs { get; init; }
    public required double? SimulatedSdMsPerStep { get; init; }
    /// <summary>Kernel calls and operations over all <see cref="Steps"/> steps.</summary>
    public required KernelCounts StepKernels { get; init; }
    public required PredictedTime? PredictedStep { get; init; }
    public required PredictedTime? PredictedStepPortableOnly { get; init; }
    /// <summary>Predicted ms per step with the native kernels; null without a board.</summary>
    public double? PredictedMsPerStep => PredictedStep?.TotalMs;
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
        TuneSettings settings = o.ToSettings();
        try
        {
            settings.Validate(config);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InputException("--" + e.ParamName, e.Message.Split(" (Parameter")[0]);
        }
        int adapted = settings.AdaptedLayers(config);
        int T = settings.SequenceLengthFor(config);
        int[] train = Encode(trainText, tokenizer, "--text");
        int[] heldOut = heldOutText is null ? [] : Encode(heldOutText, tokenizer, "--heldout");
        TuningShape shape = settings.Shape(config, train.Length + heldOut.Length);
        TuningMemory memory = TuningMemory.Adapters(config, adapted, o.Rank, shape);
        long budget = session.EffectiveBudget;
        if (budget > 0 && budget <= memory.Total)
            throw new InputException(session.BudgetBytes > 0 ? "--budget" : "--board", $"tuning alone needs {memory.Total} bytes; the budget is {budget}");

        // Adapters and the tuning session are part of the model's plan; tuning needs a float KV cache for its backward pass.
        RuntimeOptions runtime = session.Runtime.Copy();
        runtime.ContextLength = T;
        runtime.KvPrecision = KvPrecision.Float;
        runtime.AdapterLayers = adapted;
        runtime.AdapterRank = o.Rank;
        runtime.Tuning = shape;
        using BoardSession s = BoardSession.Open(modelPath, session with { Runtime = runtime });
        EtbModel model = s.Model;
        Transformer t = s.Transformer;
        long beforeTuner = model.Ledger.CurrentBytes;
        var store = new FileStore();
        string full = Path.GetFullPath(output);
        AdapterSet adapters = o.Resume ? Resumed(store, full, config, adapted, o, model) : Fresh(config, adapted, o, model);
        var tuning = new TuningSession(t, model.Weights, adapters, settings, train.Length + heldOut.Length, model.Ledger);
        long tuningPeak = model.Ledger.PeakBytes;
        if (model.Ledger.CurrentBytes - beforeTuner != memory.Total)
            throw new InvalidOperationException($"tuning memory accounted {model.Ledger.CurrentBytes - beforeTuner} bytes, planned {memory.Total}");
        if (budget > 0 && tuningPeak != model.Plan.TotalBytes)
            throw new InvalidOperationException($"tuning accounted {tuningPeak} bytes, the plan said {model.Plan.TotalBytes}");
        train.CopyTo(tuning.Text, 0);
        heldOut.CopyTo(tuning.Text, train.Length);
        try
        {
            tuning.Prepare(train.Length, heldOut.Length);
        }
        catch (ArgumentException e)
        {
            throw new InputException(e.ParamName == "heldout" ? heldOutText! : trainText, e.Message.Split(" (Parameter")[0]);
        }

        // The desktop's report measures in double precision over the session's own sequences.
        var heldOutSequences = new TokenSequences([.. Enumerable.Range(0, tuning.HeldOutSequences).Select(i => tuning.SequenceCopy(tuning.TrainSequences + i))], "held-out", 0);
        var baseText = new TokenSequences([.. Enumerable.Range(0, settings.BaseSequences).Select(tuning.BaseSampleCopy)], "model-samples", settings.Seed + 100);
        double heldBefore = Loss(t, ForwardHooks.None, heldOutSequences), baseBefore = Loss(t, ForwardHooks.None, baseText);

        var curve = new float[o.Steps];
        long sdBefore = model.Storage?.SimulatedNanoseconds ?? 0;
        // Held-out loss during the run, on a transformer of its own with uncounted kernels: neither the steps' kernel
        // counts nor their state see it (desktop only; not part of the tuning peak).
        var heldOutCurve = new List<(int, double)> { (0, heldBefore) };
        int every = o.HeldOutPoints > 0 && heldOutSequences.Sequences.Length > 0 ? Math.Max(1, o.Steps / o.HeldOutPoints) : 0;
        Transformer? probe = every > 0 ? model.CreateTransformer(session.Kernels) : null;
        s.Counter.Counts.Clear(); // from here to the end of the loop: the steps' kernel work only
        for (int step = 0; step < o.Steps; step++)
        {
            curve[step] = tuning.Step();
            onStep?.Invoke(step + 1, o.Steps, curve[step]);
            if (probe is not null && ((step + 1) % every == 0 || step + 1 == o.Steps))
                heldOutCurve.Add((step + 1, Loss(probe, tuning.Applied, heldOutSequences)));
        }
        double? sdMsPerStep = model.Storage is null ? null : (model.Storage.SimulatedNanoseconds - sdBefore) / 1e6 / o.Steps;
        KernelCounts stepKernels = s.Counter.Counts.Copy();
        (PredictedTime Native, PredictedTime Portable)? predicted = session.Board is null ? null
            : OnBoardPrediction.Both(session.Board, stepKernels, o.Steps, sdMsPerStep ?? 0);
        long stepMacs = StepMacs(config, settings);

        double heldAfter = Loss(t, tuning.Applied, heldOutSequences), baseAfter = Loss(t, tuning.Applied, baseText);
        // Voting across exits needs one extra stream per adapted window (desktop only; not part of the tuning peak).
        var streams = Enumerable.Range(0, ExitEnsemble.StreamsNeeded(config, adapters)).Select(_ => model.CreateTransformer(session.Kernels)).ToArray();
        var ensemble = new ExitEnsemble(t, model.Weights, streams, adapters, model.Ledger);
        double voteMax = VotedLoss(ensemble, heldOutSequences, VoteRule.MaxProbability), voteWeighted = VotedLoss(ensemble, heldOutSequences, VoteRule.ConfidenceWeighted);

        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        uint generation = AdapterFile.NewestGeneration(store, full, config) + 1;
        AdapterFile.Save(store, full, adapters, config, generation);

        return new TuneResult
        {
            Settings = o,
            TrainSequences = tuning.TrainSequences, TrainTokens = Enumerable.Range(0, tuning.TrainSequences).Sum(tuning.SequenceTokens),
            HeldOutTokens = heldOutSequences.Tokens,
            HeldOutLossBefore = heldBefore, HeldOutLossAfter = heldAfter,
            HeldOutLossVotingMax = voteMax, HeldOutLossVotingWeighted = voteWeighted, Exits = ensemble.Exits,
            BasePerplexityBefore = Math.Exp(baseBefore), BasePerplexityAfter = Math.Exp(baseAfter), LossCurve = curve, HeldOutCurve = heldOutCurve,
            TuningPeakBytes = tuningPeak, BudgetBytes = budget, Memory = memory,
            FullDepthAdapters = TuningMemory.Adapters(config, config.Layers, o.Rank, new TuningShape
            {
                Window = config.Layers, SequenceLength = T, Optimizer = o.Optimizer, Steps = shape.Steps, TextTokens = shape.TextTokens,
                SampledSequences = shape.SampledSequences,
            }),
            FullFineTuning = TuningMemory.FullFineTuning(config, T, o.Optimizer),
            Generation = generation, Seconds = clock.Elapsed.TotalSeconds,
            StepMacs = stepMacs, SimulatedSdMsPerStep = sdMsPerStep, StepKernels = stepKernels,
            PredictedStep = predicted?.Native, PredictedStepPortableOnly = predicted?.Portable,
        };
    }

    /// <summary>
    /// Multiply-accumulates of one adaptation step: a training pass (forward, then backward through the window at about
    /// twice the forward's cost) on the user's text plus one per rehearsal step, and, when rehearsal distils, a forward
    /// pass without adapters for its targets.
    /// </summary>
    public static long StepMacs(ModelConfig c, TuneSettings s)
    {
        int T = s.SequenceLengthFor(c);
        return (1 + s.RehearsalSteps) * BoardSession.TrainingPassMacs(c, T, s.Window)
            + (s.RehearsalDistill ? s.RehearsalSteps * Enumerable.Range(0, T - 1).Sum(p => BoardSession.MacsPerToken(c, p)) : 0);
    }

    private static AdapterSet Fresh(ModelConfig c, int adapted, TuneOptions o, EtbModel model)
    {
        var adapters = new AdapterSet(c, c.Layers - adapted, o.Rank, o.Alpha, true, model.Ledger) { Window = o.Window };
        adapters.Initialize(o.Seed);
        return adapters;
    }

    /// <summary>The newest adapters at <paramref name="path"/>, trainable, when their layers and rank are the settings'.</summary>
    private static AdapterSet Resumed(FileStore store, string path, ModelConfig c, int adapted, TuneOptions o, EtbModel model)
    {
        int layers = 0, rank = 0;
        EtbFile.Guard(path, () =>
        {
            AdapterFile.ReadShape(store, path, c, out layers, out rank);
            return 0;
        });
        if (layers != adapted || rank != o.Rank)
            throw new InputException("--resume", $"{path} holds rank-{rank} adapters on {layers} layers; these settings tune rank {o.Rank} on {adapted}");
        AdapterSet adapters = AdapterFile.Load(store, path, c, true, model.Ledger);
        adapters.Window = o.Window;
        return adapters;
    }

    private static int[] Encode(string path, Tokenizer tokenizer, string flag)
    {
        if (!File.Exists(path)) throw new InputException(path, $"{flag} text file not found");
        string text = File.ReadAllText(path);
        var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(text))];
        int n = tokenizer.Encode(text, true, false, buffer);
        if (n < 2) throw new InputException(path, $"{flag} text is empty");
        return buffer[..n];
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

}
