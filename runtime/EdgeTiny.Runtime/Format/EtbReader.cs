using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime.Format
{
    /// <summary>
    /// Opens an .etb file: checks the header and the section directory, and reads or verifies sections.
    /// Only the header and directory are held in RAM; section bytes are read on demand through a
    /// <see cref="BlockSource"/>, so the same reader serves boards that stream weights from an SD card.
    /// Every malformed input ends in a <see cref="ModelFormatException"/> that names the problem.
    /// </summary>
    public sealed class EtbReader
    {
        private readonly BlockSource _source;
        private readonly SectionEntry[] _sections;
        private readonly int _major;
        private readonly int _minor;

        public BlockSource Source { get { return _source; } }
        public int MajorVersion { get { return _major; } }
        public int MinorVersion { get { return _minor; } }
        public int SectionCount { get { return _sections.Length; } }
        public SectionEntry Section(int index) { return _sections[index]; }

        public EtbReader(BlockSource source)
        {
            _source = source;
            long fileLength = source.Length;
            if (fileLength < EtbLayout.HeaderBytes)
                throw new ModelFormatException("truncated: " + fileLength.ToString() + " bytes is shorter than the "
                    + EtbLayout.HeaderBytes.ToString() + "-byte header");

            byte[] header = new byte[EtbLayout.HeaderBytes];
            source.ReadAt(0, header, 0, header.Length);
            if (LittleEndian.ReadUInt32(header, 0) != EtbLayout.Magic)
                throw new ModelFormatException("wrong magic: not an .etb file (expected \"ETBF\")");
            _major = LittleEndian.ReadUInt16(header, 4);
            _minor = LittleEndian.ReadUInt16(header, 6);
            if (_major != EtbLayout.MajorVersion)
                throw new ModelFormatException("unknown major version " + _major.ToString() + " (this runtime reads version "
                    + EtbLayout.MajorVersion.ToString() + ")");
            if (Crc32.Compute(header, 0, 60) != LittleEndian.ReadUInt32(header, 60))
                throw new ModelFormatException("header CRC mismatch: the header is corrupt");

            int headerBytes = LittleEndian.ReadInt32(header, 8);
            int count = LittleEndian.ReadInt32(header, 12);
            long dirOffset = LittleEndian.ReadUInt32(header, 16);
            uint dirCrc = LittleEndian.ReadUInt32(header, 20);
            long declaredLength = LittleEndian.ReadInt64(header, 24);
            if (headerBytes != EtbLayout.HeaderBytes)
                throw new ModelFormatException("header size " + headerBytes.ToString() + " is not " + EtbLayout.HeaderBytes.ToString());
            if (declaredLength != fileLength)
                throw new ModelFormatException("truncated or padded: header says " + declaredLength.ToString()
                    + " bytes, file has " + fileLength.ToString());
            if (count < 0 || count > EtbLayout.MaxSections)
                throw new ModelFormatException("section count " + count.ToString() + " is out of range (0.."
                    + EtbLayout.MaxSections.ToString() + ")");
            long dirBytes = (long)count * EtbLayout.DirectoryEntryBytes;
            if (dirOffset < EtbLayout.HeaderBytes || dirOffset + dirBytes > fileLength)
                throw new ModelFormatException("section directory at " + dirOffset.ToString() + " (+" + dirBytes.ToString()
                    + " bytes) is outside the file");

            byte[] dir = new byte[(int)dirBytes];
            source.ReadAt(dirOffset, dir, 0, dir.Length);
            if (Crc32.Compute(dir, 0, dir.Length) != dirCrc)
                throw new ModelFormatException("section directory CRC mismatch: the directory is corrupt");

            _sections = new SectionEntry[count];
            for (int i = 0; i < count; i++)
            {
                SectionEntry e = SectionEntry.Parse(dir, i * EtbLayout.DirectoryEntryBytes);
                CheckEntry(e, dirOffset + dirBytes, fileLength);
                _sections[i] = e;
            }
        }

        private static void CheckEntry(SectionEntry e, long dataStart, long fileLength)
        {
            // Compared without adding: a hostile offset + length can overflow a long and look small.
            if (e.Offset < dataStart || e.Offset > fileLength || e.Length < 0 || e.Length > fileLength - e.Offset)
                throw new ModelFormatException("section '" + e.Name + "': offset " + e.Offset.ToString() + " + length "
                    + e.Length.ToString() + " is outside the file (" + fileLength.ToString() + " bytes)");
            if (e.Kind != SectionKind.Tensor) return;
            if (e.Rows <= 0 || e.Cols <= 0)
                throw new ModelFormatException("section '" + e.Name + "': tensor shape " + e.Rows.ToString() + "x"
                    + e.Cols.ToString() + " is not positive");
            long expected = Codec.PayloadBytes(e.Codec, e.Param, e.Rows, e.Cols, e.GroupSize);
            if (expected < 0)
                throw new ModelFormatException("section '" + e.Name + "': unknown codec " + e.Codec.ToString()
                    + " (parameter " + e.Param.ToString() + ", group size " + e.GroupSize.ToString() + ")");
            if (expected != e.Length)
                throw new ModelFormatException("section '" + e.Name + "': " + e.Length.ToString() + " bytes, but a "
                    + Codec.Describe(e.Codec, e.Param, e.Cols) + " " + e.Rows.ToString() + "x" + e.Cols.ToString() + " tensor needs "
                    + expected.ToString());
        }

        /// <summary>The section with this name, or null.</summary>
        public SectionEntry Find(string name)
        {
            for (int i = 0; i < _sections.Length; i++)
                if (_sections[i].Name == name) return _sections[i];
            return null;
        }

        /// <summary>The section with this name; a missing one is a format error.</summary>
        public SectionEntry Require(string name)
        {
            SectionEntry e = Find(name);
            if (e == null) throw new ModelFormatException("missing section '" + name + "'");
            return e;
        }

        /// <summary>Reads a whole (small) section and checks its CRC.</summary>
        public byte[] ReadSection(SectionEntry e)
        {
            if (e.Length > int.MaxValue) throw new ModelFormatException("section '" + e.Name + "' is too large to read at once");
            byte[] data = new byte[(int)e.Length];
            _source.ReadAt(e.Offset, data, 0, data.Length);
            if (Crc32.Compute(data, 0, data.Length) != e.Crc32) throw CrcError(e);
            return data;
        }

        /// <summary>Reads part of a section (no CRC check: the caller checks the whole section once).</summary>
        public void ReadRange(SectionEntry e, long offsetInSection, byte[] buffer, int bufferOffset, int count)
        {
            _source.ReadAt(e.Offset + offsetInSection, buffer, bufferOffset, count);
        }

        /// <summary>Streams a section through <paramref name="scratch"/> and throws if its CRC does not match.</summary>
        public void VerifySection(SectionEntry e, byte[] scratch)
        {
            uint state = Crc32.Initial;
            long done = 0;
            while (done < e.Length)
            {
                long left = e.Length - done;
                int n = left < scratch.Length ? (int)left : scratch.Length;
                _source.ReadAt(e.Offset + done, scratch, 0, n);
                state = Crc32.Update(state, scratch, 0, n);
                done += n;
            }
            if (Crc32.Finish(state) != e.Crc32) throw CrcError(e);
        }

        /// <summary>Verifies the CRC of every section.</summary>
        public void VerifyAll(byte[] scratch)
        {
            for (int i = 0; i < _sections.Length; i++) VerifySection(_sections[i], scratch);
        }

        public static ModelFormatException CrcError(SectionEntry e)
        {
            return new ModelFormatException("CRC mismatch in section '" + e.Name + "': the file is corrupt");
        }
    }
}
