namespace EdgeTiny.Runtime.Simd;

// Backward (transposed) products for on-device tuning: the portable reference loops for now (exact, no allocation).
public sealed partial class SimdKernels
{
    public void MatTVecF32(float[] w, int wOff, int rows, int cols, float[] dy, int dyOff, float[] dx, int dxOff) =>
        _portable.MatTVecF32(w, wOff, rows, cols, dy, dyOff, dx, dxOff);

    public void MatTVecQ(byte[] w, int wOff, int bits, int groupSize, int rows, int cols, float[] dy, int dyOff, float[] dx, int dxOff) =>
        _portable.MatTVecQ(w, wOff, bits, groupSize, rows, cols, dy, dyOff, dx, dxOff);

    public void MatTVecSparseQ(byte[] w, int wOff, int bits, int kept, int groupSize, int rows, int cols, float[] dy, int dyOff, float[] dx, int dxOff) =>
        _portable.MatTVecSparseQ(w, wOff, bits, kept, groupSize, rows, cols, dy, dyOff, dx, dxOff);
}
