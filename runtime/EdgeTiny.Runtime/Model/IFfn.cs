using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// One layer's feed-forward block, chosen when the model is loaded: <see cref="DenseFfn"/> (w2(act(w1 x) ⊙ w3 x) from
    /// three matrices) or <see cref="FfnBundles"/> (the same function over the active neurons' bundles only).
    /// </summary>
    public interface IFfn
    {
        /// <summary>output (dim) = FFN(x) for the normed input x (dim) of layer <paramref name="layer"/> at <paramref name="pos"/>.</summary>
        void Forward(IKernels k, int layer, int pos, float[] x, float[] output, ForwardHooks hooks);
    }
}
