namespace EdgeTiny.Runtime.Format
{
    /// <summary>One row of the section directory: where a section lives and how to decode it.</summary>
    public sealed class SectionEntry
    {
        public string Name;
        public int Kind;
        public int Codec;
        /// <summary>Codec parameter: bits for Codec.Q; bits | kept-per-row &lt;&lt; 8 for Codec.SparseQ; 0 otherwise.</summary>
        public int Param;
        /// <summary>Tensor rows (1 for a vector); 0 for non-tensor sections.</summary>
        public int Rows;
        /// <summary>Tensor columns (the length of a row); 0 for non-tensor sections.</summary>
        public int Cols;
        /// <summary>Quantization group size along a row; 0 when the codec has none.</summary>
        public int GroupSize;
        public uint Crc32;
        public long Offset;
        public long Length;

        /// <summary>Parses one 64-byte directory entry.</summary>
        public static SectionEntry Parse(byte[] b, int at)
        {
            SectionEntry e = new SectionEntry();
            int nameLen = 0;
            while (nameLen < EtbLayout.NameBytes && b[at + nameLen] != 0) nameLen++;
            char[] name = new char[nameLen];
            for (int i = 0; i < nameLen; i++)
            {
                byte c = b[at + i];
                name[i] = c >= 32 && c < 127 ? (char)c : '?';
            }
            e.Name = new string(name);
            e.Param = LittleEndian.ReadInt32(b, at + 20);
            e.Kind = LittleEndian.ReadInt32(b, at + 24);
            e.Codec = LittleEndian.ReadInt32(b, at + 28);
            e.Rows = LittleEndian.ReadInt32(b, at + 32);
            e.Cols = LittleEndian.ReadInt32(b, at + 36);
            e.GroupSize = LittleEndian.ReadInt32(b, at + 40);
            e.Crc32 = LittleEndian.ReadUInt32(b, at + 44);
            e.Offset = LittleEndian.ReadInt64(b, at + 48);
            e.Length = LittleEndian.ReadInt64(b, at + 56);
            return e;
        }
    }
}
