namespace EdgeTiny.Runtime.Format
{
    /// <summary>
    /// The fixed numbers of the .etb container. Everything is little-endian.
    ///
    /// File = header (64 B) | section directory (count × 64 B) | padding | sections, each starting on a
    /// 512-byte SD sector so a streamed read of one tensor never straddles a sector it does not need.
    ///
    /// Header:  0 magic "ETBF" | 4 u16 major | 6 u16 minor | 8 u32 header bytes (64) | 12 u32 section count
    ///         16 u32 directory offset | 20 u32 directory CRC32 | 24 u64 file length | 32 u32 flags
    ///         36..59 reserved (0) | 60 u32 CRC32 of bytes 0..59
    /// Directory entry (64 B): 0 name (20 B ASCII, NUL padded) | 20 u32 codec parameter | 24 u32 kind | 28 u32 codec
    ///         32 u32 rows | 36 u32 cols | 40 u32 group size | 44 u32 CRC32 of the section bytes | 48 u64 offset | 56 u64 length
    /// </summary>
    public static class EtbLayout
    {
        public const uint Magic = 0x46425445; // "ETBF" read as a little-endian u32
        public const int MajorVersion = 1;
        public const int MinorVersion = 0;
        public const int HeaderBytes = 64;
        public const int DirectoryEntryBytes = 64;
        public const int NameBytes = 20;
        public const int SectorBytes = 512;

        /// <summary>A directory larger than this is refused: the header must be readable with a few KB of RAM.</summary>
        public const int MaxSections = 4096;

        /// <summary>Rounds a byte position up to the next SD sector boundary.</summary>
        public static long AlignToSector(long position)
        {
            long rem = position % SectorBytes;
            return rem == 0 ? position : position + (SectorBytes - rem);
        }
    }

    /// <summary>What a section holds.</summary>
    public static class SectionKind
    {
        public const int Config = 1;
        public const int Tensor = 2;
        public const int Tokenizer = 3;
        public const int Manifest = 4;
        /// <summary>Auxiliary little-endian numbers read by name (e.g. FFN permutations and thresholds).</summary>
        public const int Data = 5;
        /// <summary>Prompts, greedy tokens and top-k logits the converter computed, for the on-board self-test (Diagnostics/SelfCheck).</summary>
        public const int SelfCheck = 6;

        public static string Name(int kind)
        {
            switch (kind)
            {
                case Config: return "config";
                case Tensor: return "tensor";
                case Tokenizer: return "tokenizer";
                case Manifest: return "manifest";
                case Data: return "data";
                case SelfCheck: return "self-check";
                default: return "kind-" + kind.ToString();
            }
        }
    }

    /// <summary>
    /// How a tensor section's bytes encode its values. Every codec stores a tensor row by row with the same number of
    /// bytes per row, so a streamed read of whole rows is one contiguous range. Quantized values are symmetric
    /// b-bit integers in [-(2^(b-1)-1), 2^(b-1)-1] (b = 2 is ternary), one float32 scale per group of
    /// <c>groupSize</c> columns, value = q × scale; packed LSB-first into a little-endian bit stream (b = 4: low
    /// nibble first; b = 8: one two's-complement byte each).
    /// </summary>
    public static class Codec
    {
        /// <summary>Not a tensor (config, tokenizer, manifest).</summary>
        public const int Raw = 0;
        /// <summary>rows × cols float32, row-major.</summary>
        public const int F32 = 1;
        /// <summary>Dense group-quantized: per row, ceil(cols/group) float32 scales, then cols packed b-bit values. Param = b.</summary>
        public const int Q = 2;
        /// <summary>
        /// Pruned and group-quantized: per row, ceil(cols/group) float32 scales, a ceil(cols/8)-byte bitmap of kept
        /// columns (bit c%8 of byte c/8), then the kept values packed as in <see cref="Q"/>, in column order. Every row
        /// keeps the same number of values. Param = b | kept-per-row &lt;&lt; 8.
        /// </summary>
        public const int SparseQ = 3;

        public const int MinBits = 2;
        public const int MaxBits = 8;

        public static string Name(int codec)
        {
            switch (codec)
            {
                case Raw: return "raw";
                case F32: return "f32";
                case Q: return "q";
                case SparseQ: return "sparse-q";
                default: return "codec-" + codec.ToString();
            }
        }

        /// <summary>A readable name with the parameter, e.g. "q8", "q4", "sparse-q4@50%".</summary>
        public static string Describe(int codec, int param, int cols)
        {
            if (codec == Q) return "q" + Bits(param).ToString();
            if (codec == SparseQ)
                return "sparse-q" + Bits(param).ToString() + "@" + ((cols - Kept(param)) * 100 / cols).ToString() + "%";
            return Name(codec);
        }

        public static int Bits(int param) { return param & 0xFF; }
        public static int Kept(int param) { return (int)((uint)param >> 8); }
        public static int SparseParam(int bits, int kept) { return bits | (kept << 8); }

        /// <summary>Largest magnitude of a b-bit symmetric value: 127 for 8 bits, 7 for 4, 1 for 2.</summary>
        public static int MaxLevel(int bits) { return (1 << (bits - 1)) - 1; }

        /// <summary>Groups per row for a group-quantized tensor.</summary>
        public static int GroupsPerRow(int cols, int groupSize)
        {
            return (cols + groupSize - 1) / groupSize;
        }

        /// <summary>Bytes of n packed b-bit values.</summary>
        public static int PackedBytes(int n, int bits)
        {
            return (n * bits + 7) / 8;
        }

        /// <summary>Bytes of one stored row (the stride between rows), or -1 for an unknown codec or bad parameter.</summary>
        public static int RowBytes(int codec, int param, int cols, int groupSize)
        {
            switch (codec)
            {
                case F32: return cols * 4;
                case Q:
                    if (groupSize <= 0 || Bits(param) < MinBits || Bits(param) > MaxBits || Kept(param) != 0) return -1;
                    return GroupsPerRow(cols, groupSize) * 4 + PackedBytes(cols, Bits(param));
                case SparseQ:
                    if (groupSize <= 0 || Bits(param) < MinBits || Bits(param) > MaxBits || Kept(param) > cols) return -1;
                    return GroupsPerRow(cols, groupSize) * 4 + (cols + 7) / 8 + PackedBytes(Kept(param), Bits(param));
                default: return -1;
            }
        }

        /// <summary>
        /// Checks that each of <paramref name="rows"/> sparse rows at data[at..] keeps exactly Kept(param) columns (bits
        /// set in its bitmap): the kernels read one packed value per set bit, so a row with more set bits would read
        /// past its values. Throws naming the tensor and the row. Costs one pass over the bitmaps, no allocation.
        /// </summary>
        public static void CheckSparseRows(string name, byte[] data, int at, int rows, int cols, int param, int groupSize)
        {
            int rowBytes = RowBytes(SparseQ, param, cols, groupSize);
            int bitmapBytes = (cols + 7) / 8;
            int kept = Kept(param);
            for (int r = 0; r < rows; r++)
            {
                int bitmap = at + r * rowBytes + GroupsPerRow(cols, groupSize) * 4;
                int set = 0;
                for (int i = 0; i < bitmapBytes; i++)
                {
                    int b = data[bitmap + i];
                    // Bits past the last column must be clear too: they count toward nothing.
                    if (i == bitmapBytes - 1 && (cols & 7) != 0) b &= (1 << (cols & 7)) - 1;
                    while (b != 0) { set += b & 1; b >>= 1; }
                }
                if (set != kept)
                    throw new ModelFormatException("section '" + name + "': row " + r.ToString() + " keeps " + set.ToString()
                        + " columns, the codec says " + kept.ToString());
            }
        }

        /// <summary>Exact byte length of a tensor section, or -1 for a codec this version does not know.</summary>
        public static long PayloadBytes(int codec, int param, int rows, int cols, int groupSize)
        {
            int rowBytes = RowBytes(codec, param, cols, groupSize);
            return rowBytes < 0 ? -1 : (long)rows * rowBytes;
        }
    }
}
