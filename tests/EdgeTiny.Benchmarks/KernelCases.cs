using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Simd;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// One matrix × vector shape in one codec, rows stored as in <c>.etb</c>: f32; q8 / q4 (group-symmetric, per row the
/// group scales then the packed values); sparse-q4@50% (per row the scales, a kept-column bitmap, then the kept
/// values: half of every row pruned).
/// </summary>
public sealed record MatrixCase(string Codec, int Rows, int Cols, int GroupSize = 64)
{
    /// <summary>stories260K's matrices (wq/wk/wv/wo, w1/w3, w2, classifier) and matrices far larger than the caches.</summary>
    public static readonly MatrixCase[] All =
    [
        new("f32", 64, 64), new("f32", 172, 64), new("f32", 64, 172), new("f32", 512, 64),
        new("q8", 64, 64), new("q8", 172, 64), new("q8", 64, 172), new("q8", 512, 64),
        new("q4", 64, 64), new("q4", 172, 64), new("q4", 64, 172), new("q4", 512, 64),
        new(Sparse4, 172, 64), new(Sparse4, 64, 172), new(Sparse4, 512, 64),
        new("f32", 2048, 2048), new("f32", 4096, 4096),
        new("q8", 4096, 4096), new("q8", 8192, 8192),
        new("q4", 4096, 4096), new("q4", 8192, 8192),
        new(Sparse4, 4096, 4096),
    ];

    public const string Sparse4 = "sparse-q4@50%";

    public static MatrixCase Parse(string name) => All.First(c => c.Name == name);

    public string Name => $"{Codec} {Rows}x{Cols}";

    public bool Large => (long)Rows * Cols >= 1 << 20;

    /// <summary>Bits per stored value (0 for f32).</summary>
    public int Bits => Codec switch { "q8" => 8, "q4" or Sparse4 => 4, _ => 0 };

    public bool Sparse => Codec == Sparse4;

    /// <summary>Values kept per row (all but for the sparse codec).</summary>
    public int Kept => Sparse ? Cols / 2 : Cols;

    /// <summary>Multiply-accumulates per call: the weights actually stored (pruned ones cost nothing).</summary>
    public long Macs => (long)Rows * Kept;

    /// <summary>Bytes of one stored row.</summary>
    public int RowBytes => Codec == "f32" ? Cols * 4
        : Sparse ? EdgeTiny.Runtime.Format.Codec.RowBytes(EdgeTiny.Runtime.Format.Codec.SparseQ, EdgeTiny.Runtime.Format.Codec.SparseParam(Bits, Kept), Cols, GroupSize)
        : EdgeTiny.Runtime.Format.Codec.RowBytes(EdgeTiny.Runtime.Format.Codec.Q, Bits, Cols, GroupSize);

    /// <summary>Bytes of weights one call reads (scales, bitmaps and values).</summary>
    public long WeightBytes => (long)Rows * RowBytes;

    public override string ToString() => Name;
}

/// <summary>The arrays of one <see cref="MatrixCase"/>, filled with fixed pseudo-random values.</summary>
public sealed class MatrixData
{
    public readonly MatrixCase Case;
    private readonly float[] _w = [];
    private readonly byte[] _q = [];
    private readonly float[] _x;
    private readonly float[] _y;

    public MatrixData(MatrixCase c)
    {
        Case = c;
        var rng = new Random(42);
        _x = new float[c.Cols];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(rng.NextDouble() * 2 - 1);
        _y = new float[c.Rows];
        if (c.Codec == "f32")
        {
            _w = new float[c.Macs];
            for (long i = 0; i < _w.LongLength; i++) _w[i] = (float)(rng.NextDouble() * 2 - 1) * 0.05f;
        }
        else
        {
            _q = new byte[c.WeightBytes];
            rng.NextBytes(_q);
            int groups = (c.Cols + c.GroupSize - 1) / c.GroupSize, rowBytes = c.RowBytes;
            int[] columns = Enumerable.Range(0, c.Cols).ToArray();
            for (int r = 0; r < c.Rows; r++)
            {
                long row = (long)r * rowBytes;
                for (int g = 0; g < groups; g++)
                    BinaryPrimitives.WriteSingleLittleEndian(_q.AsSpan((int)(row + 4 * g), 4), 0.01f + 0.001f * (g % 7));
                if (!c.Sparse) continue;
                // A bitmap with exactly Kept columns set, at random (like Wanda pruning: no structure).
                Span<byte> bitmap = _q.AsSpan((int)(row + 4 * groups), (c.Cols + 7) / 8);
                bitmap.Clear();
                rng.Shuffle(columns);
                for (int k = 0; k < c.Kept; k++) bitmap[columns[k] >> 3] |= (byte)(1 << (columns[k] & 7));
            }
        }
    }

    public void Run(IKernels k)
    {
        MatrixCase c = Case;
        switch (c.Codec)
        {
            case "f32": k.MatVecF32(_w, 0, _x, 0, _y, 0, c.Rows, c.Cols); break;
            case "q8": k.MatVecQ8(_q, 0, _x, 0, _y, 0, c.Rows, c.Cols, c.GroupSize); break;
            case "q4": k.MatVecQ(_q, 0, _x, 0, _y, 0, c.Rows, c.Cols, 4, c.GroupSize); break;
            default: k.MatVecSparseQ(_q, 0, _x, 0, _y, 0, c.Rows, c.Cols, c.Bits, c.Kept, c.GroupSize); break;
        }
    }
}

/// <summary>The kernels compared: the portable reference, SIMD at the best level, the 128-bit (Pi) path, and row-parallel SIMD.</summary>
public static class Implementations
{
    public static IKernels Create(string name) => name switch
    {
        "portable" => new PortableKernels(),
        "simd" => new SimdKernels(),
        "simd-v128" => new SimdKernels(false, maxLevel: SimdLevel.Vector128),
        "simd-mt" => new SimdKernels(true),
        _ => throw new ArgumentException($"unknown implementation '{name}'"),
    };
}

/// <summary>Memory-bandwidth baselines over the same number of bytes a kernel reads.</summary>
public sealed unsafe class MemoryBaseline(long bytes)
{
    private readonly byte[] _src = Fill(bytes);
    private readonly byte[] _dst = new byte[bytes];

    public long Bytes => _src.LongLength;

    private static byte[] Fill(long n)
    {
        var b = new byte[n];
        new Random(7).NextBytes(b);
        return b;
    }

    /// <summary>Buffer.MemoryCopy of <see cref="Bytes"/> (reads them once and writes them once).</summary>
    public void Copy()
    {
        fixed (byte* s = _src, d = _dst) Buffer.MemoryCopy(s, d, _dst.LongLength, _src.LongLength);
    }

    /// <summary>Reads every byte once with 256-bit loads (XOR-folded), writing nothing: the read bandwidth a kernel can hope for.</summary>
    public ulong Read()
    {
        fixed (byte* s = _src)
        {
            long n = _src.LongLength, i = 0;
            Vector256<byte> a = default, b = default, c = default, d = default;
            for (; i + 128 <= n; i += 128)
            {
                a ^= Vector256.Load(s + i);
                b ^= Vector256.Load(s + i + 32);
                c ^= Vector256.Load(s + i + 64);
                d ^= Vector256.Load(s + i + 96);
            }
            ulong r = ((a ^ b) ^ (c ^ d)).AsUInt64().ToScalar();
            for (; i < n; i++) r ^= s[i];
            return r;
        }
    }
}
