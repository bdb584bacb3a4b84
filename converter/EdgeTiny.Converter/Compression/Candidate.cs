using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Compression;

/// <summary>One way to store a weight matrix: a bit width (32 = float) and an unstructured sparsity.</summary>
public sealed record Candidate(int Bits, double Sparsity)
{
    public static readonly Candidate Float = new(32, 0);

    /// <summary>
    /// What LUC chooses from: float; dense 8, 7, 6, 5, 4, 3, 2 bits; and 8, 4, 3, 2 bits at 25, 50, 70% sparsity.
    /// </summary>
    public static readonly Candidate[] Grid =
    [
        Float,
        new(8, 0), new(7, 0), new(6, 0), new(5, 0), new(4, 0), new(3, 0), new(2, 0),
        new(8, 0.25), new(8, 0.5), new(8, 0.7),
        new(4, 0.25), new(4, 0.5), new(4, 0.7),
        new(3, 0.25), new(3, 0.5), new(3, 0.7),
        new(2, 0.25), new(2, 0.5), new(2, 0.7),
    ];

    public override string ToString() => Bits == 32 ? "f32" : Sparsity > 0 ? $"q{Bits}@{Sparsity * 100:0}%" : $"q{Bits}";

    /// <summary>
    /// Stores <paramref name="t"/> this way: Wanda-pruned with the given input norms, then group-quantized. A pruned
    /// tensor uses the sparse codec unless the dense one (holding the zeros) is smaller.
    /// </summary>
    public EncodedTensor Encode(SourceTensor t, float[]? inputNorms, int groupSize)
    {
        if (Bits == 32) return EncodedTensor.F32(t.Data, t.Rows, t.Cols);
        if (Sparsity <= 0) return GroupQuantizer.Encode(t.Data, t.Rows, t.Cols, groupSize, Bits);
        bool[] keep = Wanda.Mask(t.Data, t.Rows, t.Cols, inputNorms, Sparsity);
        int kept = Wanda.KeptPerRow(t.Cols, Sparsity);
        long sparse = Codec.PayloadBytes(Codec.SparseQ, Codec.SparseParam(Bits, kept), t.Rows, t.Cols, groupSize);
        long dense = Codec.PayloadBytes(Codec.Q, Bits, t.Rows, t.Cols, groupSize);
        if (sparse < dense) return GroupQuantizer.EncodeSparse(t.Data, keep, t.Rows, t.Cols, groupSize, Bits);
        float[] pruned = (float[])t.Data.Clone();
        for (int i = 0; i < pruned.Length; i++) if (!keep[i]) pruned[i] = 0f;
        return GroupQuantizer.Encode(pruned, t.Rows, t.Cols, groupSize, Bits);
    }

    /// <summary>File bytes of a section: payload rounded up to whole 512-byte sectors (sections are sector-aligned).</summary>
    public static long SectionBytes(EncodedTensor e) => EtbLayout.AlignToSector(e.Payload.Length);
}
