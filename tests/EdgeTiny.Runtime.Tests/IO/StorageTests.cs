using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime.Tests.IO;

/// <summary>The storage stack: real bytes from a real file, reads counted, SD time simulated from the profile numbers.</summary>
public sealed class StorageTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly byte[] _content = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
    private readonly string _path;

    public StorageTests()
    {
        _path = _dir.File("data.bin");
        File.WriteAllBytes(_path, _content);
    }

    public void Dispose() => _dir.Dispose();

    private StreamBlockSource Open() => new(File.OpenRead(_path), ownsStream: true);

    [Fact]
    public void Timing_charges_latency_plus_every_sector_touched()
    {
        var t = new SdTimingModel(commandLatencyUs: 400, bandwidthBytesPerSecond: 512_000, sectorBytes: 512);
        Assert.Equal(512, t.TransferredBytes(0, 1));
        Assert.Equal(1024, t.TransferredBytes(511, 2));       // straddles a boundary
        Assert.Equal(1536, t.TransferredBytes(100, 1024));    // three sectors
        Assert.Equal(400_000 + 1_000_000, t.ReadNanoseconds(0, 512)); // 0.4 ms + 512 B at 512 KB/s = 1 ms
        Assert.Equal(204, t.BreakEvenGapBytes);               // 400 us × 512,000 B/s
    }

    [Fact]
    public void Simulated_card_returns_the_file_bytes_and_accumulates_time()
    {
        var t = new SdTimingModel(100, 1_000_000, 512);
        using var card = new SimulatedSdCard(Open(), t);
        var buffer = new byte[600];
        card.ReadAt(1000, buffer, 0, 600);
        Assert.Equal(_content[1000..1600], buffer);
        card.ReadAt(0, buffer, 0, 10);
        Assert.Equal(2, card.Reads);
        Assert.Equal(610, card.BytesRead);
        Assert.Equal(1536 + 512, card.TransferredBytes);
        Assert.Equal(t.ReadNanoseconds(1000, 600) + t.ReadNanoseconds(0, 10), card.SimulatedNanoseconds);
    }

    [Fact]
    public void Reads_outside_the_file_are_refused()
    {
        using var src = Open();
        Assert.Throws<IOException>(() => src.ReadAt(9_990, new byte[20], 0, 20));
        Assert.Throws<IOException>(() => src.ReadAt(-1, new byte[1], 0, 1));
    }

    [Fact]
    public void Cache_serves_repeated_small_reads_without_new_device_reads()
    {
        using var card = new SimulatedSdCard(Open(), new SdTimingModel(100, 1_000_000, 512));
        var cache = new BlockCache(card, blockBytes: 512, budgetBytes: 2048, new EdgeTiny.Runtime.Memory.MemoryLedger());
        Assert.Equal(4, cache.Slots);
        var a = new byte[68];
        for (int i = 0; i < 5; i++)
        {
            cache.ReadAt(700, a, 0, a.Length);
            Assert.Equal(_content[700..768], a);
        }
        Assert.Equal(1, card.Reads);
        Assert.Equal((1, 4), (cache.Misses, cache.Hits));
        // A read straddling two blocks is served from both.
        var b = new byte[100];
        cache.ReadAt(1000, b, 0, 100);
        Assert.Equal(_content[1000..1100], b);
    }

    [Fact]
    public void Cache_evicts_the_least_recently_used_block_and_bypasses_large_reads()
    {
        using var card = new SimulatedSdCard(Open(), new SdTimingModel(100, 1_000_000, 512));
        var cache = new BlockCache(card, 512, 1024, new EdgeTiny.Runtime.Memory.MemoryLedger()); // two slots
        var x = new byte[10];
        cache.ReadAt(0, x, 0, 10);      // block 0
        cache.ReadAt(600, x, 0, 10);    // block 1
        cache.ReadAt(5, x, 0, 10);      // block 0 again: hit, now most recent
        cache.ReadAt(1100, x, 0, 10);   // block 2 evicts block 1
        cache.ReadAt(20, x, 0, 10);     // block 0 still there
        Assert.Equal((3, 2), (cache.Misses, cache.Hits));
        var big = new byte[4000];
        cache.ReadAt(2000, big, 0, big.Length);
        Assert.Equal(_content[2000..6000], big);
        Assert.Equal(3, cache.Misses); // bypassed: no block filled
    }
}
