namespace EdgeTiny.Runtime.Simd;

// Packed (bundled, sparse) FFN: the portable reference loop for now (exact, no allocation).
public sealed partial class SimdKernels
{
    public void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
        int count, int dim, int codec, int bits, int groupSize) =>
        _portable.FfnBundles(data, dataOff, x, xOff, act, actOff, output, outOff, count, dim, codec, bits, groupSize);
}
