using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Tests.Ffn;

/// <summary>Runs, access collapse and the link-aware bundle cache.</summary>
public sealed class ReadPlannerTests
{
    // 400 us per command, 512,000 B/s: a 136-byte bundle transfers in ~0.27 ms, so a gap of one bundle pays, of many does not.
    private static readonly SdTimingModel Sd = new(400, 512_000, 512);

    private static (int start, int count)[] Plan(int[] positions, bool collapse, int recordBytes = 136)
    {
        var p = new ReadPlanner(Sd, 0, recordBytes, 1000, maxRecordsPerRead: 30, new EdgeTiny.Runtime.Memory.MemoryLedger(), "test");
        int n = p.Plan(positions, positions.Length, collapse);
        return Enumerable.Range(0, n).Select(i => (p.Start(i), p.Count(i))).ToArray();
    }

    [Fact]
    public void Without_collapse_each_run_of_consecutive_positions_is_one_read()
    {
        Assert.Equal([(3, 3), (8, 1), (10, 2)], Plan([3, 4, 5, 8, 10, 11], collapse: false));
        Assert.Empty(Plan([], collapse: false));
    }

    [Fact]
    public void Collapse_reads_a_gap_when_that_costs_less_than_a_command()
    {
        Assert.Equal([(3, 9)], Plan([3, 4, 5, 8, 10, 11], collapse: true));     // gaps of 2 and 1 bundles: cheaper than 400 us
        Assert.Equal([(0, 1), (100, 1)], Plan([0, 100], collapse: true));        // 99 bundles (13 KB) cost far more
    }

    [Fact]
    public void Reads_never_exceed_the_read_buffer()
    {
        int[] all = [.. Enumerable.Range(0, 100)];
        Assert.All(Plan(all, collapse: true), r => Assert.True(r.count <= 30));
        Assert.Equal(4, Plan(all, collapse: false).Length);
    }

    [Fact]
    public void Collapse_decisions_follow_the_timing_model_exactly()
    {
        // Brute force: for two runs, merging must happen exactly when one read costs no more than two.
        for (int gap = 1; gap < 40; gap++)
        {
            int[] positions = [0, 1, 2 + gap];
            long merged = Sd.ReadNanoseconds(0, (3 + gap) * 136);
            long apart = Sd.ReadNanoseconds(0, 2 * 136) + Sd.ReadNanoseconds((2 + gap) * 136, 136);
            Assert.Equal(merged <= apart ? 1 : 2, Plan(positions, true).Length);
        }
    }

    [Fact]
    public void Cache_admits_sporadic_bundles_always_and_long_runs_rarely()
    {
        var ledger = new MemoryLedger();
        var cache = new BundleCache(positions: 100, recordBytes: 4, budgetBytes: 4 * 50, ledger, "test");
        byte[] data = [1, 2, 3, 4];
        cache.Offer(7, data, 0, runLength: 1);
        Assert.True(cache.Find(7) >= 0);
        for (int p = 20; p < 40; p++) cache.Offer(p, data, 0, runLength: 20); // a long contiguous run
        int admitted = Enumerable.Range(20, 20).Count(p => cache.Find(p) >= 0);
        Assert.Equal(20 / BundleCache.ContinuousAdmitEvery, admitted);
        Assert.Equal(data, cache.Data.AsSpan(cache.Find(7), 4).ToArray());
    }

    [Fact]
    public void Cache_replaces_unreferenced_bundles_first()
    {
        var cache = new BundleCache(10, 1, 2, new MemoryLedger(), "t");
        byte[] d = [9];
        cache.Offer(1, d, 0, 1);
        cache.Offer(2, d, 0, 1);
        Assert.True(cache.Find(1) >= 0);  // 1 referenced
        cache.Offer(3, d, 0, 1);          // evicts 2 (1 gets its second chance)
        Assert.True(cache.Find(1) >= 0);
        Assert.Equal(-1, cache.Find(2));
        Assert.True(cache.Find(3) >= 0);
    }
}
