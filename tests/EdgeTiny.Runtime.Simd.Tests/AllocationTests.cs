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

        var kernels = new (string Name, Action Call)[]
        {
            ("MatVecF32", () => k.MatVecF32(w, 0, rows, cols, x, 0, y, 0)),
            ("MatVecQ8", () => k.MatVecQ8(q, 0, group, rows, cols, x, 0, y, 0)),
            ("RmsNorm", () => k.RmsNorm(o, a, b, 0, 300, 1e-5f)),
            ("Softmax", () => k.Softmax(o, 0, 300)),
            ("Dot", () => k.Dot(a, 0, b, 0, 300)),
            ("Axpy", () => k.Axpy(1e-3f, a, 0, o, 0, 300)),
            ("DotQ8", () => k.DotQ8(a, 0, q, 0, 300)),
            ("AxpyQ8", () => k.AxpyQ8(1e-3f, q, 0, o, 0, 300)),
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
