namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// What one read costs on a board's storage: a fixed per-command latency, plus the whole sectors it touches at
    /// the sequential bandwidth. Numbers come from the board profile (boards/*.json), each with its source.
    /// </summary>
    public sealed class SdTimingModel
    {
        public readonly int CommandLatencyUs;
        public readonly long BandwidthBytesPerSecond;
        public readonly int SectorBytes;

        public SdTimingModel(int commandLatencyUs, long bandwidthBytesPerSecond, int sectorBytes)
        {
            if (commandLatencyUs < 0) throw new System.ArgumentOutOfRangeException("commandLatencyUs");
            if (bandwidthBytesPerSecond <= 0) throw new System.ArgumentOutOfRangeException("bandwidthBytesPerSecond");
            if (sectorBytes <= 0) throw new System.ArgumentOutOfRangeException("sectorBytes");
            CommandLatencyUs = commandLatencyUs;
            BandwidthBytesPerSecond = bandwidthBytesPerSecond;
            SectorBytes = sectorBytes;
        }

        /// <summary>Bytes actually transferred for a read: every sector the range touches, whole.</summary>
        public long TransferredBytes(long position, int count)
        {
            if (count <= 0) return 0;
            long first = position / SectorBytes;
            long last = (position + count - 1) / SectorBytes;
            return (last - first + 1) * SectorBytes;
        }

        /// <summary>Simulated nanoseconds for one read command of <paramref name="count"/> bytes at <paramref name="position"/>.</summary>
        public long ReadNanoseconds(long position, int count)
        {
            return CommandLatencyUs * 1000L + TransferredBytes(position, count) * 1000000000L / BandwidthBytesPerSecond;
        }

        /// <summary>Reading a gap costs less than a new command below this many bytes (used to merge nearby reads).</summary>
        public long BreakEvenGapBytes
        {
            get { return CommandLatencyUs * BandwidthBytesPerSecond / 1000000L; }
        }
    }
}
