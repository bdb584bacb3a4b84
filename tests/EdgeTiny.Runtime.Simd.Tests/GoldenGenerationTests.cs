using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Simd.Tests;

/// <summary>Tests in this collection share one conversion of stories260K (fp32 and q8) from EdgeTiny.TestSupport.</summary>
[CollectionDefinition(Name)]
public sealed class Stories260KCollection : ICollectionFixture<ConvertedModels>
{
    public const string Name = "stories260K";
}

/// <summary>The real model, run end to end by the runtime with <see cref="SimdKernels"/> instead of the portable kernels.</summary>
[Collection(Stories260KCollection.Name)]
public sealed class GoldenGenerationTests(ConvertedModels models)
{
    /// <summary>Greedy generation of <paramref name="count"/> tokens after the prompt (stops early only at EOS/BOS).</summary>
    private static List<int> Greedy(string path, IKernels kernels, int[] prompt, int promptCount, int count)
    {
        EtbModel m = ConvertedModels.Load(path);
        var generator = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, kernels));
        generator.Start(prompt, promptCount, count);
        var produced = new List<int>();
        for (int t = generator.Next(); t >= 0; t = generator.Next()) produced.Add(t);
        return produced;
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Fp32_greedy_generation_with_simd_kernels_reproduces_every_golden_token(int index)
    {
        GoldenCase g = Golden.Cases[index];
        using var kernels = new SimdKernels();
        Assert.Equal(g.Generated, Greedy(models.F32Path, kernels, g.Tokens, g.PromptTokens, g.Generated.Length));
    }

    [SharedDataFact]
    public void Fp32_greedy_generation_with_parallel_simd_kernels_reproduces_the_golden_story()
    {
        GoldenCase g = Golden.Cases[4]; // "" (BOS only)
        using var kernels = new SimdKernels(true, threads: 2, parallelThreshold: 1);
        Assert.Equal(g.Generated, Greedy(models.F32Path, kernels, g.Tokens, g.PromptTokens, g.Generated.Length));
    }

    [SharedDataTheory]
    [InlineData(SimdLevel.Avx2)]
    [InlineData(SimdLevel.Vector128)]
    public void Q8_greedy_generation_with_simd_kernels_equals_the_portable_kernels(SimdLevel level)
    {
        using var kernels = new SimdKernels(false, maxLevel: level);
        foreach (GoldenCase g in Golden.Cases)
        {
            List<int> portable = Greedy(models.Q8Path, new PortableKernels(), g.Tokens, g.PromptTokens, 48);
            Assert.Equal(portable, Greedy(models.Q8Path, kernels, g.Tokens, g.PromptTokens, 48));
        }
    }

    /// <summary>stories260K as dense q4 (group 64), converted once into the shared folder.</summary>
    private string Q4Path
    {
        get
        {
            lock (s_q4Lock)
            {
                string path = Path.Combine(models.Folder, "simd-tests-q4.etb");
                if (!File.Exists(path))
                    EdgeTiny.Converter.Conversion.ModelConverter.Convert(models.Source,
                        new EdgeTiny.Converter.Conversion.ConvertOptions { Policy = "none", Bits = 4 }, path);
                return path;
            }
        }
    }

    private static readonly object s_q4Lock = new();

    [SharedDataTheory]
    [InlineData(SimdLevel.Avx2)]
    [InlineData(SimdLevel.Vector128)]
    public void Q4_greedy_generation_with_simd_kernels_equals_the_portable_kernels(SimdLevel level)
    {
        using var kernels = new SimdKernels(false, maxLevel: level);
        foreach (GoldenCase g in Golden.Cases)
        {
            List<int> portable = Greedy(Q4Path, new PortableKernels(), g.Tokens, g.PromptTokens, 48);
            Assert.Equal(portable, Greedy(Q4Path, kernels, g.Tokens, g.PromptTokens, 48));
        }
    }

    [SharedDataTheory]
    [InlineData("f32")]
    [InlineData("q8")]
    [InlineData("q4")]
    public void Generated_tokens_with_simd_kernels_allocate_zero_bytes_after_warmup(string codec)
    {
        EtbModel m = ConvertedModels.Load(codec switch { "f32" => models.F32Path, "q8" => models.Q8Path, _ => Q4Path });
        using var kernels = new SimdKernels();
        var generator = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, kernels));
        generator.Start([1], 1, 100);
        for (int i = 0; i < 5; i++) Assert.True(generator.Next() >= 0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = 0;
        while (generator.Next() >= 0) n++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(n > 10, $"only {n} tokens generated");
    }
}
