using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Training;

/// <summary>
/// Trains a small Llama from scratch on the desktop: every weight, embedding included. The forward pass is the
/// runtime's <see cref="Transformer"/> and the backward pass the runtime's <see cref="Backprop"/> (the same code that
/// tunes adapters on a board), run with the desktop's fast kernels; <see cref="ModelGradients"/> collects every weight's
/// gradient and the runtime's <see cref="Optimizer"/> (AdamW) applies them. Batches are split across worker threads in
/// a fixed way into shards whose gradients are summed in a fixed order, so a run is deterministic in its seed
/// whatever the number of threads.
/// </summary>
public sealed class ModelTrainer
{
    private readonly ModelConfig _c;
    private readonly EtbModel _model;
    private readonly Worker[] _workers;
    private Optimizer? _optimizer;        // made on the first step: measuring a loss needs no AdamW state
    private readonly float[][] _params;
    private readonly SourceModel _start;
    private readonly TrainOptions _o;
    private readonly IKernels _kernels;

    /// <summary>A model initialised from <see cref="TrainOptions.Seed"/> (training from scratch).</summary>
    public ModelTrainer(ModelConfig config, SourceTokenizer tokenizer, IKernels kernels, TrainOptions options)
        : this(WeightInit.Create(config, tokenizer, options.Seed), kernels, options)
    {
    }

    /// <summary>Starts from the given weights (to continue training, or to measure a trained model's loss).</summary>
    public ModelTrainer(SourceModel start, IKernels kernels, TrainOptions options)
    {
        ModelConfig config = start.Config;
        SourceTokenizer tokenizer = start.Tokenizer;
        config.Validate();
        if (tokenizer.Pieces.Length != config.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.Pieces.Length} tokens, the model's vocabulary is {config.VocabSize}");
        _c = config;
        _o = options;
        _kernels = kernels;
        _start = start;
        // The runtime opens the weights as resident float32 tensors; their arrays are the parameters trained in place.
        _model = ReferenceRuntime.Open(start);
        _params = ModelGradients.ParametersOf(_model.Weights, config);
        _workers = [.. Enumerable.Range(0, Math.Max(1, options.Shards)).Select(_ => new Worker(config, _model.Weights, kernels, options.ActivationL1))];
    }

    public ModelConfig Config => _c;
    public long Parameters => _params.Sum(p => (long)p.Length);
    public float LastGradientNorm => _optimizer?.LastGradientNorm ?? 0f;

    /// <summary>The model's tokenizer as the runtime encodes with it.</summary>
    public EdgeTiny.Runtime.Text.Tokenizer Tokenizer => _model.Tokenizer;

    /// <summary>One optimizer step on a batch of token windows (each ≤ seq_len tokens); returns the batch's mean loss before the update.</summary>
    public float Step(IReadOnlyList<int[]> batch, int step)
    {
        var losses = new double[_workers.Length];
        Parallel.For(0, _workers.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _o.Threads) }, w =>
        {
            Worker worker = _workers[w];
            worker.Gradients.Zero();
            for (int i = w; i < batch.Count; i += _workers.Length)
                losses[w] += worker.Backprop.ForwardBackward(batch[i], batch[i].Length);
        });
        ModelGradients sum = _workers[0].Gradients;
        for (int w = 1; w < _workers.Length; w++) sum.Add(_workers[w].Gradients);
        sum.Scale(1f / batch.Count);
        _optimizer ??= new Optimizer(_params, sum.Arrays, ModelGradients.DecayOf(_c), OptimizerKind.Adam, _o.LearningRate, _o.ClipNorm, new MemoryLedger())
        {
            WeightDecay = _o.WeightDecay,
        };
        _optimizer.LearningRate = _o.RateAt(step);
        _optimizer.Step(_kernels);
        return (float)(losses.Sum() / batch.Count);
    }

    /// <summary>Mean next-token loss (nats per predicted token) over the windows, weighted by their predicted tokens.</summary>
    public double Loss(IReadOnlyList<int[]> windows)
    {
        var sums = new double[_workers.Length];
        var counts = new long[_workers.Length];
        Parallel.For(0, _workers.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _o.Threads) }, w =>
        {
            for (int i = w; i < windows.Count; i += _workers.Length)
            {
                int n = windows[i].Length - 1;
                sums[w] += (double)_workers[w].Backprop.Loss(windows[i], windows[i].Length) * n;
                counts[w] += n;
            }
        });
        return sums.Sum() / counts.Sum();
    }

    /// <summary>The current weights as a source model (copies, in the starting model's tensor order), ready to write or convert.</summary>
    public SourceModel Snapshot()
    {
        var byName = new Dictionary<string, float[]>();
        foreach (Tensor t in ModelGradients.TensorsOf(_model.Weights, _c)) byName[t.Name] = t.F32;
        return _start with
        {
            Tensors = [.. _start.Tensors.Select(t => t with { Data = (float[])byName[t.Name].Clone() })],
            SourcePath = "trained",
            SourceSha256 = "",
        };
    }

    /// <summary>One thread's forward/backward machinery over the shared weights, with its own gradients.</summary>
    private sealed class Worker
    {
        public readonly Backprop Backprop;
        public readonly ModelGradients Gradients;

        public Worker(ModelConfig c, LlamaWeights weights, IKernels kernels, float activationL1)
        {
            var ledger = new MemoryLedger();
            var transformer = new Transformer(c, weights, kernels, c.SeqLen, false, ledger);
            Gradients = new ModelGradients(c, kernels);
            Backprop = new Backprop(transformer, weights, null, c.SeqLen, c.Layers, ledger) { Gradients = Gradients, ActivationL1 = activationL1 };
            Backprop.SetWindow(0, c.Layers - 1);
        }
    }
}
