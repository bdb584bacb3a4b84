using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// The byte-pair tokenizer of llama2.c. Encoding prepends a space ("dummy prefix"), splits the text into
    /// UTF-8 code points (falling back to byte tokens id = byte + 3 for unknown ones), then repeatedly merges
    /// the adjacent pair whose concatenation is in the vocabulary with the highest score. Decoding strips the
    /// leading space of the first piece after BOS and maps "&lt;0xHH&gt;" pieces to raw bytes.
    ///
    /// Section layout: u32 vocab size | u32 max token length | per token: f32 score, u32 byte length, bytes.
    /// </summary>
    public sealed class Tokenizer
    {
        public const int Bos = 1;
        public const int Eos = 2;

        private readonly byte[][] _pieces;
        private readonly float[] _scores;
        private readonly int[] _byteValue;   // token → raw byte for "<0xHH>" pieces, else -1
        private readonly int[] _slots;       // open-addressing hash table: token id + 1, 0 = empty
        private readonly int _slotMask;
        private readonly int _maxTokenLength;
        private readonly byte[] _pair;       // scratch for pair concatenation during merges

        public int VocabSize { get { return _pieces.Length; } }
        public int MaxTokenLength { get { return _maxTokenLength; } }
        public float Score(int token) { return _scores[token]; }
        public byte[] Piece(int token) { return _pieces[token]; }

        /// <summary>Bytes of RAM this tokenizer holds (for the memory ledger).</summary>
        public long HeldBytes
        {
            get
            {
                long n = (long)_scores.Length * 4 + (long)_byteValue.Length * 4 + (long)_slots.Length * 4 + _pair.Length;
                for (int i = 0; i < _pieces.Length; i++) n += _pieces[i].Length;
                return n;
            }
        }

        public Tokenizer(byte[] section)
        {
            if (section.Length < 8) throw new ModelFormatException("tokenizer section is truncated");
            int vocab = LittleEndian.ReadInt32(section, 0);
            _maxTokenLength = LittleEndian.ReadInt32(section, 4);
            if (vocab <= 0 || _maxTokenLength <= 0)
                throw new ModelFormatException("tokenizer: vocab size " + vocab.ToString() + " / max token length "
                    + _maxTokenLength.ToString() + " must be positive");
            _pieces = new byte[vocab][];
            _scores = new float[vocab];
            _byteValue = new int[vocab];
            int at = 8;
            for (int i = 0; i < vocab; i++)
            {
                if (at + 8 > section.Length) throw new ModelFormatException("tokenizer: truncated at token " + i.ToString());
                _scores[i] = LittleEndian.ReadSingle(section, at);
                int len = LittleEndian.ReadInt32(section, at + 4);
                at += 8;
                if (len < 0 || len > _maxTokenLength || at + len > section.Length)
                    throw new ModelFormatException("tokenizer: token " + i.ToString() + " has a bad length " + len.ToString());
                byte[] piece = new byte[len];
                System.Array.Copy(section, at, piece, 0, len);
                _pieces[i] = piece;
                _byteValue[i] = ParseBytePiece(piece);
                at += len;
            }

            int size = 1;
            while (size < vocab * 2) size <<= 1;
            _slots = new int[size];
            _slotMask = size - 1;
            for (int i = 0; i < vocab; i++)
            {
                int slot = (int)(Hash(_pieces[i], 0, _pieces[i].Length) & (uint)_slotMask);
                // Keep the first id for a duplicated piece, as llama2.c's bsearch over a stable sort would.
                bool duplicate = false;
                while (_slots[slot] != 0)
                {
                    if (SameBytes(_pieces[_slots[slot] - 1], _pieces[i], 0, _pieces[i].Length)) { duplicate = true; break; }
                    slot = (slot + 1) & _slotMask;
                }
                if (!duplicate) _slots[slot] = i + 1;
            }
            _pair = new byte[_maxTokenLength * 2 + 2];
        }

        /// <summary>Upper bound of tokens <see cref="Encode"/> can produce for a UTF-8 text of this many bytes.</summary>
        public static int MaxTokens(int utf8Bytes)
        {
            return utf8Bytes + 3;
        }

        /// <summary>Encodes <paramref name="text"/> into tokens; returns how many were written.</summary>
        public int Encode(string text, bool bos, bool eos, int[] tokens)
        {
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(text);
            if (tokens.Length < MaxTokens(utf8.Length))
                throw new System.ArgumentException("token buffer too small", "tokens");
            int n = 0;
            if (bos) tokens[n++] = Bos;
            if (utf8.Length > 0)
            {
                int space = Lookup(new byte[] { 0x20 }, 0, 1);
                tokens[n++] = space >= 0 ? space : 0x20 + 3;
            }

            // Code points: a lead byte and up to three continuation bytes (10xxxxxx).
            int i = 0;
            while (i < utf8.Length)
            {
                int start = i;
                i++;
                while (i < utf8.Length && (utf8[i] & 0xC0) == 0x80 && i - start < 4) i++;
                int id = Lookup(utf8, start, i - start);
                if (id >= 0) tokens[n++] = id;
                else for (int b = start; b < i; b++) tokens[n++] = utf8[b] + 3;
            }

            // Merge the best-scoring adjacent pair until no pair is in the vocabulary.
            while (true)
            {
                float bestScore = -1e10f;
                int bestId = -1;
                int bestIdx = -1;
                for (int t = 0; t < n - 1; t++)
                {
                    byte[] a = _pieces[tokens[t]];
                    byte[] b = _pieces[tokens[t + 1]];
                    if (a.Length + b.Length > _pair.Length) continue;
                    System.Array.Copy(a, 0, _pair, 0, a.Length);
                    System.Array.Copy(b, 0, _pair, a.Length, b.Length);
                    int id = Lookup(_pair, 0, a.Length + b.Length);
                    if (id >= 0 && _scores[id] > bestScore)
                    {
                        bestScore = _scores[id];
                        bestId = id;
                        bestIdx = t;
                    }
                }
                if (bestIdx < 0) break;
                tokens[bestIdx] = bestId;
                for (int t = bestIdx + 1; t < n - 1; t++) tokens[t] = tokens[t + 1];
                n--;
            }
            if (eos) tokens[n++] = Eos;
            return n;
        }

        /// <summary>
        /// Writes the bytes that <paramref name="token"/> stands for (after <paramref name="prevToken"/>) into
        /// dest[destOff..] and returns their count; at most <see cref="MaxTokenLength"/>. Allocates nothing.
        /// </summary>
        public int Decode(int prevToken, int token, byte[] dest, int destOff)
        {
            if (token < 0 || token >= _pieces.Length) return 0;
            if (_byteValue[token] >= 0)
            {
                dest[destOff] = (byte)_byteValue[token];
                return 1;
            }
            byte[] piece = _pieces[token];
            int skip = prevToken == Bos && piece.Length > 0 && piece[0] == 0x20 ? 1 : 0;
            int len = piece.Length - skip;
            System.Array.Copy(piece, skip, dest, destOff, len);
            return len;
        }

        /// <summary>Token id of the exact byte string, or -1.</summary>
        public int Lookup(byte[] s, int offset, int length)
        {
            int slot = (int)(Hash(s, offset, length) & (uint)_slotMask);
            while (_slots[slot] != 0)
            {
                int id = _slots[slot] - 1;
                if (SameBytes(_pieces[id], s, offset, length)) return id;
                slot = (slot + 1) & _slotMask;
            }
            return -1;
        }

        private static uint Hash(byte[] s, int offset, int length)
        {
            uint h = 2166136261u; // FNV-1a
            for (int i = 0; i < length; i++) h = (h ^ s[offset + i]) * 16777619u;
            return h;
        }

        private static bool SameBytes(byte[] piece, byte[] s, int offset, int length)
        {
            if (piece.Length != length) return false;
            for (int i = 0; i < length; i++) if (piece[i] != s[offset + i]) return false;
            return true;
        }

        /// <summary>"&lt;0xHH&gt;" → HH, anything else → -1.</summary>
        private static int ParseBytePiece(byte[] p)
        {
            if (p.Length != 6 || p[0] != (byte)'<' || p[1] != (byte)'0' || p[2] != (byte)'x' || p[5] != (byte)'>') return -1;
            int hi = HexDigit(p[3]);
            int lo = HexDigit(p[4]);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }

        private static int HexDigit(byte c)
        {
            if (c >= (byte)'0' && c <= (byte)'9') return c - '0';
            if (c >= (byte)'A' && c <= (byte)'F') return c - 'A' + 10;
            if (c >= (byte)'a' && c <= (byte)'f') return c - 'a' + 10;
            return -1;
        }
    }
}
