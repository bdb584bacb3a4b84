using EdgeTiny.Converter.Compression;

namespace EdgeTiny.Converter.Tests;

public sealed class KnapsackAndWandaTests
{
    [Fact]
    public void Knapsack_matches_brute_force_on_random_instances()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 5), K = rng.Next(1, 5), cap = rng.Next(0, 25);
            var cost = new double[n, K];
            var size = new int[n, K];
            for (int i = 0; i < n; i++)
                for (int k = 0; k < K; k++) { cost[i, k] = rng.Next(0, 10) + rng.NextDouble(); size[i, k] = rng.Next(0, 8); }

            double bestBrute = double.PositiveInfinity;
            foreach (int[] choice in AllChoices(n, K))
            {
                if (Enumerable.Range(0, n).Sum(i => size[i, choice[i]]) > cap) continue;
                bestBrute = Math.Min(bestBrute, Enumerable.Range(0, n).Sum(i => cost[i, choice[i]]));
            }
            int[]? dp = Knapsack.Solve(cost, size, cap);
            if (double.IsPositiveInfinity(bestBrute))
            {
                Assert.Null(dp);
                continue;
            }
            Assert.NotNull(dp);
            Assert.True(Enumerable.Range(0, n).Sum(i => size[i, dp[i]]) <= cap);
            Assert.Equal(bestBrute, Enumerable.Range(0, n).Sum(i => cost[i, dp[i]]), 9);
        }
    }

    private static IEnumerable<int[]> AllChoices(int n, int K)
    {
        var c = new int[n];
        while (true)
        {
            yield return (int[])c.Clone();
            int i = 0;
            while (i < n && ++c[i] == K) c[i++] = 0;
            if (i == n) yield break;
        }
    }

    [Fact]
    public void Wanda_keeps_the_highest_weight_times_input_norm_in_every_row()
    {
        // Row 0: |w| = 1, 2, 3, 4 but column 3's input is silent: importance 10, 2, 3, 0 → keep columns 0 and 2.
        float[] w = [1, 2, 3, 4, -4, 3, -2, 1];
        float[] norms = [10, 1, 1, 0];
        bool[] mask = Wanda.Mask(w, 2, 4, norms, 0.5);
        Assert.Equal([true, false, true, false, true, true, false, false], mask);
        Assert.Equal([false, false, true, true, true, true, false, false], Wanda.Mask(w, 2, 4, null, 0.5)); // plain magnitude
        Assert.Equal(3, Wanda.KeptPerRow(10, 0.7));
        Assert.Equal(1, Wanda.KeptPerRow(2, 0.99)); // never an empty row
    }
}
