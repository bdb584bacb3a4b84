using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Training;

/// <summary>
/// Power cuts while saving adapters, on real files: the save is cut after every 64th event (every event for a small
/// file) — a byte written, a delete, a rename — optionally leaving garbage after the cut as a FAT cluster might; then
/// the "rebooted" loader must return the previous or the new adapters, bit for bit.
/// </summary>
public sealed class AdapterFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class PowerCut : Exception;

    /// <summary>A file store whose power fails after a given number of events.</summary>
    private sealed class PowerCutFileStore(long budget, bool garbage) : FileStore
    {
        private readonly long _budget = budget;
        private long _left = budget;
        public long Used => _budget - _left;

        private void Event()
        {
            if (_left == 0) throw new PowerCut();
            _left--;
        }

        public override void Delete(string path) { Event(); base.Delete(path); }
        public override void Move(string from, string to) { Event(); base.Move(from, to); }

        public override void WriteAll(string path, byte[] data, int count)
        {
            if (_left >= count)
            {
                _left -= count;
                base.WriteAll(path, data, count);
                return;
            }
            // The card got only the first bytes; the rest of the file is whatever the cluster held.
            int written = (int)_left;
            _left = 0;
            byte[] partial = new byte[garbage ? count : written];
            Array.Copy(data, partial, written);
            if (garbage) new Random(written).NextBytes(partial.AsSpan(written));
            base.WriteAll(path, partial, partial.Length);
            throw new PowerCut();
        }
    }

    private static AdapterSet Adapters(ModelConfig c, int rank, int seed)
    {
        var set = new AdapterSet(c, c.Layers - 2, rank, 8f, true, new MemoryLedger());
        set.Initialize((ulong)seed);
        var rng = new Random(seed);
        for (int i = 0; i < set.Count; i++)
            for (int j = 0; j < set.At(i).B.Length; j++) set.At(i).B[j] = (float)rng.NextDouble();
        return set;
    }

    private static byte[] Payload(AdapterSet s)
    {
        var b = new byte[s.SerializedBytes];
        s.Serialize(b, 0);
        return b;
    }

    private void CutEverywhere(ModelConfig c, int rank, int step, bool garbage)
    {
        AdapterSet previous = Adapters(c, rank, 1), next = Adapters(c, rank, 2);
        byte[] prevBytes = Payload(previous), nextBytes = Payload(next);
        string path = _dir.File("adapters.eta");

        // Count the events of one complete save (with an older generation already on the card).
        void Reset()
        {
            foreach (string f in Directory.GetFiles(_dir.Path)) File.Delete(f);
            AdapterFile.Save(new FileStore(), path, Adapters(c, rank, 0), c, 1);
            AdapterFile.Save(new FileStore(), path, previous, c, 2);
        }
        Reset();
        var counter = new PowerCutFileStore(long.MaxValue, false);
        AdapterFile.Save(counter, path, next, c, 3);
        long total = counter.Used;

        int cuts = 0;
        for (long cut = 0; cut <= total; cut = cut + step > total && cut < total ? total : cut + step)
        {
            Reset();
            try
            {
                AdapterFile.Save(new PowerCutFileStore(cut, garbage), path, next, c, 3);
            }
            catch (PowerCut)
            {
            }
            byte[] loaded = Payload(AdapterFile.Load(new FileStore(), path, c, false, new MemoryLedger()));
            Assert.True(loaded.SequenceEqual(prevBytes) || loaded.SequenceEqual(nextBytes), $"cut after {cut} of {total} events: neither generation");
            if (cut == total) Assert.Equal(nextBytes, loaded);
            cuts++;
            if (cut == total) break;
        }
        Assert.True(cuts > (step == 1 ? total : 10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cut_at_every_64th_byte_of_a_real_size_file_loses_nothing(bool garbage) =>
        CutEverywhere(new ModelConfig { Dim = 64, HiddenDim = 172, Layers = 5, Heads = 8, KvHeads = 4, VocabSize = 512, SeqLen = 512, SharedClassifier = true }, 8, 64, garbage);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cut_at_every_byte_of_a_small_file_loses_nothing(bool garbage) =>
        CutEverywhere(TinyModels.Config(2), 1, 1, garbage);

    [Fact]
    public void A_corrupt_newest_file_falls_back_to_the_previous_generation()
    {
        ModelConfig c = TinyModels.Config(2);
        string path = _dir.File("a.eta");
        AdapterFile.Save(new FileStore(), path, Adapters(c, 2, 1), c, 1);
        AdapterFile.Save(new FileStore(), path, Adapters(c, 2, 2), c, 2);
        byte[] b = File.ReadAllBytes(path);
        b[100] ^= 0xFF;
        File.WriteAllBytes(path, b);
        Assert.Equal(Payload(Adapters(c, 2, 1)), Payload(AdapterFile.Load(new FileStore(), path, c, false, new MemoryLedger())));
        Assert.Equal(1u, AdapterFile.NewestGeneration(new FileStore(), path, c));
    }

    [Fact]
    public void Missing_or_foreign_adapters_are_refused()
    {
        ModelConfig c = TinyModels.Config(2);
        string path = _dir.File("b.eta");
        Assert.Contains("not found", Assert.Throws<EdgeTiny.Runtime.Format.ModelFormatException>(() => AdapterFile.Load(new FileStore(), path, c, false, new MemoryLedger())).Message);
        AdapterFile.Save(new FileStore(), path, Adapters(c, 2, 1), c, 1);
        ModelConfig other = TinyModels.Config(3);
        Assert.Contains("another model", Assert.Throws<EdgeTiny.Runtime.Format.ModelFormatException>(() => AdapterFile.Load(new FileStore(), path, other, false, new MemoryLedger())).Message);
    }
}
