using System.Buffers.Binary;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.KernelVectors;

/// <summary>
/// Builds the cases: payloads either realistic (<see cref="GroupQuantizer"/> over Gaussian weights with outliers) or
/// raw (random bytes, which also hit the most negative code -2^(b-1) that the symmetric quantizer never writes);
/// every array padded with random bytes or floats before the offset and after the end; outputs computed by
/// <see cref="PortableKernels"/>.
/// </summary>
public sealed partial class Cases(int seed)
{
    private readonly Random _rng = new(seed);
    private readonly PortableKernels _ref = new();
    public readonly List<VectorCase> All = [];

    /// <summary>Some cases at offset 0 (arrays start with the data), the others at a small random offset.</summary>
    private int Offset() => _rng.Next(3) == 0 ? 0 : _rng.Next(1, 14);

    private float Gaussian()
    {
        double u = 1 - _rng.NextDouble(), v = _rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
    }

    private float[] Weights(int n)
    {
        var w = new float[n];
        for (int i = 0; i < n; i++) w[i] = Gaussian() * 0.05f * (_rng.Next(50) == 0 ? 8 : 1);
        return w;
    }

    /// <summary>pre random floats, the values, post random floats.</summary>
    private float[] Padded(int pre, float[] values, int post)
    {
        var a = new float[pre + values.Length + post];
        for (int i = 0; i < a.Length; i++) a[i] = Gaussian();
        values.CopyTo(a, pre);
        return a;
    }

    private float[] Vector(int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = Gaussian();
        return v;
    }

    private byte[] PaddedBytes(int pre, byte[] payload, int post)
    {
        var a = new byte[pre + payload.Length + post];
        _rng.NextBytes(a);
        payload.CopyTo(a, pre);
        return a;
    }

    /// <summary>Random packed bytes with sane scales (and, for sparse rows, exactly kept bitmap bits below cols).</summary>
    private byte[] RawPayload(int codec, int param, int rows, int cols, int groupSize)
    {
        int rowBytes = Codec.RowBytes(codec, param, cols, groupSize), groups = Codec.GroupsPerRow(cols, groupSize);
        var p = new byte[rows * rowBytes];
        _rng.NextBytes(p);
        for (int r = 0; r < rows; r++)
        {
            int row = r * rowBytes;
            for (int g = 0; g < groups; g++)
                BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(row + 4 * g), (float)(_rng.NextDouble() * 2 - 1) * 0.05f);
            if (codec != Codec.SparseQ) continue;
            int bitmap = row + 4 * groups;
            for (int c = 0; c < cols; c++) p[bitmap + (c >> 3)] &= (byte)~(1 << (c & 7)); // bits past cols stay random
            foreach (int c in KeptColumns(cols, Codec.Kept(param))) p[bitmap + (c >> 3)] |= (byte)(1 << (c & 7));
        }
        return p;
    }

    private int[] KeptColumns(int cols, int kept) => Enumerable.Range(0, cols).OrderBy(_ => _rng.Next()).Take(kept).ToArray();

    /// <summary>A dense (Codec.Q) matvec case, run as MatVecQ8 when <paramref name="kind"/> says so.</summary>
    public void Dense(Kind kind, int bits, int rows, int cols, int groupSize, bool raw)
    {
        byte[] payload = raw ? RawPayload(Codec.Q, bits, rows, cols, groupSize)
                             : GroupQuantizer.Encode(Weights(rows * cols), rows, cols, groupSize, bits).Payload;
        AddMatVec(kind, $"{(raw ? "raw" : "quantized")} q{bits} {rows}x{cols} group {groupSize}", Codec.Q, bits, 0, rows, cols, groupSize, payload);
    }

    public void Sparse(int bits, int kept, int rows, int cols, int groupSize, bool raw)
    {
        int param = Codec.SparseParam(bits, kept);
        byte[] payload;
        if (raw) payload = RawPayload(Codec.SparseQ, param, rows, cols, groupSize);
        else
        {
            var keep = new bool[rows * cols];
            for (int r = 0; r < rows; r++)
                foreach (int c in KeptColumns(cols, kept)) keep[r * cols + c] = true;
            payload = GroupQuantizer.EncodeSparse(Weights(rows * cols), keep, rows, cols, groupSize, bits).Payload;
        }
        AddMatVec(Kind.MatVecSparseQ, $"{(raw ? "raw" : "quantized")} sparse q{bits} kept {kept}/{cols} {rows}x{cols} group {groupSize}",
            Codec.SparseQ, bits, kept, rows, cols, groupSize, payload);
    }

    private void AddMatVec(Kind kind, string name, int codec, int bits, int kept, int rows, int cols, int groupSize, byte[] payload)
    {
        var c = new VectorCase
        {
            Kind = kind, Name = name, Bits = bits, Kept = kept, GroupSize = groupSize, Rows = rows, Cols = cols, Codec = codec,
            WOff = Offset(), XOff = Offset(), YOff = Offset(),
        };
        c.W = PaddedBytes(c.WOff, payload, _rng.Next(0, 4));
        c.X = Padded(c.XOff, Vector(cols), _rng.Next(0, 3));
        c.Y0 = Padded(c.YOff, new float[rows], _rng.Next(0, 3));
        for (int r = 0; r < rows; r++) c.Y0[c.YOff + r] = Gaussian(); // overwritten by the kernel
        c.Expected = (float[])c.Y0.Clone();
        switch (kind)
        {
            case Kind.MatVecQ8: _ref.MatVecQ8(c.W, c.WOff, c.X, c.XOff, c.Expected, c.YOff, rows, cols, groupSize); break;
            case Kind.MatVecQ: _ref.MatVecQ(c.W, c.WOff, c.X, c.XOff, c.Expected, c.YOff, rows, cols, bits, groupSize); break;
            default: _ref.MatVecSparseQ(c.W, c.WOff, c.X, c.XOff, c.Expected, c.YOff, rows, cols, bits, kept, groupSize); break;
        }
        // Σ|weight·x| per row, with the weights decoded by the core's definition of the layout.
        int param = codec == Codec.SparseQ ? Codec.SparseParam(bits, kept) : bits;
        int rowBytes = Codec.RowBytes(codec, param, cols, groupSize);
        var row = new float[cols];
        c.Magnitude = new float[c.Y0.Length];
        for (int r = 0; r < rows; r++)
        {
            PackedValues.DecodeRow(c.W, c.WOff + r * rowBytes, codec, param, cols, groupSize, row, 0);
            double m = 0;
            for (int i = 0; i < cols; i++) m += Math.Abs(row[i] * c.X[c.XOff + i]);
            c.Magnitude[c.YOff + r] = (float)m;
        }
        All.Add(c);
    }

    /// <summary>
    /// An FFN bundle case: count bundles of 2·dim values (F32, or Q with bits); act has zeros (some -0) at
    /// <paramref name="zeroShare"/>, their bundles filled with NaNs; the output starts nonzero (the kernel accumulates).
    /// </summary>
    public void Ffn(int codec, int bits, int count, int dim, int groupSize, double zeroShare)
    {
        float[] bundles = Weights(count * 2 * dim);
        EncodedTensor t = codec == Codec.F32 ? EncodedTensor.F32(bundles, count, 2 * dim)
                                             : GroupQuantizer.Encode(bundles, count, 2 * dim, groupSize, bits);
        if (codec == Codec.F32) { bits = 0; groupSize = 0; } // what FfnBundles.Apply passes for an f32 tensor
        var act = Vector(count);
        for (int b = 0; b < count; b++)
            if (_rng.NextDouble() < zeroShare) act[b] = _rng.Next(4) == 0 ? -0f : 0f;
        var c = new VectorCase
        {
            Kind = Kind.FfnBundles, Bits = bits, GroupSize = groupSize, Rows = count, Cols = dim, Codec = codec,
            WOff = Offset(), XOff = Offset(), YOff = Offset(), ActOff = Offset(),
            Name = $"ffn {(codec == Codec.F32 ? "f32" : "q" + bits)} {count} bundles dim {dim} group {groupSize} zero {zeroShare:0.##}",
        };
        // Inactive bundles hold NaNs (0xFF bytes): reading one would show in the output.
        int rowBytes = t.Payload.Length / count;
        for (int b = 0; b < count; b++)
            if (act[b] == 0f) Array.Fill(t.Payload, (byte)0xFF, b * rowBytes, rowBytes);
        c.W = PaddedBytes(c.WOff, t.Payload, _rng.Next(0, 4));
        c.X = Padded(c.XOff, Vector(dim), _rng.Next(0, 3));
        c.Act = Padded(c.ActOff, act, _rng.Next(0, 3));
        c.Y0 = Padded(c.YOff, Vector(dim), _rng.Next(0, 3));
        c.Expected = (float[])c.Y0.Clone();
        _ref.FfnBundles(c.W, c.WOff, c.X, c.XOff, c.Act, c.ActOff, c.Expected, c.YOff, count, dim, codec, bits, groupSize);

        // out[j] = out0[j] + Σ_b a_b·(Σ_i up_bi·x_i)·down_bj: magnitude |out0[j]| + Σ_b |a_b|·(Σ_i |up_bi·x_i|)·|down_bj|.
        c.Magnitude = new float[c.Y0.Length];
        float[] w = t.Decode();
        var m = new double[dim];
        for (int b = 0; b < count; b++)
        {
            double a = Math.Abs(act[b]);
            if (a == 0) continue;
            double u = 0;
            for (int i = 0; i < dim; i++) u += Math.Abs(w[b * 2 * dim + i] * c.X[c.XOff + i]);
            for (int j = 0; j < dim; j++) m[j] += a * u * Math.Abs(w[b * 2 * dim + dim + j]);
        }
        for (int j = 0; j < dim; j++) // no active bundle: the element must stay exactly as it was
            c.Magnitude[c.YOff + j] = m[j] == 0 ? 0f : (float)(m[j] + Math.Abs(c.Y0[c.YOff + j]));
        All.Add(c);
    }
}
