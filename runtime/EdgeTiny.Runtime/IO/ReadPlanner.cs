namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// Turns the positions of the records a token needs (e.g. FFN neuron bundles, in their order on the card) into
    /// read commands: consecutive positions form a run, and with access collapse (Ripple) two runs merge when reading
    /// the records between them costs less time than issuing another command — judged with the board's timing model
    /// in whole sectors. Buffers are sized once; planning allocates nothing.
    /// </summary>
    public sealed class ReadPlanner
    {
        private readonly SdTimingModel _timing;
        private readonly int _recordBytes;
        private readonly long _baseOffset;
        private readonly int _maxRecords; // most records one read may cover (what the read buffer holds)
        private readonly int[] _start;   // first position of each planned read
        private readonly int[] _count;   // positions covered by each planned read
        private int _reads;

        /// <param name="capacity">Most records a plan may cover (the number of records in the region).</param>
        /// <param name="maxRecordsPerRead">Most records one read may cover (the read buffer's size in records).</param>
        public ReadPlanner(SdTimingModel timing, long baseOffset, int recordBytes, int capacity, int maxRecordsPerRead, Memory.MemoryLedger ledger, string name)
        {
            _maxRecords = maxRecordsPerRead < 1 ? 1 : maxRecordsPerRead;
            _timing = timing;
            _baseOffset = baseOffset;
            _recordBytes = recordBytes;
            _start = ledger.Ints(name + ".start", capacity);
            _count = ledger.Ints(name + ".count", capacity);
        }

        public int Reads { get { return _reads; } }
        public int Start(int read) { return _start[read]; }
        public int Count(int read) { return _count[read]; }

        /// <summary>
        /// Plans reads for <paramref name="n"/> needed positions, ascending, in positions[0..n).
        /// Returns the number of reads; see <see cref="Start"/> and <see cref="Count"/>.
        /// </summary>
        public int Plan(int[] positions, int n, bool collapse)
        {
            _reads = 0;
            for (int i = 0; i < n; i++)
            {
                int p = positions[i];
                if (_reads > 0)
                {
                    int last = _reads - 1;
                    int end = _start[last] + _count[last]; // first position after the current read
                    bool fits = p + 1 - _start[last] <= _maxRecords;
                    if (fits && (p == end || (collapse && p > end && GapPays(_start[last], end, p))))
                    {
                        _count[last] = p + 1 - _start[last];
                        continue;
                    }
                }
                _start[_reads] = p;
                _count[_reads] = 1;
                _reads++;
            }
            return _reads;
        }

        /// <summary>
        /// Merge when one read over [start, p] costs no more than the current read [start, end) plus a new one for p.
        /// Both sides are costed with the same model (latency + whole sectors), so partly shared sectors count right.
        /// </summary>
        private bool GapPays(int start, int end, int p)
        {
            long merged = Cost(start, p + 1 - start);
            long apart = Cost(start, end - start) + Cost(p, 1);
            return merged <= apart;
        }

        private long Cost(int position, int records)
        {
            return _timing.ReadNanoseconds(_baseOffset + (long)position * _recordBytes, records * _recordBytes);
        }
    }
}
