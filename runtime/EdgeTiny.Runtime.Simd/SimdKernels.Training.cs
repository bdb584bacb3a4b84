namespace EdgeTiny.Runtime.Simd;

// Backward (transposed) products for on-device tuning: the portable reference loops for now (exact, no allocation).
public sealed partial class SimdKernels
{
    public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) =>
        _portable.MatTVecF32(w, wOff, dy, dyOff, dx, dxOff, rows, cols);

    public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize) =>
        _portable.MatTVecQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, groupSize);

    public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize) =>
        _portable.MatTVecSparseQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, kept, groupSize);
}
