using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// Bounds what a sweep's jobs hold at once. A job reserves, before it starts, the bytes its buffers take (from the
/// shapes: the encoded candidate and its encoding's temporaries, the decoded matrix, the forward pass's activations,
/// the KL scratch) and waits while the others' reservations and its own would pass <see cref="Limit"/>; a job larger
/// than the limit runs alone. So at most max(<see cref="Limit"/>, largest job) bytes are in flight, whatever the core
/// count (a stories15M-shaped model's embedding candidates are ~90 MB each: two at once would double the peak).
/// Waiting changes when a job runs, never what it computes.
/// </summary>
public sealed class SweepMemory(long limit)
{
    private long _held, _peak, _released;

    public long Limit { get; } = limit;

    /// <summary>The most bytes reserved at once so far (the counted bound the tests check).</summary>
    public long PeakBytes { get { lock (this) return _peak; } }

    /// <summary>The default: half the float32 source (a job larger than that runs alone).</summary>
    public static SweepMemory For(SourceModel source) => new(source.Tensors.Sum(t => (long)t.Data.Length * sizeof(float)) / 2);

    public Reservation Reserve(long bytes)
    {
        lock (this)
        {
            while (_held > 0 && _held + bytes > Limit) Monitor.Wait(this);
            _held += bytes;
            _peak = Math.Max(_peak, _held);
        }
        if (bytes > Limit / 2) Collect(); // it runs alone: first free what the jobs before it left
        return new Reservation(this, bytes);
    }

    private void Release(long bytes)
    {
        bool collect;
        lock (this)
        {
            _released += bytes;
            collect = bytes > Limit / 2 || _released >= Limit / 2;
            if (collect) _released = 0;
        }
        // Once jobs released half the limit since the last collection (or a big job just finished), collect before another
        // job starts, so resident memory stays near live + reserved + Limit/2. Counting all a job reserved, not only what
        // it leaves as garbage, collects more often than strictly needed: counting less let the resident size creep
        // back to ~4x (allocations inside encoding and the forward pass that the reservation does not itemise).
        if (collect) Collect();
        lock (this)
        {
            _held -= bytes;
            Monitor.PulseAll(this);
        }
    }

    /// <summary>
    /// A full compacting collection: before a job above half the limit runs alone, after it, and whenever the jobs
    /// released half the limit since the last one. The GC on its own collects large-object garbage only after much more
    /// has piled up: a stories15M-shaped luc sweep ran ~100 MB above its live set around the embedding's 19 encodings
    /// and ~60 MB in saw-teeth over the KL jobs (decoded candidates, KL tiles), enough to pass 4× the model. With this the
    /// bound on reserved bytes is also one on what is resident, for a few dozen collections per sweep.
    /// </summary>
    private static void Collect()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    public readonly struct Reservation(SweepMemory owner, long bytes) : IDisposable
    {
        public void Dispose() => owner.Release(bytes);
    }

    /// <summary>Encoding <paramref name="c"/>: its payload, and for a pruned one Wanda's mask and a pruned float copy.</summary>
    public static long EncodeBytes(SourceTensor t, Candidate c, int groupSize)
    {
        long n = (long)t.Rows * t.Cols;
        long payload = Policies.CodecBytes(t.Rows, t.Cols, groupSize, c.Bits, c.Sparsity);
        return payload + (c.Sparsity > 0 ? n * (sizeof(bool) + sizeof(float)) : 0);
    }

    /// <summary>A whole-model KL job: encoding, the decoded matrix, one forward pass's activations and the KL scratch.</summary>
    public static long KlJobBytes(SourceTensor t, Candidate c, int groupSize, Runtime.Model.ModelConfig config, int positions) =>
        EncodeBytes(t, c, groupSize) + (long)t.Rows * t.Cols * sizeof(float) + ForwardBuffers.Bytes(config, positions) + StreamedKl.ScratchBytes(config.VocabSize);
}
