using EdgeTiny.Host.Prediction;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>
/// The tuning ops behind <see cref="IKernels"/> (LoRA products, outer-product gradients, the Adam update) give, on
/// <see cref="PortableKernels"/>, bit for bit what the plain loops they replaced gave (written out here as they were):
/// adapters tuned before and after the move are the same bytes, and a board with native kernels is held to them.
/// </summary>
public sealed class TuningKernelsTests
{
    private readonly Random _rng = new(5);
    private float[] R(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(_rng.NextDouble() * 2 - 1))];

    private LoraAdapter Adapter(int inputs, int outputs, int rank)
    {
        var lora = new LoraAdapter(inputs, outputs, rank, 8f, true, new MemoryLedger(), "t", new float[outputs]);
        ulong seed = 9;
        lora.Initialize(ref seed);
        for (int i = 0; i < lora.B.Length; i++) lora.B[i] = (float)(_rng.NextDouble() - 0.5);
        return lora;
    }

    [Theory]
    [InlineData(64, 172, 4)]
    [InlineData(172, 64, 4)]
    [InlineData(7, 3, 1)]
    public void Lora_forward_on_the_kernels_is_the_old_loop_bit_for_bit(int inputs, int outputs, int rank)
    {
        LoraAdapter lora = Adapter(inputs, outputs, rank);
        float[] x = R(inputs + 3), y = R(outputs + 2), expected = (float[])y.Clone();
        // The loop LoraAdapter.Forward was before its products moved behind IKernels.
        var t = new float[rank];
        for (int r = 0; r < rank; r++)
        {
            float sum = 0f;
            for (int i = 0; i < inputs; i++) sum += lora.A[r * inputs + i] * x[3 + i];
            t[r] = sum;
        }
        for (int o = 0; o < outputs; o++)
        {
            float sum = 0f;
            for (int r = 0; r < rank; r++) sum += lora.B[o * rank + r] * t[r];
            expected[2 + o] += lora.Scale * sum;
        }
        lora.Forward(new PortableKernels(), x, 3, y, 2);
        Assert.Equal(expected, y);
    }

    [Theory]
    [InlineData(64, 172, 4, false)]
    [InlineData(172, 64, 4, false)]
    [InlineData(64, 32, 4, true)]   // B = 0, as in a fresh adapter's first step: u = Bᵀ dy is all zeros
    [InlineData(5, 3, 2, false)]
    public void Lora_backward_on_the_kernels_is_the_old_loop_bit_for_bit(int inputs, int outputs, int rank, bool freshB)
    {
        LoraAdapter lora = Adapter(inputs, outputs, rank);
        if (freshB) Array.Clear(lora.B);
        float[] x = R(inputs + 1), dy = R(outputs + 4), dx = R(inputs + 2);
        for (int i = 0; i < lora.GradA.Length; i++) lora.GradA[i] = (float)(_rng.NextDouble() - 0.5);
        for (int i = 0; i < lora.GradB.Length; i++) lora.GradB[i] = (float)(_rng.NextDouble() - 0.5);
        float[] gradA = (float[])lora.GradA.Clone(), gradB = (float[])lora.GradB.Clone(), dxExpected = (float[])dx.Clone();
        // The loop LoraAdapter.Backward was before its products moved behind IKernels.
        float[] t = new float[rank], u = new float[rank];
        for (int r = 0; r < rank; r++)
        {
            float tr = 0f;
            for (int i = 0; i < inputs; i++) tr += lora.A[r * inputs + i] * x[1 + i];
            t[r] = tr;
            float ur = 0f;
            for (int o = 0; o < outputs; o++) ur += lora.B[o * rank + r] * dy[4 + o];
            u[r] = ur;
        }
        for (int o = 0; o < outputs; o++)
        {
            float g = lora.Scale * dy[4 + o];
            for (int r = 0; r < rank; r++) gradB[o * rank + r] += g * t[r];
        }
        for (int r = 0; r < rank; r++)
        {
            float g = lora.Scale * u[r];
            for (int i = 0; i < inputs; i++)
            {
                gradA[r * inputs + i] += g * x[1 + i];
                dxExpected[2 + i] += g * lora.A[r * inputs + i];
            }
        }
        lora.Backward(new PortableKernels(), x, 1, dy, 4, dx, 2);
        Assert.Equal(gradB, lora.GradB);
        Assert.Equal(gradA, lora.GradA);
        Assert.Equal(dxExpected, dx);
    }

    [Fact]
    public void Adam_on_the_kernels_is_the_old_loop_bit_for_bit_over_several_steps_with_clipping()
    {
        float[][] p = [R(37), R(8)], g = [R(37), R(8)];
        float[][] q = [.. p.Select(a => (float[])a.Clone())];
        float[][] m = [new float[37], new float[8]], v = [new float[37], new float[8]];
        const float lr = 0.01f, clip = 0.5f;
        var opt = new Optimizer(p, g, null, OptimizerKind.Adam, lr, clip, new MemoryLedger());
        for (int step = 1; step <= 4; step++)
        {
            opt.Step(new PortableKernels());
            // The loop Optimizer.Update ran before the Adam update moved behind IKernels.
            float ss = 0f;
            foreach (float[] a in g) foreach (float e in a) ss += e * e;
            float norm = (float)Math.Sqrt(ss), scale = norm > clip ? clip / norm : 1f;
            float c1 = 1f - (float)Math.Pow(0.9f, step), c2 = 1f - (float)Math.Pow(0.999f, step);
            for (int i = 0; i < q.Length; i++)
                for (int j = 0; j < q[i].Length; j++)
                {
                    float gj = g[i][j] * scale;
                    m[i][j] = 0.9f * m[i][j] + (1f - 0.9f) * gj;
                    v[i][j] = 0.999f * v[i][j] + (1f - 0.999f) * gj * gj;
                    q[i][j] -= lr * (m[i][j] / c1) / ((float)Math.Sqrt(v[i][j] / c2) + 1e-8f);
                }
            for (int i = 0; i < q.Length; i++) Assert.Equal(q[i], p[i]);
        }
    }

    [Fact]
    public void Ger_adds_alpha_x_times_y_row_by_row_and_leaves_the_rest()
    {
        var k = new PortableKernels();
        float[] x = [0f, 2f, -1f], y = [9f, 1f, 3f], a = [5f, 1f, 1f, 1f, 1f, 1f, 1f, 7f];
        k.Ger(0.5f, x, 1, y, 1, a, 1, 2, 2, 2);   // rows x[1..3) = (2, −1), cols y[1..3) = (1, 3), a[1..5)
        Assert.Equal([5f, 2f, 4f, 0.5f, -0.5f, 1f, 1f, 7f], a);
        float[] strided = [5f, 1f, 1f, 1f, 1f, 1f, 1f, 7f];
        k.Ger(0.5f, x, 1, y, 1, strided, 1, 2, 2, 3);   // rows 3 apart: a[1..3) and a[4..6), a[3] left alone
        Assert.Equal([5f, 2f, 4f, 1f, 0.5f, -0.5f, 1f, 7f], strided);
    }

    [Theory]
    [InlineData(1, 2, 4)]
    [InlineData(2, 3, 2)]
    public void A_tuning_step_counts_its_adapter_products_and_Adam_update_as_the_shapes_say(int window, int adaptedLayers, int rank)
    {
        // int8 frozen weights: every float matrix × vector of the step is an adapter's.
        ModelConfig c = TinyModels.Config(3);
        EtbModel m = TinyModels.Open(TinyModels.Source(c, 5), new RuntimeOptions { ContextLength = 8 }, 8);
        var k = new CountingKernels(new PortableKernels());
        Transformer t = m.CreateTransformer(k);
        var adapters = new AdapterSet(c, c.Layers - adaptedLayers, rank, 4f, true, m.Ledger);
        adapters.Initialize(3);
        var tuner = new AdapterTuner(t, m.Weights, adapters, OptimizerKind.Adam, 1e-3f, 1f, 8, window, m.Ledger);
        int[] tokens = [1, 5, 9, 3, 12, 7, 4, 10];
        k.Counts.Clear();
        tuner.Step(tokens, tokens.Length);

        long positions = tokens.Length - 1, perLayer = AdapterSet.Parameters(c, 1, rank);
        long inputsPerLayer = 6L * c.Dim + c.HiddenDim;   // q, k, v, o, gate, up read dim values; down reads hidden
        // Backward: dB (out × rank) and dA (rank × in) of every adapter in the window, at every position; and per head
        // the attention's dV and dK rows of positions 0..pos (pos + 1 rows of head_size).
        long attentionRows = positions * (positions + 1) / 2;   // Σ over pos of pos + 1
        Assert.Equal(positions * window * (AdapterSet.Projections * 2 + c.Heads * 2), k.Counts.CallsOf(KernelKind.Ger));
        Assert.Equal(positions * window * perLayer + window * c.Heads * 2 * attentionRows * c.HeadSize, k.Counts.OperationsOf(KernelKind.Ger));
        // Forward: A x and B t per adapter; backward: A x again.
        Assert.Equal(positions * window * AdapterSet.Projections * 3, k.Counts.CallsOf(KernelKind.MatVecF32));
        Assert.Equal(positions * window * (perLayer + rank * inputsPerLayer), k.Counts.OperationsOf(KernelKind.MatVecF32));
        // One Adam update of every adapter's A and B, window or not.
        Assert.Equal(2L * AdapterSet.Projections * adaptedLayers, k.Counts.CallsOf(KernelKind.AdamStep));
        Assert.Equal(AdapterSet.Parameters(c, adaptedLayers, rank), k.Counts.OperationsOf(KernelKind.AdamStep));
    }
}
