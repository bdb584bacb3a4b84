using System.Diagnostics;
using EdgeTiny.Converter.Packing;

namespace EdgeTiny.Converter.Tests;

public sealed class PlacementTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Link_merging_returns_a_permutation_that_puts_co_activated_neurons_side_by_side()
    {
        // 60 neurons in 20 planted triples that always fire together, scattered in the original order.
        int n = 60;
        var rng = new Random(1);
        int[] scatter = [.. Enumerable.Range(0, n).OrderBy(_ => rng.Next())];
        var masks = new NeuronMasks(n, 400);
        for (int t = 0; t < 400; t++)
        {
            int group = rng.Next(20);
            for (int k = 0; k < 3; k++) masks.Set(t, scatter[group * 3 + k]);
            if (rng.NextDouble() < 0.3) masks.Set(t, scatter[rng.Next(n)]); // noise
        }
        (int[] pairs, int[] singles) = masks.CoActivation();
        int[] order = LinkMergingPlacer.Place(pairs, singles);
        Assert.Equal(Enumerable.Range(0, n), order.Order());
        int[] position = new int[n];
        for (int p = 0; p < n; p++) position[order[p]] = p;
        int contiguous = Enumerable.Range(0, 20).Count(group =>
        {
            var ps = Enumerable.Range(0, 3).Select(k => position[scatter[group * 3 + k]]).Order().ToArray();
            return ps[2] - ps[0] == 2;
        });
        Assert.Equal(20, contiguous);
    }

    [Fact]
    public void Co_activation_counts_are_popcounts_of_and()
    {
        var m = new NeuronMasks(3, 4);
        m.Set(0, 0); m.Set(0, 1); m.Set(1, 0); m.Set(1, 1); m.Set(2, 2); m.Set(3, 0);
        (int[] pairs, int[] singles) = m.CoActivation();
        Assert.Equal([3, 2, 1], singles);
        Assert.Equal(2, pairs[0 * 3 + 1]);
        Assert.Equal(0, pairs[0 * 3 + 2]);
        Assert.Equal(pairs[1 * 3 + 0], pairs[0 * 3 + 1]);
    }

    [Theory]
    [InlineData(172)]
    [InlineData(768)]
    [InlineData(2048)]
    public void Placement_of_a_large_layer_is_a_permutation(int n)
    {
        var rng = new Random(n);
        var masks = new NeuronMasks(n, 2000);
        for (int t = 0; t < 2000; t++)
            for (int k = 0; k < n / 10; k++) masks.Set(t, rng.Next(n));
        var clock = Stopwatch.StartNew();
        (int[] pairs, int[] singles) = masks.CoActivation();
        int[] order = LinkMergingPlacer.Place(pairs, singles);
        output.WriteLine($"n = {n}: counts + placement in {clock.ElapsedMilliseconds} ms"); // printed, never asserted
        Assert.Equal(Enumerable.Range(0, n), order.Order());
    }
}
