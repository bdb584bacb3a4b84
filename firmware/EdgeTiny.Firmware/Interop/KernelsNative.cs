using System.Runtime.CompilerServices;

namespace EdgeTiny.Firmware.Interop
{
    /// <summary>
    /// The native kernels of firmware/native (C99), called through nanoFramework interop: one call per matrix, whole
    /// arrays plus offsets, in <c>IKernels</c>' argument order (inputs, output, sizes, parameters). Each method is
    /// implemented in the nanoCLR image by a stub that checks every range and runs the matching <c>et_*_checked</c>
    /// function of edgetiny_kernels.h, whose arguments come in the same order (bad ranges throw
    /// IndexOutOfRangeException, bad parameters ArgumentException, before anything is written).
    /// </summary>
    /// <remarks>
    /// Build this file alone as the class library <c>EdgeTiny.Native</c> (<c>NFMDP_GENERATE_STUBS</c>): the native
    /// checksum covers every method of every class in the assembly, in order, so anything else living here would tie
    /// the firmware to it. Changing, adding or reordering a method here changes the checksum: regenerate the stubs,
    /// rebuild and reflash nanoCLR (firmware/native/README.md).
    /// </remarks>
    public static class KernelsNative
    {
        /// <summary><c>IKernels.MatVecQ8</c>: Codec.Q rows of int8 values.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int groupSize);

        /// <summary><c>IKernels.MatVecQ</c>: Codec.Q rows of 2..8-bit values.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int bits, int groupSize);

        /// <summary><c>IKernels.MatVecSparseQ</c>: Codec.SparseQ rows.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int bits, int kept, int groupSize);

        /// <summary><c>IKernels.FfnBundles</c>: Codec.F32 or Codec.Q neuron bundles.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff,
            float[] output, int outOff, int count, int dim, int codec, int bits, int groupSize);
    }
}
