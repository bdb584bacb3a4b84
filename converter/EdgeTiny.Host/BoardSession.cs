using EdgeTiny.Converter;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Host;

/// <summary>
/// A model opened for generation as a board would run it: the memory plan from the board's budget, reads through the
/// board's SD timing model, and the counters to report per token. Used by `run`, `bench` and the board simulator.
/// </summary>
public sealed class BoardSession : IDisposable
{
    public EtbModel Model { get; }
    public Transformer Transformer { get; }
    public Sampler Sampler { get; }
    public Generator Generator { get; }
    public SessionOptions Options { get; }
    public string ModelPath { get; }
    public int ForwardPasses => Generator.Position;

    /// <summary>What every generation pass of this session adds to the model: the loaded adapters, or none.</summary>
    public ForwardHooks Hooks { get; } = ForwardHooks.None;

    /// <summary>Counts what generation asks of the kernels, for the on-board prediction (every session counts).</summary>
    public CountingKernels Counter { get; }

    private BoardSession(string path, EtbModel model, SessionOptions options)
    {
        ModelPath = path;
        Model = model;
        Options = options;
        Counter = new CountingKernels(options.Kernels);
        Transformer = model.CreateTransformer(Counter);
        Sampler = model.CreateSampler(options.Runtime.Temperature, options.Runtime.TopP, options.Seed, Counter);
        if (options.AdaptersPath is not null)
        {
            string adapters = options.AdaptersPath;
            Adapters = EtbFile.Guard(adapters, () => AdapterFile.Load(new FileStore(), Path.GetFullPath(adapters), model.Config, false, model.Ledger));
            try
            {
                Hooks = new ForwardHooks(model.Weights, Adapters, null, null);
            }
            catch (NotSupportedException e)
            {
                throw new InputException("--adapters", e.Message);
            }
        }
        Generator = new Generator(Transformer, Sampler, Hooks);
    }

    /// <summary>A generator over this session's transformer and sampler that also tells <paramref name="observer"/> each phase.</summary>
    public Generator ObservedGenerator(IForwardObserver observer) =>
        new(Transformer, Sampler, new ForwardHooks(Model.Weights, Adapters, null, observer));

    public static BoardSession Open(string path, SessionOptions options)
    {
        RuntimeOptions runtime = options.Runtime.Copy();
        runtime.BudgetBytes = options.EffectiveBudget;
        runtime.Storage = options.Board?.Timing;
        // Adapters are part of the plan: their shape comes from the file's header before anything is allocated.
        if (options.AdaptersPath is string adapters)
        {
            ModelConfig config = EtbFile.ReadHead(path).Config;
            (runtime.AdapterLayers, runtime.AdapterRank) = EtbFile.Guard(adapters, () =>
            {
                AdapterFile.ReadShape(new FileStore(), Path.GetFullPath(adapters), config, out int layers, out int rank);
                return (layers, rank);
            });
        }
        var source = EtbFile.OpenSource(path);
        try
        {
            EtbModel model = EtbFile.Guard(path, () =>
            {
                try
                {
                    return EtbModel.Open(source, runtime);
                }
                catch (MemoryBudgetException e)
                {
                    string who = options.Board is null ? "--budget" : options.BudgetBytes > 0 ? "--budget" : $"board {options.Board.Id}";
                    throw new InputException(who, e.Message);
                }
            });
            var session = new BoardSession(path, model, options);
            if (runtime.BudgetBytes > 0 && model.Ledger.PeakBytes > runtime.BudgetBytes)
                throw new InvalidOperationException($"memory plan exceeded: accounted {model.Ledger.PeakBytes} bytes > budget {runtime.BudgetBytes}");
            return session;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes a prompt with the model's tokenizer, read on its own (a few KB) so the context can be sized to the
    /// prompt before the model is planned.
    /// </summary>
    public static int[] EncodePrompt(string path, string prompt)
    {
        Tokenizer tokenizer = EtbFile.ReadHead(path).Tokenizer;
        var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(prompt))];
        return buffer[..tokenizer.Encode(prompt, true, false, buffer)];
    }

    /// <summary>Encodes a prompt (BOS first) into a new array.</summary>
    public int[] Encode(string prompt)
    {
        var buffer = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(prompt))];
        int n = Model.Tokenizer.Encode(prompt, true, false, buffer);
        return buffer[..n];
    }

    /// <summary>
    /// Generates up to <paramref name="steps"/> tokens after the prompt. When <paramref name="stream"/> is given, the
    /// prompt's text and then each new piece are written to it as they come; <paramref name="onToken"/> hears each new
    /// token with its decoded bytes (piece, length).
    /// </summary>
    public GenerationResult Generate(int[] promptTokens, int steps, Stream? stream = null, Action<int, byte[], int>? onToken = null)
    {
        Tokenizer tok = Model.Tokenizer;
        if (promptTokens.Length > Model.Plan.Context)
            throw new InputException("--prompt", $"encodes to {promptTokens.Length} tokens, more than the {Model.Plan.Context}-position context that fits");
        var tokens = new List<int>(steps);
        var text = new MemoryStream();
        byte[] piece = new byte[tok.MaxTokenLength + 1];
        if (stream is not null)
            for (int i = 1; i < promptTokens.Length; i++) stream.Write(piece, 0, tok.Decode(promptTokens[i - 1], promptTokens[i], piece, 0));

        int prev = promptTokens[^1];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Generator.Start(promptTokens, promptTokens.Length, steps);
        for (int t = Generator.Next(); t >= 0; t = Generator.Next())
        {
            tokens.Add(t);
            int n = tok.Decode(prev, t, piece, 0);
            text.Write(piece, 0, n);
            if (stream is not null)
            {
                stream.Write(piece, 0, n);
                stream.Flush();
            }
            onToken?.Invoke(t, piece, n);
            prev = t;
        }
        clock.Stop();
        double tps = tokens.Count == 0 ? 0 : tokens.Count / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        return new GenerationResult(promptTokens, tokens, System.Text.Encoding.UTF8.GetString(text.ToArray()), tps);
    }

    /// <summary>The adapters applied to the last exit's window (loaded for inference: no gradient buffers), or null.</summary>
    public AdapterSet? Adapters { get; }

    /// <summary>Zeroes the I/O counters and simulated time (e.g. after a warm-up), so stats cover what follows.</summary>
    public void ResetCounters()
    {
        Model.Device.ResetCounters();
        Model.Cache.ResetCounters();
        Model.Storage?.ResetSimulation();
        Counter.Counts.Clear();
    }

    /// <summary>Counters of generation so far, per forward pass where that is the natural unit.</summary>
    public SessionStats Stats()
    {
        long simulatedNs = Model.Storage?.SimulatedNanoseconds ?? 0;
        int passes = Math.Max(1, ForwardPasses);
        double simulatedMsPerToken = simulatedNs / 1e6 / passes;
        long macs = MacsPerToken(Model.Config, ForwardPasses == 0 ? 0 : ForwardPasses / 2);
        // Kernel counts and SD time cover the same passes: both are cleared by ResetCounters, both grow with each pass.
        (PredictedTime NativeKernels, PredictedTime PortableOnly)? predicted = Options.Board is null ? null
            : OnBoardPrediction.Both(Options.Board, Counter.Counts, passes, simulatedMsPerToken);
        return new SessionStats
        {
            ForwardPasses = ForwardPasses,
            Reads = Model.Device.Reads, Bytes = Model.Device.BytesRead,
            SimulatedMsPerToken = Model.Storage is null ? null : simulatedMsPerToken,
            CacheHits = Model.Cache.Hits, CacheMisses = Model.Cache.Misses,
            PeakBytes = Model.Ledger.PeakBytes, BudgetBytes = Options.EffectiveBudget,
            MacsPerToken = macs, Kernels = Counter.Counts.Copy(),
            Predicted = predicted?.NativeKernels, PredictedPortableOnly = predicted?.PortableOnly,
        };
    }

    /// <summary>Multiply-accumulates of one forward pass at position <paramref name="position"/> (matrices + attention).</summary>
    public static long MacsPerToken(ModelConfig c, int position) => LayerMacs(c, position) * c.Layers + (long)c.VocabSize * c.Dim;

    /// <summary>Multiply-accumulates of one layer at <paramref name="position"/>: its seven projections and attention over 0..position.</summary>
    public static long LayerMacs(ModelConfig c, int position) =>
        2L * c.Dim * c.Dim + 2L * c.KvDim * c.Dim + 3L * c.HiddenDim * c.Dim + 2L * c.Heads * (position + 1) * c.HeadSize;

    /// <summary>
    /// Multiply-accumulates of one training pass over a <paramref name="tokens"/>-token sequence with a backward window of
    /// <paramref name="window"/> layers: the forward pass through every layer at each position, and the backward pass
    /// through the classifier and the window — about twice the forward MACs of what it goes through (one product for
    /// the input's gradient, one for the weights' or adapters' gradient).
    /// </summary>
    public static long TrainingPassMacs(ModelConfig c, int tokens, int window)
    {
        long macs = 0;
        for (int pos = 0; pos < tokens - 1; pos++)
            macs += MacsPerToken(c, pos) + 2 * (LayerMacs(c, pos) * window + (long)c.VocabSize * c.Dim);
        return macs;
    }

    public void Dispose() => Model.Device.Dispose();
}

/// <summary>The tokens and text one <see cref="BoardSession.Generate"/> call produced (text: the new tokens only), and its speed here.</summary>
public sealed record GenerationResult(int[] PromptTokens, List<int> Tokens, string Text, double TokensPerSecond);

/// <summary>What a session has done: I/O at the device (after the cache), memory, and the on-board prediction.</summary>
public sealed record SessionStats
{
    public required int ForwardPasses { get; init; }
    /// <summary>Read commands and bytes that reached the device (after the block cache).</summary>
    public required long Reads { get; init; }
    public required long Bytes { get; init; }
    /// <summary>Simulated SD time per forward pass; null without a storage timing model.</summary>
    public required double? SimulatedMsPerToken { get; init; }
    public required long CacheHits { get; init; }
    public required long CacheMisses { get; init; }
    public required long PeakBytes { get; init; }
    public required long BudgetBytes { get; init; }
    public required long MacsPerToken { get; init; }
    /// <summary>Kernel calls and operations over the <see cref="ForwardPasses"/> (since the last counter reset).</summary>
    public required KernelCounts Kernels { get; init; }
    /// <summary>Predicted time per token on the board with the EdgeTiny native kernels; null without a board.</summary>
    public required PredictedTime? Predicted { get; init; }
    /// <summary>The same on a stock firmware, every kernel interpreted; null without a board.</summary>
    public required PredictedTime? PredictedPortableOnly { get; init; }
    /// <summary>Predicted on-board tokens/s with the native kernels; null without a board.</summary>
    public double? PredictedTokensPerSecond => Predicted?.TokensPerSecond;

    public double ReadsPerToken => ForwardPasses == 0 ? 0 : (double)Reads / ForwardPasses;
    public double BytesPerToken => ForwardPasses == 0 ? 0 : (double)Bytes / ForwardPasses;
}
