using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Packing;

/// <summary>One layer's FFN as written by the packer: the gate rows and the neuron bundles in placement order.</summary>
public sealed record PackedFfn(int[] Order, EncodedTensor Gate, EncodedTensor Bundles);

/// <summary>
/// Writes a gated FFN as neuron bundles (LLM in a Flash's row-column bundling): position p holds neuron order[p]'s
/// up row (w3) and down column (w2) side by side, quantized as one row of 2·dim values; the gate (w1) rows follow
/// the same order. Reordering neurons consistently changes nothing the FFN computes.
/// </summary>
public static class FfnPacker
{
    public static PackedFfn Pack(SourceModel m, int layer, int[] order, EncodedTensor gate, int bits, int groupSize)
    {
        int hidden = m.Config.HiddenDim, dim = m.Config.Dim;
        float[] w2 = m.Tensor(TensorNames.Layer(layer, TensorNames.W2)).Data; // (dim, hidden)
        float[] w3 = m.Tensor(TensorNames.Layer(layer, TensorNames.W3)).Data; // (hidden, dim)
        var bundles = new float[hidden * 2 * dim];
        for (int p = 0; p < hidden; p++)
        {
            int n = order[p];
            Array.Copy(w3, n * dim, bundles, p * 2 * dim, dim);
            for (int r = 0; r < dim; r++) bundles[p * 2 * dim + dim + r] = w2[r * hidden + n];
        }
        EncodedTensor encoded = bits == 32
            ? EncodedTensor.F32(bundles, hidden, 2 * dim)
            : GroupQuantizer.Encode(bundles, hidden, 2 * dim, groupSize, bits);
        return new PackedFfn(order, PermuteRows(gate, order), encoded);
    }

    /// <summary>The same encoded tensor with its rows in <paramref name="order"/> (rows are independent and equal-sized).</summary>
    public static EncodedTensor PermuteRows(EncodedTensor t, int[] order)
    {
        int rowBytes = t.Payload.Length / t.Rows;
        var payload = new byte[t.Payload.Length];
        for (int p = 0; p < t.Rows; p++) Buffer.BlockCopy(t.Payload, order[p] * rowBytes, payload, p * rowBytes, rowBytes);
        return t with { Payload = payload };
    }

    public static byte[] Int32s(int[] values)
    {
        var b = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, b, 0, b.Length);
        return b;
    }

    public static byte[] Floats(float[] values)
    {
        var b = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, b, 0, b.Length);
        return b;
    }

    /// <summary>Extra file bytes a packed model needs beyond the plain one (permutations, thresholds, alignment slack).</summary>
    public static long ExtraBytes(SourceModel m) =>
        m.Config.Layers * (EtbLayout.AlignToSector(m.Config.HiddenDim * 4L) + EtbLayout.SectorBytes) + EtbLayout.SectorBytes;
}
