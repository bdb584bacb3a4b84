using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.IO;
using EdgeTiny.Host;
using EdgeTiny.Host.BoardSim;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Demo;

/// <summary>A prompt's greedy continuation on the board before and after tuning (text after the prompt).</summary>
public sealed record PromptPair(string Prompt, string Domain, string Before, string After);

/// <summary>What tuning over the device protocol did, as the board reported it and as the desktop checked it.</summary>
public sealed record BoardTuning
{
    public required string Target { get; init; }
    public required string Card { get; init; }
    public required TuneSettings Settings { get; init; }
    public required TuneReply Reply { get; init; }
    public required IReadOnlyList<float> LossCurve { get; init; }
    public required SaveReply Saved { get; init; }
    public required IReadOnlyList<PromptPair> Prompts { get; init; }

    // Checked on the desktop with the adapters the board saved on its card: loss on held-out harbor stories (never sent
    // to the board) and perplexity on village stories (the base domain the model was trained on).
    public required double HeldOutLossBefore { get; init; }
    public required double HeldOutLossAfter { get; init; }
    public required double BasePerplexityBefore { get; init; }
    public required double BasePerplexityAfter { get; init; }
    public double HeldOutLossDrop => 1 - HeldOutLossAfter / HeldOutLossBefore;
    public double BasePerplexityRise => BasePerplexityAfter / BasePerplexityBefore - 1;

    // What a step costs on the board: the kernel work the board-sim's steps did (counted, each step alone), the simulated
    // SD time the board measured over the tune request per step, and the prediction for a firmware with and without
    // the native kernels.
    public required KernelCounts StepKernels { get; init; }
    public required double SimulatedSdMsPerStep { get; init; }
    public required PredictedTime PredictedStep { get; init; }
    public required PredictedTime PredictedStepPortableOnly { get; init; }
}

/// <summary>
/// Tuning as a maker does it: a simulated board serves the device protocol on 127.0.0.1 with a folder as its SD card
/// (the converted model on it); the demo connects as `edgetiny tune --target` would, asks for continuations of the
/// prompts, uploads the adaptation text, tunes with progress frames, has the board save its adapters on the card, and
/// asks again. The desktop then checks the saved adapters on text the board never saw.
/// </summary>
public static class DemoTuning
{
    public const string CardFolder = "card";

    public static BoardTuning OverProtocol(string etb, BoardProfile board, IKernels kernels, TuneSettings settings, string adaptationText,
        string heldOutText, string baseText, IReadOnlyList<(string Prompt, string Domain)> prompts, int promptTokens, string outputDirectory,
        Action<TuneProgress>? onStep)
    {
        // The card: the model as model.etb; no adapters yet (a fresh demo starts at generation 1).
        string card = Path.Combine(outputDirectory, CardFolder);
        Directory.CreateDirectory(card);
        foreach (string stale in Directory.GetFiles(card)) File.Delete(stale);
        AtomicFile.Write(Path.Combine(card, SimulatedBoard.ModelFile), to =>
        {
            using FileStream from = File.OpenRead(etb);
            from.CopyTo(to);
        });

        using SimulatedBoard sim = SimulatedBoard.Open(board, null, card, kernels, DeviceProtocol.DefaultMaxPayload);
        using BackgroundHost host = sim.ServeInBackground(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        using BoardLink link = BoardLink.Open(host.Target);
        DeviceClient client = link.Client;
        Tokenizer tokenizer = EtbFile.ReadHead(etb).Tokenizer;
        string[] before = [.. prompts.Select(p => client.GenerateText(p.Prompt, promptTokens, 0f, 1f, 0).Text(tokenizer))];

        client.Upload(File.ReadAllBytes(adaptationText), link.Hello.MaxPayload);
        var curve = new List<float>();
        long sdBefore = client.Stats(false).SimulatedNanoseconds;
        TuneReply reply = client.Tune(settings, false, null, p =>
        {
            curve.Add(p.Loss);
            onStep?.Invoke(p);
        }, measure: true);
        double sdMsPerStep = (client.Stats(false).SimulatedNanoseconds - sdBefore) / 1e6 / reply.Steps;
        SaveReply saved = client.Save();
        string[] after = [.. prompts.Select(p => client.GenerateText(p.Prompt, promptTokens, 0f, 1f, 0).Text(tokenizer))];

        string adapters = Path.Combine(card, SimulatedBoard.AdaptersFile);
        (double heldBefore, double baseBefore) = Losses(etb, board, kernels, null, heldOutText, baseText);
        (double heldAfter, double baseAfter) = Losses(etb, board, kernels, adapters, heldOutText, baseText);
        KernelCounts stepKernels = sim.TuningSteps.Counts.Copy();
        var (native, stock) = OnBoardPrediction.Both(board, stepKernels, sim.TuningSteps.Steps, sdMsPerStep);
        return new BoardTuning
        {
            Target = host.Target, Card = card, Settings = settings, Reply = reply, LossCurve = curve, Saved = saved,
            Prompts = [.. prompts.Select((p, i) => new PromptPair(p.Prompt, p.Domain, before[i], after[i]))],
            HeldOutLossBefore = heldBefore, HeldOutLossAfter = heldAfter,
            BasePerplexityBefore = Math.Exp(baseBefore), BasePerplexityAfter = Math.Exp(baseAfter),
            StepKernels = stepKernels, SimulatedSdMsPerStep = sdMsPerStep, PredictedStep = native, PredictedStepPortableOnly = stock,
        };
    }

    /// <summary>Mean next-token loss on the held-out and base texts (sequences of 64 tokens), with <paramref name="adapters"/> or without (null).</summary>
    private static (double HeldOut, double Base) Losses(string etb, BoardProfile board, IKernels kernels, string? adapters, string heldOutText, string baseText)
    {
        using BoardSession s = BoardSession.Open(etb, new SessionOptions { Board = board, Kernels = kernels, AdaptersPath = adapters });
        double Loss(string textPath) => Evaluation.Run(s.Transformer, null,
            TokenSequences.FromText(textPath, s.Model.Tokenizer, s.Model.Config.SeqLen, 256, 64, "text"), s.Hooks).LossNatsPerToken;
        return (Loss(heldOutText), Loss(baseText));
    }
}
