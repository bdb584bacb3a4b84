using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// A weight matrix (rows × cols, row-major) held in RAM in its stored codec: float32, or int8 values with
    /// per-group float scales. Vectors (norm weights) are 1 × n tensors.
    /// </summary>
    public sealed class Tensor
    {
        public string Name;
        public int Codec;
        public int Rows;
        public int Cols;
        public int GroupSize;
        /// <summary>Values when Codec is F32.</summary>
        public float[] F32;
        /// <summary>Values when Codec is Q8.</summary>
        public sbyte[] Q8;
        /// <summary>Group scales when Codec is Q8: rows × groups-per-row.</summary>
        public float[] Scales;

        /// <summary>y[yOff..yOff+rows) = this · x[xOff..xOff+cols).</summary>
        public void MatVec(IKernels k, float[] x, int xOff, float[] y, int yOff)
        {
            if (Codec == Format.Codec.F32) k.MatVecF32(F32, 0, Rows, Cols, x, xOff, y, yOff);
            else k.MatVecQ8(Q8, 0, Scales, 0, GroupSize, Rows, Cols, x, xOff, y, yOff);
        }

        /// <summary>Writes row <paramref name="row"/> as floats (dequantized if needed) to dest[destOff..].</summary>
        public void CopyRow(int row, float[] dest, int destOff)
        {
            if (Codec == Format.Codec.F32)
            {
                System.Array.Copy(F32, row * Cols, dest, destOff, Cols);
                return;
            }
            int groups = Format.Codec.GroupsPerRow(Cols, GroupSize);
            int qi = row * Cols;
            int si = row * groups;
            for (int c = 0; c < Cols; c++) dest[destOff + c] = Q8[qi + c] * Scales[si + c / GroupSize];
        }

        /// <summary>
        /// Reads a tensor section into RAM through a small scratch buffer (so loading never needs a second copy of
        /// the tensor), checking its CRC on the way and its shape against what the model expects.
        /// </summary>
        public static Tensor Load(EtbReader reader, string name, int rows, int cols, MemoryLedger ledger, byte[] scratch)
        {
            SectionEntry e = reader.Require(name);
            if (e.Kind != SectionKind.Tensor)
                throw new ModelFormatException("section '" + name + "' is a " + SectionKind.Name(e.Kind) + " section, expected a tensor");
            if (e.Rows != rows || e.Cols != cols)
                throw new ModelFormatException("section '" + name + "': shape " + e.Rows.ToString() + "x" + e.Cols.ToString()
                    + ", expected " + rows.ToString() + "x" + cols.ToString());
            if (e.Codec != Format.Codec.F32 && e.Codec != Format.Codec.Q8)
                throw new ModelFormatException("section '" + name + "': codec " + Format.Codec.Name(e.Codec) + " is not supported by this runtime");

            Tensor t = new Tensor();
            t.Name = name;
            t.Codec = e.Codec;
            t.Rows = rows;
            t.Cols = cols;
            t.GroupSize = e.GroupSize;
            int n = rows * cols;
            uint crc = Crc32.Initial;
            if (e.Codec == Format.Codec.F32)
            {
                t.F32 = ledger.Floats(name, n);
                crc = ReadFloats(reader, e, 0, t.F32, n, scratch, crc);
            }
            else
            {
                int groups = Format.Codec.GroupsPerRow(cols, e.GroupSize);
                t.Q8 = ledger.SBytes(name, n);
                t.Scales = ledger.Floats(name + ".scales", rows * groups);
                crc = ReadSBytes(reader, e, t.Q8, n, scratch, crc);
                crc = ReadFloats(reader, e, n, t.Scales, rows * groups, scratch, crc);
            }
            if (Crc32.Finish(crc) != e.Crc32) throw EtbReader.CrcError(e);
            return t;
        }

        private static uint ReadFloats(EtbReader reader, SectionEntry e, long at, float[] dest, int count, byte[] scratch, uint crc)
        {
            int perChunk = scratch.Length / 4;
            int done = 0;
            while (done < count)
            {
                int n = count - done < perChunk ? count - done : perChunk;
                reader.ReadRange(e, at + (long)done * 4, scratch, 0, n * 4);
                crc = Crc32.Update(crc, scratch, 0, n * 4);
                for (int i = 0; i < n; i++) dest[done + i] = LittleEndian.ReadSingle(scratch, i * 4);
                done += n;
            }
            return crc;
        }

        private static uint ReadSBytes(EtbReader reader, SectionEntry e, sbyte[] dest, int count, byte[] scratch, uint crc)
        {
            int done = 0;
            while (done < count)
            {
                int n = count - done < scratch.Length ? count - done : scratch.Length;
                reader.ReadRange(e, done, scratch, 0, n);
                crc = Crc32.Update(crc, scratch, 0, n);
                for (int i = 0; i < n; i++) dest[done + i] = (sbyte)scratch[i];
                done += n;
            }
            return crc;
        }
    }
}
