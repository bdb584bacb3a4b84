namespace EdgeTiny.Training.Corpus;

/// <summary>
/// xoshiro256** seeded through SplitMix64. The corpus must be byte-identical on every machine and .NET version
/// (a training run is reproduced from its seed), and <see cref="System.Random"/> promises neither its algorithm
/// nor its seeding across versions, so the generator carries its own, fully specified PRNG.
/// </summary>
public sealed class StoryRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public StoryRandom(ulong seed)
    {
        // SplitMix64 spreads any seed (0 included) over the 256-bit state, which must not be all zero.
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, n): the high word of a 64×64-bit product (bias below 2^-32 for any n used here).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        return (int)Math.BigMul(NextUInt64(), (ulong)n, out _);
    }

    /// <summary>Uniform in [min, max], both included.</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>True with probability <paramref name="p"/> (53-bit resolution, no floating-point rounding surprises).</summary>
    public bool Chance(double p) => (NextUInt64() >> 11) < (ulong)(p * (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
