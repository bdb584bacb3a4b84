using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// The ranked merges of a byte-level BPE vocabulary (GPT-2 style): merge r joins tokens left and right into result,
    /// and a word is encoded by applying, again and again, the lowest-ranked merge any adjacent pair allows (the leftmost
    /// pair when one merge applies twice) — llama.cpp's and Hugging Face's order. The pairs are found through an
    /// open-addressing table keyed by (left, right): 3 ints per merge plus 2 table slots, 20 bytes a merge, nothing
    /// allocated while encoding.
    /// </summary>
    public sealed class BpeMerges
    {
        /// <summary>Bytes a merge takes in the section: u32 left, u32 right, u32 result.</summary>
        public const int EntryBytes = 12;

        private readonly int[] _left;
        private readonly int[] _right;
        private readonly int[] _result;
        private readonly int[] _slots;   // merge index + 1, 0 = empty
        private readonly int _mask;

        public int Count { get { return _left.Length; } }

        public long HeldBytes
        {
            get
            {
                return 3 * Memory.MemoryLedger.ArrayCost(_left.Length * 4L) + Memory.MemoryLedger.ArrayCost(_slots.Length * 4L);
            }
        }

        /// <summary>Reads <paramref name="count"/> merges at section[at..]; every id must be below <paramref name="vocab"/>.</summary>
        public BpeMerges(byte[] section, int at, int count, int vocab)
        {
            if (count < 0 || (long)count * EntryBytes > section.Length - at)
                throw new ModelFormatException("tokenizer: " + count.ToString() + " merges do not fit the section");
            _left = new int[count];
            _right = new int[count];
            _result = new int[count];
            int size = 2;
            while (size < count * 2) size <<= 1;
            _slots = new int[size];
            _mask = size - 1;
            for (int r = 0; r < count; r++)
            {
                int a = LittleEndian.ReadInt32(section, at), b = LittleEndian.ReadInt32(section, at + 4), c = LittleEndian.ReadInt32(section, at + 8);
                at += EntryBytes;
                if (a < 0 || a >= vocab || b < 0 || b >= vocab || c < 0 || c >= vocab)
                    throw new ModelFormatException("tokenizer: merge " + r.ToString() + " names a token outside the vocabulary of " + vocab.ToString());
                _left[r] = a;
                _right[r] = b;
                _result[r] = c;
                int slot = Slot(a, b);
                bool duplicate = false;
                while (_slots[slot] != 0)
                {
                    int other = _slots[slot] - 1;
                    if (_left[other] == a && _right[other] == b) { duplicate = true; break; }  // the first (lowest) rank wins
                    slot = (slot + 1) & _mask;
                }
                if (!duplicate) _slots[slot] = r + 1;
            }
        }

        private int Slot(int left, int right)
        {
            uint h = (uint)left * 2654435761u ^ (uint)right * 2246822519u;
            return (int)((h ^ (h >> 15)) & (uint)_mask);
        }

        /// <summary>The rank of the merge of (left, right), or -1 when there is none.</summary>
        public int Rank(int left, int right)
        {
            int slot = Slot(left, right);
            while (_slots[slot] != 0)
            {
                int r = _slots[slot] - 1;
                if (_left[r] == left && _right[r] == right) return r;
                slot = (slot + 1) & _mask;
            }
            return -1;
        }

        /// <summary>Merges the word tokens[from..from+count) in place; returns its new token count.</summary>
        public int Merge(int[] tokens, int from, int count)
        {
            int end = from + count;
            while (true)
            {
                int best = -1, bestAt = -1;
                for (int t = from; t < end - 1; t++)
                {
                    int r = Rank(tokens[t], tokens[t + 1]);
                    if (r >= 0 && (best < 0 || r < best))
                    {
                        best = r;
                        bestAt = t;
                    }
                }
                if (best < 0) return end - from;
                tokens[bestAt] = _result[best];
                for (int t = bestAt + 1; t < end - 1; t++) tokens[t] = tokens[t + 1];
                end--;
            }
        }
    }
}
