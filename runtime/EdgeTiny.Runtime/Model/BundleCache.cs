using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// Keeps recently used FFN neuron bundles of one layer in RAM, within a byte budget, so a neuron active again
    /// soon is not read again. Replacement is CLOCK (second chance). Admission is link-aware, after Ripple: a bundle
    /// that was read as part of a long contiguous run is cheap to read again in one command, so it is admitted only
    /// now and then; a sporadic one (a short run) is admitted always. Nothing is allocated after construction.
    /// </summary>
    public sealed class BundleCache
    {
        /// <summary>Runs at least this long count as "continuous" and are admitted only every <see cref="ContinuousAdmitEvery"/>th bundle.</summary>
        public const int ContinuousRun = 4;
        public const int ContinuousAdmitEvery = 4;

        private readonly int _recordBytes;
        private readonly byte[] _data;
        private readonly int[] _slotOf;     // position → slot, -1 when not cached
        private readonly int[] _position;   // slot → position, -1 when free
        private readonly bool[] _referenced;
        private int _hand;
        private int _admitCounter;
        private long _hits;
        private long _lookups;

        public BundleCache(int positions, int recordBytes, int budgetBytes, MemoryLedger ledger, string name)
        {
            _recordBytes = recordBytes;
            int slots = recordBytes <= 0 ? 0 : budgetBytes / recordBytes;
            _data = ledger.Bytes(name + ".data", slots * recordBytes);
            _slotOf = ledger.Ints(name + ".index", slots > 0 ? positions : 0);
            _position = ledger.Ints(name + ".slots", slots);
            _referenced = ledger.Bools(name + ".referenced", slots);
            if (ledger.Measuring) return;
            for (int i = 0; i < _slotOf.Length; i++) _slotOf[i] = -1;
            for (int i = 0; i < slots; i++) _position[i] = -1;
        }

        public int Slots { get { return _position.Length; } }
        public long Hits { get { return _hits; } }
        public long Lookups { get { return _lookups; } }
        public byte[] Data { get { return _data; } }

        /// <summary>Offset in <see cref="Data"/> of the cached bundle at <paramref name="position"/>, or -1 (counts a lookup).</summary>
        public int Find(int position)
        {
            _lookups++;
            if (_position.Length == 0) return -1;
            int slot = _slotOf[position];
            if (slot < 0) return -1;
            _hits++;
            _referenced[slot] = true;
            return slot * _recordBytes;
        }

        /// <summary>
        /// Offers a bundle just read (data[at..]), which was part of a read run of <paramref name="runLength"/> needed
        /// bundles; admits it according to the link-aware rule.
        /// </summary>
        public void Offer(int position, byte[] data, int at, int runLength)
        {
            if (_position.Length == 0 || _slotOf[position] >= 0) return;
            if (runLength >= ContinuousRun && (_admitCounter++ % ContinuousAdmitEvery) != 0) return;
            int slot = Victim();
            if (_position[slot] >= 0) _slotOf[_position[slot]] = -1;
            _position[slot] = position;
            _slotOf[position] = slot;
            _referenced[slot] = false;
            System.Array.Copy(data, at, _data, slot * _recordBytes, _recordBytes);
        }

        private int Victim()
        {
            while (true)
            {
                int slot = _hand;
                _hand = (_hand + 1) % _position.Length;
                if (_position[slot] < 0 || !_referenced[slot]) return slot;
                _referenced[slot] = false;
            }
        }
    }
}
