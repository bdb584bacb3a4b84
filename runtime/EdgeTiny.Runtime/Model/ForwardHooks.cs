using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// What a forward pass does besides the model's own math: add LoRA adapters on a window of layers, hand activations to
    /// a recorder (for a backward pass), tell an observer which phase it is in (for timing). The caller owns its hooks and
    /// gives them to each pass (<see cref="Transformer.Forward(int, int, ForwardHooks)"/>); the transformer keeps none,
    /// so two callers sharing a transformer never see each other's adapters. <see cref="None"/> (or null where a pass is
    /// given hooks) is the plain model.
    /// </summary>
    public sealed class ForwardHooks
    {
        /// <summary>LoRA adapters added to the projections of the window's layers; null = none.</summary>
        public readonly AdapterSet Adapters;
        /// <summary>Keeps the activations of the layers it asks for; null = nobody.</summary>
        public readonly IActivationRecorder Recorder;
        /// <summary>Hears each phase a pass enters; null = nobody.</summary>
        public readonly IForwardObserver Observer;
        private int _from, _to;

        /// <summary>No adapters, no recorder, no observer: the plain model.</summary>
        public static readonly ForwardHooks None = new ForwardHooks(null, null, null, null);

        /// <summary>
        /// Adapters apply to their top window (the last <see cref="AdapterSet.Window"/> layers) until <see cref="SetWindow"/>
        /// says otherwise. Adapters over a layer whose FFN is packed into neuron bundles are refused: the packed FFN has no
        /// gate/up/down projections to adapt and no activations to backpropagate through.
        /// </summary>
        public ForwardHooks(LlamaWeights weights, AdapterSet adapters, IActivationRecorder recorder, IForwardObserver observer)
        {
            if (adapters != null)
            {
                for (int l = adapters.FirstLayer; l < adapters.Layers; l++)
                    if (weights.PackedFfn(l) != null)
                        throw new System.NotSupportedException(PackedLayerMessage(l));
                _from = adapters.Layers - adapters.Window;
                _to = adapters.Layers - 1;
            }
            Adapters = adapters;
            Recorder = recorder;
            Observer = observer;
        }

        /// <summary>Why adapters or backprop cannot cover layer <paramref name="layer"/>, and what to do about it.</summary>
        public static string PackedLayerMessage(int layer)
        {
            return "layer " + layer.ToString() + "'s FFN is packed into neuron bundles, which adapters and backprop cannot go through; "
                + "convert with --tunable-layers K so the layers tuned on the device keep dense FFNs";
        }

        /// <summary>Adapters apply to layers from..to (inclusive), and only where the set has them.</summary>
        public void SetWindow(int from, int to)
        {
            _from = from;
            _to = to;
        }

        public bool Adapts(int layer)
        {
            return Adapters != null && layer >= _from && layer <= _to && Adapters.Has(layer);
        }

        public bool Records(int layer)
        {
            return Recorder != null && Recorder.Records(layer);
        }

        public void Phase(int phase)
        {
            if (Observer != null) Observer.Phase(phase);
        }

        /// <summary>Hands <paramref name="values"/> to the recorder when it keeps this layer.</summary>
        public void Save(int layer, int pos, int slot, float[] values)
        {
            if (Recorder != null && Recorder.Records(layer)) Recorder.Save(layer, pos, slot, values);
        }

        /// <summary>y += LoRA(x) for one projection, when adapters cover this layer, on the pass's kernels <paramref name="k"/>.</summary>
        public void Adapt(IKernels k, int layer, int projection, float[] x, float[] y)
        {
            if (Adapts(layer)) Adapters.Apply(k, layer, projection, x, y);
        }
    }
}
