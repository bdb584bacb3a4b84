namespace EdgeTiny.Converter.Compression;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a sensitivity sweep: the jobs (matrix × candidate, numbered
/// matrix-major) whose 32-bit hash (an integer mixer, "lowbias32") is <see cref="Index"/> modulo <see cref="Count"/>. The
/// hash scatters cheap and dear jobs (late layers resume near the output, early ones run the whole model; float
/// candidates cost nothing) evenly over the shards, where a plain job % n would give one shard a single candidate
/// whenever n shares a factor with the candidate count.
/// </summary>
public sealed record SweepShard(int Index, int Count)
{
    public static readonly SweepShard All = new(0, 1);

    public bool Owns(int job) => (int)(Mix((uint)job) % (uint)Count) == Index;

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352d;
        x ^= x >> 15;
        x *= 0x846ca68b;
        return x ^ (x >> 16);
    }

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>"i/n" with 0 ≤ i &lt; n (as a Kubernetes indexed Job's JOB_COMPLETION_INDEX and GNU parallel's {%}-1 give it).</summary>
    public static SweepShard Parse(string text, string flag)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n))
            throw new InputException(flag, $"'{text}' is not a shard: use i/n, e.g. 0/4");
        if (n < 1 || n > 100_000 || i < 0 || i >= n)
            throw new InputException(flag, $"'{text}': the index must be in 0..n-1 and n in 1..100000");
        return new SweepShard(i, n);
    }
}

/// <summary>What a sweep did, in counts that do not depend on the machine.</summary>
/// <param name="Scored">Candidates (matrix × candidate jobs) this sweep scored, float ones included (they cost nothing).</param>
/// <param name="ForwardPasses">Forward passes over one calibration sequence, resumed ones included, reference passes too.</param>
public sealed record SweepCounts(int Scored, int ForwardPasses);
