using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Adaptive layer tuning (Edge-LLM): LoRA adapters on a window of consecutive layers, trained with next-token
    /// cross-entropy at an exit on the window's top (final RMSNorm + the shared classifier). The forward and backward
    /// passes are <see cref="Backprop"/>'s with the adapters as the gradient sink; the base weights stay frozen.
    /// All buffers come from the model's ledger at construction; a step allocates nothing.
    /// </summary>
    public sealed class AdapterTuner
    {
        private readonly AdapterSet _adapters;
        private readonly Optimizer _optimizer;
        private readonly Backprop _backprop;
        private readonly Kernels.IKernels _kernels; // the model's: the optimiser's update runs on them too

        public AdapterTuner(Transformer model, LlamaWeights weights, AdapterSet adapters, OptimizerKind optimizer, float learningRate,
            float clipNorm, int sequenceLength, int windowLayers, MemoryLedger ledger)
        {
            _adapters = adapters;
            _kernels = model.Kernels;
            _backprop = new Backprop(model, weights, adapters, sequenceLength, windowLayers, ledger);
            _backprop.Gradients = adapters;
            _optimizer = new Optimizer(adapters, optimizer, learningRate, clipNorm, ledger);
            if (ledger.Measuring) return; // the memory planner only wanted the sizes
            SetWindow(model.Config.Layers - windowLayers, model.Config.Layers - 1);
        }

        public int Bottom { get { return _backprop.Bottom; } }
        public int Top { get { return _backprop.Top; } }
        public Optimizer Optimizer { get { return _optimizer; } }

        /// <summary>
        /// Trains layers bottom..top with the exit at top (at most the window size given at construction, and only
        /// layers that have adapters).
        /// </summary>
        public void SetWindow(int bottom, int top)
        {
            if (bottom < _adapters.FirstLayer)
                throw new System.ArgumentOutOfRangeException("bottom", "window " + bottom.ToString() + ".." + top.ToString() + " is not adaptable");
            _backprop.SetWindow(bottom, top);
        }

        /// <summary>One optimisation step on tokens[0..count): returns the mean next-token loss before the update.</summary>
        public float Step(int[] tokens, int count)
        {
            return Step(tokens, count, null);
        }

        /// <summary>One step towards <paramref name="targets"/> ((count−1) × vocab probabilities; null = the next tokens).</summary>
        public float Step(int[] tokens, int count, float[] targets)
        {
            _adapters.ZeroGrad();
            float loss = _backprop.ForwardBackward(tokens, count, targets);
            _optimizer.Step(_kernels);
            return loss;
        }

        /// <summary>
        /// Adds <paramref name="weight"/> × the gradient of the loss on tokens[0..count) (towards <paramref name="targets"/>,
        /// or the next tokens when null) to the adapters' gradients, without an update: one term of a joint objective.
        /// Returns the unweighted mean loss.
        /// </summary>
        public float Accumulate(int[] tokens, int count, float[] targets, float weight)
        {
            _backprop.LossWeight = weight;
            float loss = _backprop.ForwardBackward(tokens, count, targets);
            _backprop.LossWeight = 1f;
            return loss;
        }

        /// <summary>Clears the gradients before the terms of a joint objective are accumulated.</summary>
        public void ZeroGrad()
        {
            _adapters.ZeroGrad();
        }

        /// <summary>One optimiser update from the accumulated gradients.</summary>
        public void Update()
        {
            _optimizer.Step(_kernels);
        }

        /// <summary>Mean next-token loss at this window's exit, with adapters on the window (no update).</summary>
        public float Loss(int[] tokens, int count)
        {
            return _backprop.Loss(tokens, count);
        }

        /// <summary>Forward with recording, loss, and the backward pass into the adapters' gradients.</summary>
        public float ForwardBackward(int[] tokens, int count)
        {
            return _backprop.ForwardBackward(tokens, count);
        }
    }
}
