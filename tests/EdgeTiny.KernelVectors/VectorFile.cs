using System.Buffers.Binary;
using System.Text;

namespace EdgeTiny.KernelVectors;

/// <summary>Which kernel a case exercises (the C reader in firmware/native/tests/vector_file.hpp uses the same numbers).</summary>
public enum Kind { MatVecQ8 = 1, MatVecQ = 2, MatVecSparseQ = 3, FfnBundles = 4 }

/// <summary>
/// One test case: the exact arguments of an <c>IKernels</c> call, the output array before it (<see cref="Y0"/>, random
/// sentinels outside the written range) and after it as computed by PortableKernels (<see cref="Expected"/>), and per
/// output element the sum of |terms| that went into it (<see cref="Magnitude"/>; 0 where nothing may change).
/// </summary>
public sealed class VectorCase
{
    public Kind Kind;
    public string Name = "";
    // Params, in file order: wOff (dataOff), bits, kept, groupSize, rows (count), cols (dim), codec, xOff, yOff (outOff), actOff.
    public int WOff, Bits, Kept, GroupSize, Rows, Cols, Codec, XOff, YOff, ActOff;
    public byte[] W = [];
    public float[] X = [], Act = [], Y0 = [], Expected = [], Magnitude = [];
}

/// <summary>
/// Writes <c>kernel-vectors.bin</c>, little-endian:
/// <code>
/// "ETKV" | int32 version = 1 | int32 case count
/// case:  int32 kind | int32 n + n UTF-8 bytes (name) | int32 params[10] (order as in VectorCase)
///        | int32 n + n bytes (w) | five float arrays, each int32 n + n float32: x, act, y0, expected, magnitude
/// </code>
/// </summary>
public static class VectorFile
{
    public const int Version = 1;

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
            foreach (int p in new[] { c.WOff, c.Bits, c.Kept, c.GroupSize, c.Rows, c.Cols, c.Codec, c.XOff, c.YOff, c.ActOff }) f.Write(p);
            f.Write(c.W.Length);
            f.Write(c.W);
            foreach (float[] a in new[] { c.X, c.Act, c.Y0, c.Expected, c.Magnitude })
            {
                f.Write(a.Length);
                var bytes = new byte[a.Length * 4];
                for (int i = 0; i < a.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), a[i]);
                f.Write(bytes);
            }
        }
    }
}
