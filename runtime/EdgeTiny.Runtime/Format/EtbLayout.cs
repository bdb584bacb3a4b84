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
    /// Directory entry (64 B): 0 name (24 B ASCII, NUL padded) | 24 u32 kind | 28 u32 codec | 32 u32 rows
    ///         36 u32 cols | 40 u32 group size | 44 u32 CRC32 of the section bytes | 48 u64 offset | 56 u64 length
    /// </summary>
    public static class EtbLayout
    {
        public const uint Magic = 0x46425445; // "ETBF" read as a little-endian u32
        public const int MajorVersion = 1;
        public const int MinorVersion = 0;
        public const int HeaderBytes = 64;
        public const int DirectoryEntryBytes = 64;
        public const int NameBytes = 24;
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

        public static string Name(int kind)
        {
            switch (kind)
            {
                case Config: return "config";
                case Tensor: return "tensor";
                case Tokenizer: return "tokenizer";
                case Manifest: return "manifest";
                default: return "kind-" + kind.ToString();
            }
        }
    }

    /// <summary>How a tensor section's bytes encode its values.</summary>
    public static class Codec
    {
        /// <summary>Not a tensor (config, tokenizer, manifest).</summary>
        public const int Raw = 0;
        /// <summary>rows × cols float32, row-major.</summary>
        public const int F32 = 1;
        /// <summary>
        /// Group-symmetric int8, stored row by row so that one read fetches whole rows: each row is
        /// ceil(cols / group) float32 scales followed by cols int8 values. Groups run along the row; the last
        /// group may be short. value = q × scale of its group.
        /// </summary>
        public const int Q8 = 2;

        public static string Name(int codec)
        {
            switch (codec)
            {
                case Raw: return "raw";
                case F32: return "f32";
                case Q8: return "q8";
                default: return "codec-" + codec.ToString();
            }
        }

        /// <summary>Groups per row for a group-quantized tensor.</summary>
        public static int GroupsPerRow(int cols, int groupSize)
        {
            return (cols + groupSize - 1) / groupSize;
        }

        /// <summary>Bytes of one stored row (the stride between rows), or -1 for an unknown codec.</summary>
        public static int RowBytes(int codec, int cols, int groupSize)
        {
            switch (codec)
            {
                case F32: return cols * 4;
                case Q8: return groupSize <= 0 ? -1 : cols + GroupsPerRow(cols, groupSize) * 4;
                default: return -1;
            }
        }

        /// <summary>Exact byte length of a tensor section, or -1 for a codec this version does not know.</summary>
        public static long PayloadBytes(int codec, int rows, int cols, int groupSize)
        {
            int rowBytes = RowBytes(codec, cols, groupSize);
            return rowBytes < 0 ? -1 : (long)rows * rowBytes;
        }
    }
}
