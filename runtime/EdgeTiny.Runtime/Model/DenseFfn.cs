using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// A gated FFN stored as three matrices (llama2.c's w1, w2, w3): output = w2 · (act(w1 x) ⊙ w3 x). The only FFN that
    /// adapters and backprop go through: LoRA adds to the gate, up and down projections, and the recorder keeps the gate
    /// and up activations. Its two hidden-sized buffers belong to the transformer (one pair serves every layer).
    /// </summary>
    public sealed class DenseFfn : IFfn
    {
        private readonly Tensor _w1, _w2, _w3;   // gate (hidden, dim), down (dim, hidden), up (hidden, dim)
        private readonly int _activation;
        private readonly int _hidden;
        private readonly float[] _hb;            // (hidden) gate, then act(gate) ⊙ up
        private readonly float[] _hb2;           // (hidden) up

        public DenseFfn(Tensor w1, Tensor w2, Tensor w3, int activation, float[] hb, float[] hb2)
        {
            _w1 = w1;
            _w2 = w2;
            _w3 = w3;
            _activation = activation;
            _hidden = w1.Rows;
            _hb = hb;
            _hb2 = hb2;
        }

        public void Forward(IKernels k, int layer, int pos, float[] x, float[] output, ForwardHooks hooks)
        {
            _w1.MatVec(k, x, 0, _hb, 0);
            _w3.MatVec(k, x, 0, _hb2, 0);
            hooks.Adapt(k, layer, AdapterSet.Gate, x, _hb);
            hooks.Adapt(k, layer, AdapterSet.Up, x, _hb2);
            hooks.Save(layer, pos, ActivationSlot.Gate, _hb);
            hooks.Save(layer, pos, ActivationSlot.Up, _hb2);
            k.GatedActivation(_hb, _hb2, _hidden, _activation);
            _w2.MatVec(k, _hb, 0, output, 0);
            hooks.Adapt(k, layer, AdapterSet.Down, _hb, output);
        }
    }
}
