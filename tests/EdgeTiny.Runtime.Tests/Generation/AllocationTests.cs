using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Tests.Generation;

/// <summary>After warm-up, generating a token allocates nothing (the interpreter on a board must never GC mid-story).</summary>
[Collection(Stories260KCollection.Name)]
public sealed class AllocationTests(ConvertedModels models)
{
    [SharedDataTheory]
    [InlineData("f32", 0f)]
    [InlineData("q8", 0f)]
    [InlineData("q8", 0.8f)]
    public void Hundred_generated_tokens_after_warmup_allocate_zero_bytes(string codec, float temperature)
    {
        EtbModel m = ConvertedModels.Load(codec == "f32" ? models.F32Path : models.Q8Path);
        var kernels = new PortableKernels();
        var generator = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(temperature, 0.9f, 7, kernels));
        int[] prompt = [1];
        const int warmup = 5, measured = 100;
        // One unmeasured story first: every path the measured tokens take has then run (and been compiled) at least
        // once, so what is counted is the generator's own allocations, not the JIT's under a loaded machine.
        generator.Start(prompt, 1, 400);
        for (int i = 0; i < measured && generator.Next() >= 0; i++) { }
        int produced = 0;
        long allocated = 0;
        // Sampling may end a story early (EOS); restart and keep counting until 100 tokens are measured.
        while (produced < measured)
        {
            generator.Start(prompt, 1, 400);
            for (int i = 0; i < warmup && generator.Next() >= 0; i++) { }
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n = 0;
            while (produced + n < measured && generator.Next() >= 0) n++;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            produced += n;
        }
        Assert.Equal(0, allocated);
    }
}
