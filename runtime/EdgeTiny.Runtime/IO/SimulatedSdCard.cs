namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// A real file read through a board's SD timing model: the bytes come from the inner source (a real file),
    /// and every read adds its simulated cost to <see cref="SimulatedNanoseconds"/>. Nothing sleeps: the time is
    /// accounted, so tests and benchmarks stay fast and the figures do not depend on the host machine.
    /// </summary>
    public sealed class SimulatedSdCard : BlockSource
    {
        private readonly BlockSource _inner;
        private readonly SdTimingModel _timing;
        private long _nanoseconds;
        private long _transferred;

        public SimulatedSdCard(BlockSource inner, SdTimingModel timing)
        {
            _inner = inner;
            _timing = timing;
        }

        public SdTimingModel Timing { get { return _timing; } }
        public override long Length { get { return _inner.Length; } }

        /// <summary>Simulated time spent in reads so far.</summary>
        public long SimulatedNanoseconds { get { return _nanoseconds; } }

        /// <summary>Bytes the card transferred (whole sectors), which can exceed the bytes asked for.</summary>
        public long TransferredBytes { get { return _transferred; } }

        protected override void ReadCore(long position, byte[] buffer, int offset, int count)
        {
            _inner.ReadAt(position, buffer, offset, count);
            _nanoseconds += _timing.ReadNanoseconds(position, count);
            _transferred += _timing.TransferredBytes(position, count);
        }

        public void ResetSimulation()
        {
            _nanoseconds = 0;
            _transferred = 0;
            ResetCounters();
        }

        public override void Dispose()
        {
            _inner.Dispose();
        }
    }
}
