using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Converter.Tests;

/// <summary>The q8 codec round-trips within half a quantization step, and the runtime kernel computes with exactly the decoded values.</summary>
public sealed class GroupQ8Tests
{
    [Theory]
    [InlineData(4, 64, 64)]
    [InlineData(3, 172, 64)]
    [InlineData(5, 10, 3)]
    [InlineData(2, 7, 32)] // one short group per row
    public void Round_trip_error_is_at_most_half_a_step(int rows, int cols, int group)
    {
        var rng = new Random(rows * 1000 + cols);
        float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 0.3f).ToArray();
        w[0] = 0f;
        byte[] payload = GroupQ8.Encode(w, rows, cols, group);
        Assert.Equal(Codec.PayloadBytes(Codec.Q8, rows, cols, group), payload.Length);
        float[] back = GroupQ8.Decode(payload, rows, cols, group);
        int groups = Codec.GroupsPerRow(cols, group);
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups; g++)
            {
                var idx = Enumerable.Range(g * group, Math.Min(group, cols - g * group)).Select(c => r * cols + c).ToArray();
                float step = idx.Max(i => Math.Abs(w[i])) / 127f;
                foreach (int i in idx) Assert.True(Math.Abs(w[i] - back[i]) <= step / 2 + 1e-7f, $"[{i}] {w[i]} vs {back[i]}");
            }
    }

    [Fact]
    public void All_zero_group_encodes_to_zero_scale_and_zero_values()
    {
        byte[] payload = GroupQ8.Encode(new float[8], 1, 8, 4);
        Assert.All(payload, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Runtime_kernel_on_the_payload_equals_matvec_of_the_decoded_matrix()
    {
        var rng = new Random(5);
        int rows = 6, cols = 172, group = 64;
        float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] x = Enumerable.Range(0, cols).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        byte[] payload = GroupQ8.Encode(w, rows, cols, group);
        var y = new float[rows];
        new PortableKernels().MatVecQ8(payload, 0, group, rows, cols, x, 0, y, 0);
        float[] dq = GroupQ8.Decode(payload, rows, cols, group);
        for (int r = 0; r < rows; r++)
        {
            double expected = Enumerable.Range(0, cols).Sum(c => (double)dq[r * cols + c] * x[c]);
            Assert.Equal(expected, y[r], 4);
        }
    }
}
