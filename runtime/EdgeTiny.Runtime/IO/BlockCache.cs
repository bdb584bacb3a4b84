namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// A small least-recently-used cache of fixed-size, aligned blocks in front of a slower source, within a byte
    /// budget fixed at construction. Reads larger than one block bypass it: a streamed matrix read once per token
    /// would only evict everything else. Hits cost no read command.
    /// </summary>
    public sealed class BlockCache : BlockSource
    {
        private readonly BlockSource _inner;
        private readonly int _blockBytes;
        private readonly byte[] _data;
        private readonly long[] _tags;     // block index held by each slot, -1 = empty
        private readonly long[] _lastUse;
        private long _clock;
        private long _hits;
        private long _misses;

        /// <param name="budgetBytes">RAM the cache may hold; 0 disables it.</param>
        public BlockCache(BlockSource inner, int blockBytes, int budgetBytes, Memory.MemoryLedger ledger)
        {
            if (blockBytes <= 0) throw new System.ArgumentOutOfRangeException("blockBytes");
            _inner = inner;
            _blockBytes = blockBytes;
            int slots = budgetBytes / blockBytes;
            _data = ledger.Bytes("cache.data", slots * blockBytes);
            _tags = ledger.Longs("cache.tags", slots);
            _lastUse = ledger.Longs("cache.last_use", slots);
            if (ledger.Measuring) return;
            for (int i = 0; i < slots; i++) _tags[i] = -1;
        }

        public override long Length { get { return _inner.Length; } }
        public int Slots { get { return _tags.Length; } }
        public int BlockBytes { get { return _blockBytes; } }
        public long Hits { get { return _hits; } }
        public long Misses { get { return _misses; } }

        protected override void ReadCore(long position, byte[] buffer, int offset, int count)
        {
            long first = position / _blockBytes;
            long last = (position + count - 1) / _blockBytes;
            if (_tags.Length == 0 || last - first + 1 > 2 || count > _blockBytes)
            {
                _inner.ReadAt(position, buffer, offset, count);
                return;
            }
            for (long block = first; block <= last; block++)
            {
                int slot = Slot(block);
                long blockStart = block * _blockBytes;
                long from = position > blockStart ? position : blockStart;
                long end = position + count;
                long blockEnd = blockStart + _blockBytes;
                long to = end < blockEnd ? end : blockEnd;
                System.Array.Copy(_data, slot * _blockBytes + (int)(from - blockStart), buffer, offset + (int)(from - position), (int)(to - from));
            }
        }

        /// <summary>The slot holding <paramref name="block"/>, filling the least recently used one on a miss.</summary>
        private int Slot(long block)
        {
            _clock++;
            int victim = 0;
            for (int i = 0; i < _tags.Length; i++)
            {
                if (_tags[i] == block)
                {
                    _lastUse[i] = _clock;
                    _hits++;
                    return i;
                }
                if (_lastUse[i] < _lastUse[victim]) victim = i;
            }
            _misses++;
            long start = block * _blockBytes;
            long left = _inner.Length - start;
            int n = left < _blockBytes ? (int)left : _blockBytes;
            _inner.ReadAt(start, _data, victim * _blockBytes, n);
            _tags[victim] = block;
            _lastUse[victim] = _clock;
            return victim;
        }

        public override void Dispose()
        {
            _inner.Dispose();
        }
    }
}
