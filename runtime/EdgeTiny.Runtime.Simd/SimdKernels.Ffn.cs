namespace EdgeTiny.Runtime.Simd;

// Packed (bundled, sparse) FFN: the portable reference loop for now (exact, no allocation).
public sealed partial class SimdKernels
{
    public void FfnBundles(byte[] data, int dataOff, int count, int codec, int bits, int groupSize, int dim,
        float[] x, int xOff, float[] act, int actOff, float[] output, int outOff) =>
        _portable.FfnBundles(data, dataOff, count, codec, bits, groupSize, dim, x, xOff, act, actOff, output, outOff);
}
