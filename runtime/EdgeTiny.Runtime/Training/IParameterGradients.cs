using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Where <see cref="Backprop"/> puts parameter gradients. On the device these are LoRA adapters on a frozen model
    /// (<see cref="AdapterSet"/>); on the desktop, every weight of a model being trained from scratch. The frozen
    /// weights' own contribution to the input gradient (Wᵀ·dy) is added by Backprop; a sink adds only what is trainable.
    /// </summary>
    public interface IParameterGradients
    {
        /// <summary>
        /// For y = W·x (+ whatever the sink adds) of <paramref name="projection"/> (AdapterSet.Q .. AdapterSet.Down, or
        /// <see cref="Backprop.Classifier"/> at layer = n_layers): accumulate parameter gradients from x and dy, and add the
        /// sink's own part of dL/dx into dx. The products run on <paramref name="k"/>, the backward pass's kernels.
        /// </summary>
        void Linear(IKernels k, int layer, int projection, float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff);

        /// <summary>
        /// The gradient array of an RMSNorm weight (<see cref="Backprop.AttentionNorm"/>, <see cref="Backprop.FfnNorm"/>,
        /// or <see cref="Backprop.FinalNorm"/> at layer = n_layers), or null when that weight is frozen.
        /// </summary>
        float[] NormGradient(int layer, int norm);

        /// <summary>dL/d(embedding row of <paramref name="token"/>) += g (dim values); only called when the window starts at layer 0.</summary>
        void Embedding(int token, float[] g);
    }
}
