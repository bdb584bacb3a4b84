using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd;

// Packed b-bit (Codec.Q) and pruned (Codec.SparseQ) rows. 8-bit rows are the Q8 layout and take the SIMD kernel; the
// other widths and sparse rows run the portable reference loops for now (exact, allocation-free). A vector 4-bit
// kernel (nibble unpack with shifts/masks, then the same widen-and-FMA as Q8) is the next one worth writing.
public sealed partial class SimdKernels
{
    private readonly PortableKernels _portable = new();

    public void MatVecQ(byte[] w, int wOff, int bits, int groupSize, int rows, int cols, float[] x, int xOff, float[] y, int yOff)
    {
        if (bits == 8) MatVecQ8(w, wOff, groupSize, rows, cols, x, xOff, y, yOff);
        else _portable.MatVecQ(w, wOff, bits, groupSize, rows, cols, x, xOff, y, yOff);
    }

    public void MatVecSparseQ(byte[] w, int wOff, int bits, int kept, int groupSize, int rows, int cols, float[] x, int xOff, float[] y, int yOff) =>
        _portable.MatVecSparseQ(w, wOff, bits, kept, groupSize, rows, cols, x, xOff, y, yOff);
}
