using System.Buffers.Binary;
using System.Text;

namespace EdgeTiny.KernelVectors;

/// <summary>Which kernel a case exercises (the C reader in firmware/native/tests/vector_file.hpp uses the same numbers).</summary>
public enum Kind
{
    MatVecQ8 = 1, MatVecQ = 2, MatVecSparseQ = 3, FfnBundles = 4,
    MatVecF32 = 5, MatTVecF32 = 6, MatTVecQ = 7, MatTVecSparseQ = 8,
    RmsNorm = 9, Softmax = 10, Rope = 11, Dot = 12, Axpy = 13, DotQ8 = 14, AxpyQ8 = 15, GatedActivation = 16,
    AttentionScores = 17, AttentionValues = 18, AttentionScoresQ8 = 19, AttentionValuesQ8 = 20,
    Ger = 21, AdamStep = 22,
}

/// <summary>
/// One test case: the exact arguments of an <c>IKernels</c> call, the output array before it (<see cref="Y0"/>, random
/// sentinels outside the written range) and after it as computed by PortableKernels (<see cref="Expected"/>), and per
/// output element the sum of |terms| that went into it (<see cref="Magnitude"/>; 0 where nothing may change).
/// </summary>
/// <remarks>
/// Which field holds which argument (the output is always Y, with YOff):
/// <code>
/// MatVecQ8/Q/SparseQ  W = w, X = x                      MatVecF32          C = w, X = x
/// FfnBundles          W = bundles, X = x, Act = act     MatTVecF32         C = w, X = dy (Y = dx, accumulated)
/// MatTVecQ/SparseQ    W = w, X = dy                     RmsNorm            X = x, C = weights, Scalar = eps (x, o at 0)
/// Softmax             Y in place, Cols = size           Rope               X = cos, Act = sin, Y = v, Cols = length, Stride = head size
/// Dot                 X = a, C = b; result in Y[YOff]   Axpy               X = x, Scalar = alpha
/// DotQ8               X = a, W = q; result in Y[YOff]   AxpyQ8             W = q, Scalar = alpha
/// GatedActivation     Y = gate, X = up, Activation      AttentionScores    X = q, C = keys, Scalar = scale
/// AttentionValues     Act = weights, C = values         AttentionScoresQ8  X = q, W = keys, C = key scales, Scalar = scale
/// AttentionValuesQ8   Act = weights, W = values, C = value scales
/// Ger                 X = x, C = y, Y = a (accumulated, row r at YOff + r·Stride), Scalar = alpha
/// AdamStep            X = g, Y = m | v | p (each Stride long), Cols = n, Scalar = gradient scale,
///                     Act = learning rate, beta1, beta2, c1, c2, epsilon
/// </code>
/// Attention: Rows = count, Cols = head size, Stride, ScaleStride.
/// </remarks>
public sealed class VectorCase
{
    public Kind Kind;
    public string Name = "";
    // Params, in file order: wOff (dataOff), bits, kept, groupSize, rows (count), cols (dim), codec, xOff, yOff (outOff), actOff,
    // cOff, stride, scaleStride, activation.
    public int WOff, Bits, Kept, GroupSize, Rows, Cols, Codec, XOff, YOff, ActOff, COff, Stride, ScaleStride, Activation;
    public float Scalar;
    public byte[] W = [];
    public float[] X = [], Act = [], C = [], Y0 = [], Expected = [], Magnitude = [];
}

/// <summary>
/// Writes <c>kernel-vectors.bin</c>, little-endian:
/// <code>
/// "ETKV" | int32 version = 2 | int32 case count
/// case:  int32 kind | int32 n + n UTF-8 bytes (name) | int32 params[14] (order as in VectorCase) | float32 scalar
///        | int32 n + n bytes (w) | six float arrays, each int32 n + n float32: x, act, c, y0, expected, magnitude
/// </code>
/// </summary>
public static class VectorFile
{
    public const int Version = 2;

    public static void Write(string path, IReadOnlyList<VectorCase> cases)
    {
        using var f = new BinaryWriter(File.Create(path)); // BinaryWriter is little-endian on every platform
        f.Write(Encoding.ASCII.GetBytes("ETKV"));
        f.Write(Version);
        f.Write(cases.Count);
        foreach (VectorCase c in cases)
        {
            f.Write((int)c.Kind);
            byte[] name = Encoding.UTF8.GetBytes(c.Name);
            f.Write(name.Length);
            f.Write(name);
            foreach (int p in new[] { c.WOff, c.Bits, c.Kept, c.GroupSize, c.Rows, c.Cols, c.Codec, c.XOff, c.YOff, c.ActOff,
                                      c.COff, c.Stride, c.ScaleStride, c.Activation })
                f.Write(p);
            f.Write(c.Scalar);
            f.Write(c.W.Length);
            f.Write(c.W);
            foreach (float[] a in new[] { c.X, c.Act, c.C, c.Y0, c.Expected, c.Magnitude })
            {
                f.Write(a.Length);
                var bytes = new byte[a.Length * 4];
                for (int i = 0; i < a.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), a[i]);
                f.Write(bytes);
            }
        }
    }
}
