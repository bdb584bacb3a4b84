using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Tests.Text;

public sealed class SamplerTests
{
    private static float[] Logits(params float[] v) => v;

    [Fact]
    public void Temperature_zero_is_argmax_first_of_ties()
    {
        var s = new Sampler(5, 0f, 0.9f, 1, new PortableKernels(), new EdgeTiny.Runtime.Memory.MemoryLedger());
        Assert.Equal(2, s.Sample(Logits(0f, 1f, 3f, 3f, -1f)));
    }

    [Fact]
    public void Same_seed_same_tokens_different_seed_different_tokens()
    {
        int[] Run(ulong seed)
        {
            var s = new Sampler(8, 1f, 0f, seed, new PortableKernels(), new EdgeTiny.Runtime.Memory.MemoryLedger());
            return Enumerable.Range(0, 64).Select(_ => s.Sample(Logits(0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f))).ToArray();
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void Top_p_never_samples_outside_the_nucleus()
    {
        // Probabilities ≈ 0.64, 0.24, 0.09, 0.03: with top-p 0.8 the nucleus is tokens 0 and 1.
        var s = new Sampler(4, 1f, 0.8f, 3, new PortableKernels(), new EdgeTiny.Runtime.Memory.MemoryLedger());
        var seen = new HashSet<int>();
        for (int i = 0; i < 500; i++) seen.Add(s.Sample(Logits(3f, 2f, 1f, -0.1f)));
        Assert.Equal([0, 1], seen.Order());
    }

    [Fact]
    public void Multinomial_frequencies_follow_the_softmax()
    {
        var s = new Sampler(2, 1f, 1f, 9, new PortableKernels(), new EdgeTiny.Runtime.Memory.MemoryLedger());
        int ones = Enumerable.Range(0, 20000).Count(_ => s.Sample(Logits(0f, (float)Math.Log(3))) == 1);
        Assert.InRange(ones / 20000.0, 0.73, 0.77); // p(1) = 3/4
    }
}
