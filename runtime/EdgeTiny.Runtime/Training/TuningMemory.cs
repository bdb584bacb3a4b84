using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Heap bytes of tuning, by the same arithmetic the ledger records when the buffers are allocated: so what
    /// `tune` reports for the configuration it runs, and for full-depth adapter tuning and full fine-tuning (which
    /// nothing here allocates), are comparable numbers.
    /// </summary>
    public sealed class TuningMemory
    {
        /// <summary>Saved activations and activation gradients of the trained window, plus backward scratch.</summary>
        public long Activations;
        /// <summary>Trainable parameters (adapter A/B, or every weight for full fine-tuning) and forward scratch.</summary>
        public long Parameters;
        public long Gradients;
        public long OptimizerState;

        /// <summary>What tuning adds beyond the trained parameters themselves: activations, gradients, optimizer state.</summary>
        public long TuningSpecific { get { return Activations + Gradients + OptimizerState; } }
        public long Total { get { return TuningSpecific + Parameters; } }

        /// <summary>LoRA tuning: adapters on <paramref name="adaptedLayers"/> layers, a backward window of <paramref name="window"/>.</summary>
        public static TuningMemory Adapters(ModelConfig c, int adaptedLayers, int window, int rank, int sequenceLength, int optimizer)
        {
            AdapterSetShape shape = AdapterSetShape.Of(c, adaptedLayers, rank);
            TuningMemory m = new TuningMemory();
            m.Activations = AdapterTuner.ActivationBytes(c, sequenceLength, window);
            m.Gradients = shape.ParameterArrayBytes;
            m.Parameters = AdapterSet.Bytes(c, adaptedLayers, rank) - shape.ParameterArrayBytes;
            m.OptimizerState = Optimizer.Bytes(shape, optimizer);
            return m;
        }

        /// <summary>Every weight trainable in float32 (weights, gradients, optimizer state) and activations of every layer.</summary>
        public static TuningMemory FullFineTuning(ModelConfig c, int sequenceLength, int optimizer)
        {
            long perLayer = 2 * MemoryLedger.ArrayCost(c.Dim * c.Dim * 4L) + 2 * MemoryLedger.ArrayCost((long)c.KvDim * c.Dim * 4)
                + 3 * MemoryLedger.ArrayCost((long)c.HiddenDim * c.Dim * 4) + 2 * MemoryLedger.ArrayCost(c.Dim * 4L);
            long weights = c.Layers * perLayer + MemoryLedger.ArrayCost((long)c.VocabSize * c.Dim * 4) + MemoryLedger.ArrayCost(c.Dim * 4L)
                + (c.SharedClassifier ? 0 : MemoryLedger.ArrayCost((long)c.VocabSize * c.Dim * 4));
            TuningMemory m = new TuningMemory();
            m.Activations = AdapterTuner.ActivationBytes(c, sequenceLength, c.Layers);
            m.Parameters = weights;
            m.Gradients = weights;
            m.OptimizerState = optimizer == Optimizer.Adam ? 2 * weights : 0;
            return m;
        }
    }
}
