using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Heap bytes of tuning, split the way a report wants them. Adapter tuning is measured from the constructors that
    /// allocate it (against a measuring ledger), so what `tune` reports is what the ledger records; full fine-tuning is
    /// a what-if for comparison (nothing here allocates it): every weight as float32, once each for weights and
    /// gradients, twice more for Adam's moments, plus the backward buffers measured for a window of every layer.
    /// </summary>
    public sealed class TuningMemory
    {
        /// <summary>Saved activations and activation gradients of the trained window, plus backward scratch.</summary>
        public long Activations;
        /// <summary>Trainable parameters (adapter A/B, or every weight for full fine-tuning) and forward scratch.</summary>
        public long Parameters;
        /// <summary>The session's data: the user's tokens, the base model's samples, one loss per step.</summary>
        public long Data;
        public long Gradients;
        public long OptimizerState;

        /// <summary>What tuning adds beyond the trained parameters themselves: activations, gradients, optimizer state.</summary>
        public long TuningSpecific { get { return Activations + Gradients + OptimizerState + Data; } }
        public long Total { get { return TuningSpecific + Parameters; } }

        /// <summary>LoRA tuning: adapters on <paramref name="adaptedLayers"/> layers at <paramref name="rank"/>, a session of <paramref name="shape"/>.</summary>
        public static TuningMemory Adapters(ModelConfig c, int adaptedLayers, int rank, TuningShape shape)
        {
            TuningMemory m = new TuningMemory();
            MemoryLedger applied = MemoryLedger.ForMeasuring();
            new AdapterSet(c, c.Layers - adaptedLayers, rank, 1f, false, applied);
            m.Parameters = applied.CurrentBytes;
            MemoryLedger trained = MemoryLedger.ForMeasuring();
            AdapterSet adapters = new AdapterSet(c, c.Layers - adaptedLayers, rank, 1f, true, trained);
            m.Gradients = trained.CurrentBytes - m.Parameters;
            MemoryLedger optimizerState = MemoryLedger.ForMeasuring();
            new Optimizer(adapters, shape.Optimizer, 0f, 0f, optimizerState);
            m.OptimizerState = optimizerState.CurrentBytes;
            m.Activations = BackwardBuffers(c, shape.SequenceLength, shape.Window);
            Transformer t = new Transformer(c, null, null, shape.SequenceLength, false, MemoryLedger.ForMeasuring());
            MemoryLedger session = MemoryLedger.ForMeasuring();
            new TuningSession(t, null, adapters, TuneSettings.ForShape(shape), shape.TextTokens, session);
            m.Data = session.CurrentBytes - m.Activations - m.OptimizerState;
            return m;
        }

        /// <summary>Every weight trainable in float32 (weights, gradients, optimizer state) and activations of every layer.</summary>
        public static TuningMemory FullFineTuning(ModelConfig c, int sequenceLength, OptimizerKind optimizer)
        {
            long perLayer = 2 * MemoryLedger.ArrayCost(c.Dim * c.Dim * 4L) + 2 * MemoryLedger.ArrayCost((long)c.KvDim * c.Dim * 4)
                + 3 * MemoryLedger.ArrayCost((long)c.HiddenDim * c.Dim * 4) + 2 * MemoryLedger.ArrayCost(c.Dim * 4L);
            long weights = c.Layers * perLayer + MemoryLedger.ArrayCost((long)c.VocabSize * c.Dim * 4) + MemoryLedger.ArrayCost(c.Dim * 4L)
                + (c.SharedClassifier ? 0 : MemoryLedger.ArrayCost((long)c.VocabSize * c.Dim * 4));
            TuningMemory m = new TuningMemory();
            m.Activations = BackwardBuffers(c, sequenceLength, c.Layers);
            m.Parameters = weights;
            m.Gradients = weights;
            m.OptimizerState = optimizer == OptimizerKind.Adam ? 2 * weights : 0;
            return m;
        }

        /// <summary>The backward pass's buffers for this window and sequence length, as <see cref="Backprop"/> allocates them.</summary>
        private static long BackwardBuffers(ModelConfig c, int sequenceLength, int window)
        {
            Transformer t = new Transformer(c, null, null, sequenceLength, false, MemoryLedger.ForMeasuring());
            MemoryLedger m = MemoryLedger.ForMeasuring();
            new Backprop(t, null, null, sequenceLength, window, m);
            return m.CurrentBytes;
        }
    }
}
