namespace EdgeTiny.Runtime.Memory
{
    /// <summary>
    /// Every buffer the runtime keeps is allocated through this ledger, so the bytes a model needs are known
    /// exactly (and can be checked against a board's budget) instead of guessed from the GC.
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

        private string[] _names = new string[32];
        private long[] _bytes = new long[32];
        private int _count;
        private long _current;
        private long _peak;

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
            return new float[n];
        }

        public byte[] Bytes(string what, int n)
        {
            Record(what, ArrayCost(n));
            return new byte[n];
        }

        public int[] Ints(string what, int n)
        {
            Record(what, ArrayCost((long)n * 4));
            return new int[n];
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
