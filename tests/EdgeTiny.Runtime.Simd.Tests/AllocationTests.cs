namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>1000 calls of each kernel allocate nothing on the calling thread, single-threaded and row-parallel.</summary>
public sealed class AllocationTests
{
    private const int Calls = 1000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Thousand_calls_of_each_kernel_allocate_zero_bytes(bool multithreaded)
    {
        using var k = new SimdKernels(multithreaded, threads: 2, parallelThreshold: 1);
        var inputs = new Inputs(71);
        const int rows = 64, cols = 172, group = 64;
        float[] w = inputs.Vector(rows * cols), x = inputs.Vector(cols), y = new float[rows];
        byte[] q = inputs.Q8Rows(0, rows, cols, group);
        float[] a = inputs.Vector(300), b = inputs.Vector(300), o = new float[300];
        var rng = new Random(72);
        PackedRows[] dense = Enumerable.Range(2, 6).Select(bits => PackedRows.Dense(rng, 0, rows, cols, bits, group, slack: 0)).ToArray();
        PackedRows sparse4 = PackedRows.SparseRows(rng, 0, rows, cols, 4, cols / 2, group, slack: 0);
        PackedRows sparse3 = PackedRows.SparseRows(rng, 0, rows, cols, 3, cols / 4, 32, slack: 0);
        PackedRows denseOdd = PackedRows.Dense(rng, 0, rows, cols, 4, 12, slack: 0);
        float[] keys = inputs.Vector(256 * 16), scores = new float[256], head = new float[16];
        byte[] keys8 = inputs.Bytes(256 * 16);
        float[] scales = inputs.Vector(256 * 2);

        var kernels = new (string Name, Action Call)[]
        {
            ("MatVecF32", () => k.MatVecF32(w, 0, x, 0, y, 0, rows, cols)),
            ("MatVecQ8", () => k.MatVecQ8(q, 0, x, 0, y, 0, rows, cols, group)),
            ("RmsNorm", () => k.RmsNorm(a, b, 0, o, 300, 1e-5f)),
            ("Softmax", () => k.Softmax(o, 0, 300)),
            ("Dot", () => k.Dot(a, 0, b, 0, 300)),
            ("Axpy", () => k.Axpy(1e-3f, a, 0, o, 0, 300)),
            ("DotQ8", () => k.DotQ8(a, 0, q, 0, 300)),
            ("AxpyQ8", () => k.AxpyQ8(1e-3f, q, 0, o, 0, 300)),
            ("MatVecQ 2..7 bits", () =>
            {
                foreach (PackedRows p in dense) k.MatVecQ(p.Data, 0, x, 0, y, 0, rows, cols, p.Bits, group);
            }),
            ("MatVecQ 4 bits, group 12", () => k.MatVecQ(denseOdd.Data, 0, x, 0, y, 0, rows, cols, 4, 12)),
            ("MatVecSparseQ q4@50%", () => k.MatVecSparseQ(sparse4.Data, 0, x, 0, y, 0, rows, cols, 4, sparse4.Kept, group)),
            ("MatVecSparseQ q3@75%", () => k.MatVecSparseQ(sparse3.Data, 0, x, 0, y, 0, rows, cols, 3, sparse3.Kept, 32)),
            ("GatedActivation silu", () => k.GatedActivation(o, a, 300, 0)),
            ("GatedActivation relu", () => k.GatedActivation(o, a, 300, 1)),
            ("AttentionScores", () => k.AttentionScores(a, 0, keys, 0, scores, 0, 256, 8, 16, 2.8f)),
            ("AttentionValues", () => k.AttentionValues(scores, 0, keys, 0, head, 0, 256, 8, 16)),
            ("AttentionScoresQ8", () => k.AttentionScoresQ8(a, 0, keys8, 0, scales, 0, scores, 0, 256, 8, 16, 2, 2.8f)),
            ("AttentionValuesQ8", () => k.AttentionValuesQ8(scores, 0, keys8, 0, scales, 0, head, 0, 256, 8, 16, 2)),
            ("Ger", () => k.Ger(1e-3f, a, 0, b, 0, w, 0, rows, cols, cols)),
            ("AdamStep", () => k.AdamStep(a, o, scores, b, 256, 1f, 1e-6f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f)),
        };
        foreach ((string name, Action call) in kernels)
        {
            call(); // warm-up: JIT, tiering, lazily created wait handles
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++) call();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name}: {Calls} calls allocated {allocated} bytes");
        }
    }
}
