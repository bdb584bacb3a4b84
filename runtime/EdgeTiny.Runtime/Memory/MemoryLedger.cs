namespace EdgeTiny.Runtime.Memory
{
    /// <summary>
    /// Every buffer the runtime keeps is allocated through this ledger, so the bytes a model needs are known
    /// exactly (and can be checked against a board's budget) instead of guessed from the GC.
    /// A measuring ledger (<see cref="ForMeasuring"/>) allocates nothing: it records each request at its cost and hands
    /// back an empty array. The memory planner runs the very constructors that will allocate later against one and reads
    /// what they would take — TensorFlow Lite Micro's "prepare, then allocate the arena once" — so no size is written
    /// twice. Constructors return right after their allocations when <see cref="Measuring"/> is set.
    /// An array costs what nanoFramework's heap charges for it (<see cref="ArrayCost"/>); small objects (the
    /// model's classes and their fields) are covered by the per-array header estimate and not counted apart.
    /// </summary>
    public sealed class MemoryLedger
    {
        /// <summary>nanoFramework allocates in 12-byte heap blocks (a 32-bit heap block = 4-byte header + 8-byte payload).</summary>
        public const int HeapBlockBytes = 12;

        /// <summary>Estimated array header on nanoFramework (CLR_RT_HeapBlock_Array: type, length, element size).</summary>
        public const int ArrayHeaderBytes = 24;

        /// <summary>Heap bytes an array with this payload takes: header plus the payload rounded up to whole heap blocks.</summary>
        public static long ArrayCost(long payloadBytes)
        {
            return ArrayHeaderBytes + (payloadBytes + HeapBlockBytes - 1) / HeapBlockBytes * HeapBlockBytes;
        }

        private static readonly float[] NoFloats = new float[0];
        private static readonly byte[] NoBytes = new byte[0];
        private static readonly int[] NoInts = new int[0];
        private static readonly long[] NoLongs = new long[0];
        private static readonly bool[] NoBools = new bool[0];

        private readonly bool _measuring;
        private string[] _names = new string[32];
        private long[] _bytes = new long[32];
        private int _count;
        private long _current;
        private long _peak;

        public MemoryLedger()
        {
        }

        private MemoryLedger(bool measuring)
        {
            _measuring = measuring;
        }

        /// <summary>A ledger that only measures: every allocation is recorded and answered with an empty array.</summary>
        public static MemoryLedger ForMeasuring()
        {
            return new MemoryLedger(true);
        }

        /// <summary>True for a measuring ledger: what it hands out are empty arrays, not buffers to fill.</summary>
        public bool Measuring { get { return _measuring; } }

        /// <summary>Bytes held now.</summary>
        public long CurrentBytes { get { return _current; } }

        /// <summary>Most bytes held at any time.</summary>
        public long PeakBytes { get { return _peak; } }

        public int EntryCount { get { return _count; } }
        public string EntryName(int i) { return _names[i]; }
        public long EntryBytes(int i) { return _bytes[i]; }

        public float[] Floats(string what, int n)
        {
            Record(what, ArrayCost((long)n * 4));
            return _measuring ? NoFloats : new float[n];
        }

        public byte[] Bytes(string what, int n)
        {
            Record(what, ArrayCost(n));
            return _measuring ? NoBytes : new byte[n];
        }

        public int[] Ints(string what, int n)
        {
            Record(what, ArrayCost((long)n * 4));
            return _measuring ? NoInts : new int[n];
        }

        public long[] Longs(string what, int n)
        {
            Record(what, ArrayCost((long)n * 8));
            return _measuring ? NoLongs : new long[n];
        }

        public bool[] Bools(string what, int n)
        {
            Record(what, ArrayCost(n));
            return _measuring ? NoBools : new bool[n];
        }

        /// <summary>Records heap bytes held by something allocated elsewhere (e.g. a parsed tokenizer).</summary>
        public void Record(string what, long bytes)
        {
            if (_count == _names.Length)
            {
                string[] names = new string[_count * 2];
                long[] sizes = new long[_count * 2];
                System.Array.Copy(_names, names, _count);
                System.Array.Copy(_bytes, sizes, _count);
                _names = names;
                _bytes = sizes;
            }
            _names[_count] = what;
            _bytes[_count] = bytes;
            _count++;
            _current += bytes;
            if (_current > _peak) _peak = _current;
        }

        /// <summary>Gives back bytes of a temporary (a load-time scratch buffer) so they count only towards the peak.</summary>
        public void Release(string what, long bytes)
        {
            Record(what + " (released)", -bytes);
        }
    }
}
