using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// The runtime's tokenizer, of one of two kinds:
    /// <list type="bullet">
    /// <item><see cref="KindSentencePiece"/>: llama2.c's (and SentencePiece-style GGUF / tokenizer.json) BPE. Encoding
    /// prepends a space ("dummy prefix"), splits the text into UTF-8 code points (falling back to byte tokens, the piece
    /// "&lt;0xHH&gt;" or id = byte + 3, for unknown ones), then repeatedly merges the adjacent pair whose concatenation is in the
    /// vocabulary with the highest score. Decoding strips the leading space of the first piece after BOS and maps
    /// "&lt;0xHH&gt;" pieces to raw bytes.</item>
    /// <item><see cref="KindByteLevel"/>: GPT-2-style byte-level BPE. The text is split into words by a
    /// <see cref="PreTokenizer"/>; each word starts as one token per byte and is merged by the ranked <see cref="BpeMerges"/>.
    /// Pieces are stored as the raw bytes they stand for (the converter undoes GPT-2's byte→unicode mapping), so decoding
    /// copies them; a token's score says whether it is a control token (negative: BOS, EOS, other specials), which decodes
    /// to nothing, as in llama.cpp.</item>
    /// </list>
    ///
    /// Section layout, version 1 (SentencePiece kind, BOS 1, EOS 2; every file before byte-level BPE, and still what the
    /// converter writes for such a vocabulary): u32 vocab size | u32 max token length | per token: f32 score, u32 byte
    /// length, bytes. Version 2 starts with i32 -1 (a version-1 reader refuses it: vocab size must be positive) | u32 2 |
    /// u32 kind | u32 pre-tokenizer (<see cref="PreTokenizer"/>) | u32 flags (bit 0: a word that is a whole token is not
    /// merged, llama.cpp's ignore_merges; bit 1: no BOS before a prompt, add_bos_token = false) | u32 BOS id | u32 EOS id | the version-1 body | u32 merge count | per merge, by
    /// rank: u32 left, u32 right, u32 result.
    /// </summary>
    public sealed class Tokenizer
    {
        /// <summary>BOS and EOS of llama2.c's vocabularies and of every version-1 section.</summary>
        public const int DefaultBos = 1, DefaultEos = 2;
        public const int KindSentencePiece = 0, KindByteLevel = 1;
        public const int FlagIgnoreMerges = 1;
        /// <summary>Flags bit 1: the vocabulary's own tokenizer adds no BOS before a prompt (llama.cpp's add_bos_token = false).</summary>
        public const int FlagNoBos = 2;
        private const int Version2Marker = -1;
        private const int Version2HeaderBytes = 28;

        // All pieces back to back in one blob (one heap object instead of one per token — cheaper on a board).
        private readonly byte[] _blob;
        private readonly int[] _start;       // token → offset of its piece in _blob; _start[vocab] = blob length
        private readonly float[] _scores;         // SentencePiece kind only: byte-level BPE merges by rank, not score
        private readonly int _vocab;
        private readonly int[] _slots;       // open-addressing hash table: token id + 1, 0 = empty
        private readonly int _slotMask;
        private readonly int _maxTokenLength;
        private readonly byte[] _pair;       // scratch for pair concatenation during merges

        private readonly int _kind;
        private readonly int _preTokenizer;
        private readonly int _flags;
        private readonly int _bos;
        private readonly int _eos;
        private readonly BpeMerges _merges;       // byte-level kind only
        private readonly int[] _byteTokens;       // byte-level kind: the token of each single byte
        private readonly byte[] _control;         // byte-level kind: a bit per token, set for control tokens (decode to nothing)
        private readonly int[] _classRuns;        // byte-level kind: UnicodeClassRuns

        public int VocabSize { get { return _vocab; } }
        public int Kind { get { return _kind; } }
        public int PreTokenizerKind { get { return _preTokenizer; } }
        public int Bos { get { return _bos; } }
        /// <summary>Whether <see cref="Encode"/> starts a non-empty prompt with BOS when asked (false: <see cref="FlagNoBos"/>).</summary>
        public bool AddsBos { get { return (_flags & FlagNoBos) == 0; } }
        public int Eos { get { return _eos; } }
        /// <summary>The merges of a byte-level vocabulary, or null.</summary>
        public BpeMerges Merges { get { return _merges; } }
        public int MaxTokenLength { get { return _maxTokenLength; } }
        public float Score(int token) { return _scores != null ? _scores[token] : 0f; }

        /// <summary>A copy of the bytes of a token's piece (for tools and tests; not used on the hot path).</summary>
        public byte[] Piece(int token)
        {
            byte[] p = new byte[PieceLength(token)];
            System.Array.Copy(_blob, _start[token], p, 0, p.Length);
            return p;
        }

        private int PieceLength(int token) { return _start[token + 1] - _start[token]; }

        /// <summary>Heap bytes this tokenizer holds (for the memory ledger).</summary>
        public long HeldBytes
        {
            get
            {
                return Memory.MemoryLedger.ArrayCost(_blob.Length) + Memory.MemoryLedger.ArrayCost(_start.Length * 4L)
                    + (_scores != null ? Memory.MemoryLedger.ArrayCost(_scores.Length * 4L) : 0) + Memory.MemoryLedger.ArrayCost(_slots.Length * 4L)
                    + (_control != null ? Memory.MemoryLedger.ArrayCost(_control.Length) : 0)
                    + Memory.MemoryLedger.ArrayCost(_pair.Length)
                    + (_merges != null ? _merges.HeldBytes : 0)
                    + (_byteTokens != null ? Memory.MemoryLedger.ArrayCost(_byteTokens.Length * 4L) : 0)
                    + (_classRuns != null ? Memory.MemoryLedger.ArrayCost(_classRuns.Length * 4L) : 0);
            }
        }

        public Tokenizer(byte[] section)
        {
            if (section.Length < 8) throw new ModelFormatException("tokenizer section is truncated");
            int at = 0;
            _kind = KindSentencePiece;
            _bos = DefaultBos;
            _eos = DefaultEos;
            if (LittleEndian.ReadInt32(section, 0) == Version2Marker)
            {
                if (section.Length < Version2HeaderBytes + 8) throw new ModelFormatException("tokenizer section is truncated");
                int version = LittleEndian.ReadInt32(section, 4);
                if (version != 2) throw new ModelFormatException("tokenizer section version " + version.ToString() + " is not supported (1 and 2)");
                _kind = LittleEndian.ReadInt32(section, 8);
                _preTokenizer = LittleEndian.ReadInt32(section, 12);
                _flags = LittleEndian.ReadInt32(section, 16);
                if ((_flags & ~(FlagIgnoreMerges | FlagNoBos)) != 0)
                    throw new ModelFormatException("tokenizer flags " + _flags.ToString() + " name behaviour this runtime does not have (bits 0 and 1 are known)");
                _bos = LittleEndian.ReadInt32(section, 20);
                _eos = LittleEndian.ReadInt32(section, 24);
                if (_kind != KindSentencePiece && _kind != KindByteLevel)
                    throw new ModelFormatException("tokenizer kind " + _kind.ToString() + " is not supported (0 SentencePiece-style, 1 byte-level BPE)");
                if (_preTokenizer < PreTokenizer.None || _preTokenizer > PreTokenizer.Last || (_kind == KindByteLevel) != (_preTokenizer != PreTokenizer.None))
                    throw new ModelFormatException("tokenizer: pre-tokenizer " + _preTokenizer.ToString() + " does not fit tokenizer kind " + _kind.ToString());
                at = Version2HeaderBytes;
            }
            int vocab = LittleEndian.ReadInt32(section, at);
            _maxTokenLength = LittleEndian.ReadInt32(section, at + 4);
            if (vocab <= 0 || _maxTokenLength <= 0)
                throw new ModelFormatException("tokenizer: vocab size " + vocab.ToString() + " / max token length "
                    + _maxTokenLength.ToString() + " must be positive");
            if (_bos < 0 || _bos >= vocab || _eos < 0 || _eos >= vocab)
                throw new ModelFormatException("tokenizer: BOS " + _bos.ToString() + " / EOS " + _eos.ToString() + " outside the vocabulary of " + vocab.ToString());
            if ((long)vocab * 8 + 8 > section.Length - at) throw new ModelFormatException("tokenizer: truncated (" + vocab.ToString() + " tokens declared)");
            // The pair buffer is sized by the declared max token length: refuse one no token in this section can have.
            if (_maxTokenLength > section.Length)
                throw new ModelFormatException("tokenizer: max token length " + _maxTokenLength.ToString() + " is longer than the section ("
                    + section.Length.ToString() + " bytes)");
            at += 8;
            // A first pass sizes the blob exactly (a version-2 section has merges after the tokens).
            long pieceBytes = 0;
            for (int i = 0, p = at; i < vocab; i++)
            {
                if (p + 8 > section.Length) throw new ModelFormatException("tokenizer: truncated at token " + i.ToString());
                int len = LittleEndian.ReadInt32(section, p + 4);
                if (len < 0 || len > _maxTokenLength || (long)p + 8 + len > section.Length)
                    throw new ModelFormatException("tokenizer: token " + i.ToString() + " has a bad length " + len.ToString());
                pieceBytes += len;
                p += 8 + len;
            }
            _blob = new byte[pieceBytes];
            _start = new int[vocab + 1];
            _vocab = vocab;
            _scores = _kind == KindSentencePiece ? new float[vocab] : null;
            _control = _kind == KindByteLevel ? new byte[(vocab + 7) >> 3] : null;
            int blobAt = 0;
            for (int i = 0; i < vocab; i++)
            {
                if (at + 8 > section.Length) throw new ModelFormatException("tokenizer: truncated at token " + i.ToString());
                float score = LittleEndian.ReadSingle(section, at);
                if (_scores != null) _scores[i] = score;
                else if (score < 0) _control[i >> 3] |= (byte)(1 << (i & 7));
                int len = LittleEndian.ReadInt32(section, at + 4);
                at += 8;
                if (len < 0 || len > _maxTokenLength || at + len > section.Length || blobAt + len > _blob.Length)
                    throw new ModelFormatException("tokenizer: token " + i.ToString() + " has a bad length " + len.ToString());
                _start[i] = blobAt;
                System.Array.Copy(section, at, _blob, blobAt, len);
                blobAt += len;
                at += len;
            }
            _start[vocab] = blobAt;

            int size = 1;
            while (size < vocab * 2) size <<= 1;
            _slots = new int[size];
            _slotMask = size - 1;
            for (int i = 0; i < vocab; i++)
            {
                int slot = (int)(Hash(_blob, _start[i], PieceLength(i)) & (uint)_slotMask);
                // Keep the first id for a duplicated piece.
                bool duplicate = false;
                while (_slots[slot] != 0)
                {
                    if (SameBytes(_slots[slot] - 1, _blob, _start[i], PieceLength(i))) { duplicate = true; break; }
                    slot = (slot + 1) & _slotMask;
                }
                if (!duplicate) _slots[slot] = i + 1;
            }
            _pair = new byte[_maxTokenLength * 2 + 2];

            if (_kind == KindByteLevel)
            {
                if (at + 4 > section.Length) throw new ModelFormatException("tokenizer: truncated before the merges");
                int merges = LittleEndian.ReadInt32(section, at);
                _merges = new BpeMerges(section, at + 4, merges, vocab);
                at += 4 + merges * BpeMerges.EntryBytes;
                _byteTokens = new int[256];
                for (int b = 0; b < 256; b++)
                {
                    _pair[0] = (byte)b;
                    _byteTokens[b] = Lookup(_pair, 0, 1);
                    if (_byteTokens[b] < 0)
                        throw new ModelFormatException("tokenizer: the byte-level vocabulary has no token for byte 0x" + b.ToString("X2"));
                }
                _classRuns = UnicodeClassRuns.Create();
            }
            if (at != section.Length) throw new ModelFormatException("tokenizer: " + (section.Length - at).ToString() + " stray bytes after the last token");
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
            // A vocabulary trained without BOS gets none, as llama.cpp tokenizes it; an empty prompt still needs a token to
            // start from, and BOS is the only one that means "nothing yet".
            if (bos && !AddsBos && utf8.Length > 0) bos = false;
            if (bos) tokens[n++] = _bos;
            if (_kind == KindByteLevel) return EncodeByteLevel(utf8, eos, tokens, n);
            if (utf8.Length > 0)
            {
                int space = Lookup(new byte[] { 0x20 }, 0, 1);
                tokens[n++] = space >= 0 ? space : ByteToken(0x20);
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
                else for (int b = start; b < i; b++) tokens[n++] = ByteToken(utf8[b]);
            }

            // Merge the best-scoring adjacent pair until no pair is in the vocabulary.
            while (true)
            {
                float bestScore = -1e10f;
                int bestId = -1;
                int bestIdx = -1;
                for (int t = 0; t < n - 1; t++)
                {
                    int a = tokens[t], b = tokens[t + 1];
                    int la = PieceLength(a), lb = PieceLength(b);
                    if (la + lb > _pair.Length) continue;
                    System.Array.Copy(_blob, _start[a], _pair, 0, la);
                    System.Array.Copy(_blob, _start[b], _pair, la, lb);
                    int id = Lookup(_pair, 0, la + lb);
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
            if (eos) tokens[n++] = _eos;
            return n;
        }

        /// <summary>Byte-level BPE: pre-tokenizer words, each one token per byte merged by rank (see the class summary).</summary>
        private int EncodeByteLevel(byte[] utf8, bool eos, int[] tokens, int n)
        {
            int[] cps = new int[utf8.Length];
            int[] starts = new int[utf8.Length + 1];
            byte[] classes = new byte[utf8.Length];
            int count = UnicodeClasses.Decode(utf8, utf8.Length, _classRuns, cps, starts, classes);
            int[] wordEnds = new int[count];
            int words = PreTokenizer.Split(_preTokenizer, cps, classes, count, wordEnds);
            int wordStart = 0;
            for (int w = 0; w < words; w++)
            {
                int from = starts[wordStart], to = starts[wordEnds[w]];
                wordStart = wordEnds[w];
                int whole = (_flags & FlagIgnoreMerges) != 0 ? Lookup(utf8, from, to - from) : -1;
                if (whole >= 0)
                {
                    tokens[n++] = whole;
                    continue;
                }
                int first = n;
                for (int b = from; b < to; b++) tokens[n++] = _byteTokens[utf8[b]];
                n = first + _merges.Merge(tokens, first, n - first);
            }
            if (eos) tokens[n++] = _eos;
            return n;
        }

        /// <summary>
        /// Writes the bytes that <paramref name="token"/> stands for (after <paramref name="prevToken"/>) into
        /// dest[destOff..] and returns their count; at most <see cref="MaxTokenLength"/>. Allocates nothing.
        /// </summary>
        public int Decode(int prevToken, int token, byte[] dest, int destOff)
        {
            if (token < 0 || token >= _vocab) return 0;
            int start = _start[token];
            int length = PieceLength(token);
            if (_kind == KindByteLevel)
            {
                if (token == _bos || token == _eos || (_control[token >> 3] & (1 << (token & 7))) != 0) return 0;
                System.Array.Copy(_blob, start, dest, destOff, length);
                return length;
            }
            int raw = ParseBytePiece(_blob, start, length);
            if (raw >= 0)
            {
                dest[destOff] = (byte)raw;
                return 1;
            }
            int skip = prevToken == _bos && length > 0 && _blob[start] == 0x20 ? 1 : 0;
            System.Array.Copy(_blob, start + skip, dest, destOff, length - skip);
            return length - skip;
        }

        /// <summary>
        /// The byte-fallback token of a byte: the piece "&lt;0xHH&gt;" (upper-case hex, as SentencePiece writes it), wherever
        /// the vocabulary puts it; llama2.c's fixed id byte + 3 when the vocabulary has no such piece. A vocabulary too small
        /// for that id cannot encode the byte: a format error, not an index past the tables.
        /// </summary>
        private int ByteToken(byte b)
        {
            if (_pair.Length >= 6)
            {
                _pair[0] = (byte)'<';
                _pair[1] = (byte)'0';
                _pair[2] = (byte)'x';
                _pair[3] = HexUpper(b >> 4);
                _pair[4] = HexUpper(b & 15);
                _pair[5] = (byte)'>';
                int id = Lookup(_pair, 0, 6);
                if (id >= 0) return id;
            }
            int fixedId = b + 3;
            if (fixedId >= VocabSize)
                throw new ModelFormatException("tokenizer: no token for byte 0x" + ((int)b).ToString("X2") + " (a vocabulary of "
                    + VocabSize.ToString() + " tokens has no byte fallback)");
            return fixedId;
        }

        private static byte HexUpper(int v)
        {
            return (byte)(v < 10 ? '0' + v : 'A' + v - 10);
        }

        /// <summary>Token id of the exact byte string, or -1.</summary>
        public int Lookup(byte[] s, int offset, int length)
        {
            int slot = (int)(Hash(s, offset, length) & (uint)_slotMask);
            while (_slots[slot] != 0)
            {
                int id = _slots[slot] - 1;
                if (SameBytes(id, s, offset, length)) return id;
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

        private bool SameBytes(int token, byte[] s, int offset, int length)
        {
            if (PieceLength(token) != length) return false;
            int start = _start[token];
            for (int i = 0; i < length; i++) if (_blob[start + i] != s[offset + i]) return false;
            return true;
        }

        /// <summary>"&lt;0xHH&gt;" → HH, anything else → -1.</summary>
        private static int ParseBytePiece(byte[] p, int at, int length)
        {
            if (length != 6 || p[at] != (byte)'<' || p[at + 1] != (byte)'0' || p[at + 2] != (byte)'x' || p[at + 5] != (byte)'>') return -1;
            int hi = HexDigit(p[at + 3]);
            int lo = HexDigit(p[at + 4]);
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
