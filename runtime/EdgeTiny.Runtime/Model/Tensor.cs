using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// A weight matrix (rows × cols, row-major) in its stored codec. Either resident — float32 values, or quantized
    /// rows kept as the file's raw bytes — or streamed: read from storage a chunk of whole rows at a time, every time it
    /// is used. Vectors (norm weights) are 1 × n tensors and always resident.
    /// </summary>
    public sealed class Tensor
    {
        public string Name;
        public int Codec;
        /// <summary>Codec parameter (bits; kept values per row for sparse codecs).</summary>
        public int Param;
        public int Rows;
        public int Cols;
        public int GroupSize;
        /// <summary>Stored bytes per row (the stride between rows).</summary>
        public int RowBytes;
        /// <summary>Resident values when Codec is F32.</summary>
        public float[] F32;
        /// <summary>Resident rows of a quantized codec, laid out as in the file.</summary>
        public byte[] Data;
        /// <summary>Set when the tensor is streamed; null when resident.</summary>
        public WeightStream Stream;
        /// <summary>File offset of row 0 (streamed tensors).</summary>
        public long Offset;

        public bool IsResident { get { return Stream == null; } }

        /// <summary>Stored bytes of the whole tensor.</summary>
        public long StoredBytes { get { return (long)Rows * RowBytes; } }

        /// <summary>y[yOff..yOff+rows) = this · x[xOff..xOff+cols).</summary>
        public void MatVec(IKernels k, float[] x, int xOff, float[] y, int yOff)
        {
            if (Stream == null)
            {
                if (Codec == Format.Codec.F32) k.MatVecF32(F32, 0, x, xOff, y, yOff, Rows, Cols);
                else Quantized(k, Data, Rows, x, xOff, y, yOff);
                return;
            }
            Streamed(k, false, x, xOff, y, yOff);
        }

        /// <summary>dx[dxOff..dxOff+cols) += thisᵀ · dy[dyOff..dyOff+rows): the backward of <see cref="MatVec"/>.</summary>
        public void MatTVecAdd(IKernels k, float[] dy, int dyOff, float[] dx, int dxOff)
        {
            if (Stream == null)
            {
                if (Codec == Format.Codec.F32) k.MatTVecF32(F32, 0, dy, dyOff, dx, dxOff, Rows, Cols);
                else QuantizedTransposed(k, Data, Rows, dy, dyOff, dx, dxOff);
                return;
            }
            Streamed(k, true, dy, dyOff, dx, dxOff);
        }

        /// <summary>
        /// A streamed product, a chunk of whole rows at a time: y += rows · x for the forward, or, transposed,
        /// dx += rowsᵀ · dy[row range] for the backward. Float rows are decoded into the stream's float chunk first.
        /// </summary>
        private void Streamed(IKernels k, bool transposed, float[] a, int aOff, float[] b, int bOff)
        {
            byte[] chunk = Stream.Chunk;
            int perChunk = chunk.Length / RowBytes;
            for (int r0 = 0; r0 < Rows; r0 += perChunk)
            {
                int n = Rows - r0 < perChunk ? Rows - r0 : perChunk;
                Stream.Source.ReadAt(Offset + (long)r0 * RowBytes, chunk, 0, n * RowBytes);
                if (Codec == Format.Codec.SparseQ) Format.Codec.CheckSparseRows(Name, chunk, 0, n, Cols, Param, GroupSize);
                if (Codec != Format.Codec.F32)
                {
                    if (transposed) QuantizedTransposed(k, chunk, n, a, aOff + r0, b, bOff);
                    else Quantized(k, chunk, n, a, aOff, b, bOff + r0);
                    continue;
                }
                float[] values = Stream.ChunkFloats;
                for (int i = 0; i < n * Cols; i++) values[i] = LittleEndian.ReadSingle(chunk, i * 4);
                if (transposed) k.MatTVecF32(values, 0, a, aOff + r0, b, bOff, n, Cols);
                else k.MatVecF32(values, 0, a, aOff, b, bOff + r0, n, Cols);
            }
        }

        private void QuantizedTransposed(IKernels k, byte[] data, int rows, float[] dy, int dyOff, float[] dx, int dxOff)
        {
            int bits = Format.Codec.Bits(Param);
            if (Codec == Format.Codec.SparseQ) k.MatTVecSparseQ(data, 0, dy, dyOff, dx, dxOff, rows, Cols, bits, Format.Codec.Kept(Param), GroupSize);
            else k.MatTVecQ(data, 0, dy, dyOff, dx, dxOff, rows, Cols, bits, GroupSize);
        }

        /// <summary>The kernel for this tensor's quantized codec over <paramref name="rows"/> stored rows in data.</summary>
        private void Quantized(IKernels k, byte[] data, int rows, float[] x, int xOff, float[] y, int yOff)
        {
            int bits = Format.Codec.Bits(Param);
            if (Codec == Format.Codec.SparseQ) k.MatVecSparseQ(data, 0, x, xOff, y, yOff, rows, Cols, bits, Format.Codec.Kept(Param), GroupSize);
            else if (bits == 8) k.MatVecQ8(data, 0, x, xOff, y, yOff, rows, Cols, GroupSize);
            else k.MatVecQ(data, 0, x, xOff, y, yOff, rows, Cols, bits, GroupSize);
        }

        /// <summary>Writes row <paramref name="row"/> as floats (dequantized if needed) to dest[destOff..].</summary>
        public void CopyRow(int row, float[] dest, int destOff)
        {
            if (Stream == null && Codec == Format.Codec.F32)
            {
                System.Array.Copy(F32, row * Cols, dest, destOff, Cols);
                return;
            }
            byte[] data = Data;
            int at = row * RowBytes;
            if (Stream != null)
            {
                data = Stream.Chunk;
                at = 0;
                Stream.Source.ReadAt(Offset + (long)row * RowBytes, data, 0, RowBytes);
                if (Codec == Format.Codec.SparseQ) Format.Codec.CheckSparseRows(Name, data, 0, 1, Cols, Param, GroupSize);
            }
            PackedValues.DecodeRow(data, at, Codec, Param, Cols, GroupSize, dest, destOff);
        }

        /// <summary>Heap bytes this tensor takes when resident (the planner's number; Load records the same).</summary>
        public static long ResidentBytes(SectionEntry e)
        {
            return e.Codec == Format.Codec.F32
                ? MemoryLedger.ArrayCost((long)e.Rows * e.Cols * 4)
                : MemoryLedger.ArrayCost(e.Length);
        }

        /// <summary>
        /// Opens a tensor section, checking its kind, shape and codec against what the model expects. Resident
        /// tensors are read into RAM through <paramref name="scratch"/>, their CRC checked on the way; streamed ones
        /// keep only their offset (their CRC is checked by a full pass at load when asked). Resident f32 tensors become
        /// floats, unless <paramref name="rawRows"/> asks for the rows as stored (FFN neuron bundles: the bundle kernel reads
        /// every codec from stored rows, resident, cached or streamed alike).
        /// </summary>
        public static Tensor Load(EtbReader reader, string name, int rows, int cols, bool resident, bool rawRows, WeightStream stream,
            bool verifyStreamed, MemoryLedger ledger, byte[] scratch)
        {
            SectionEntry e = reader.Require(name);
            if (e.Kind != SectionKind.Tensor)
                throw new ModelFormatException("section '" + name + "' is a " + SectionKind.Name(e.Kind) + " section, expected a tensor");
            if (e.Rows != rows || e.Cols != cols)
                throw new ModelFormatException("section '" + name + "': shape " + e.Rows.ToString() + "x" + e.Cols.ToString()
                    + ", expected " + rows.ToString() + "x" + cols.ToString());
            if (e.Codec != Format.Codec.F32 && e.Codec != Format.Codec.Q && e.Codec != Format.Codec.SparseQ)
                throw new ModelFormatException("section '" + name + "': codec " + Format.Codec.Name(e.Codec) + " is not supported by this runtime");

            Tensor t = new Tensor();
            t.Name = name;
            t.Codec = e.Codec;
            t.Param = e.Param;
            t.Rows = rows;
            t.Cols = cols;
            t.GroupSize = e.GroupSize;
            t.RowBytes = Format.Codec.RowBytes(e.Codec, e.Param, cols, e.GroupSize);
            t.Offset = e.Offset;
            if (!resident)
            {
                t.Stream = stream;
                if (verifyStreamed) reader.VerifySection(e, scratch);
                return t;
            }

            uint crc = Crc32.Initial;
            if (e.Codec == Format.Codec.F32 && !rawRows)
            {
                int n = rows * cols;
                t.F32 = ledger.Floats(name, n);
                int perChunk = scratch.Length / 4;
                for (int done = 0; done < n; done += perChunk)
                {
                    int m = n - done < perChunk ? n - done : perChunk;
                    reader.ReadRange(e, (long)done * 4, scratch, 0, m * 4);
                    crc = Crc32.Update(crc, scratch, 0, m * 4);
                    for (int i = 0; i < m; i++) t.F32[done + i] = LittleEndian.ReadSingle(scratch, i * 4);
                }
            }
            else
            {
                // Quantized (or raw) rows are used exactly as stored: read straight into the tensor's own array.
                t.Data = ledger.Bytes(name, (int)e.Length);
                for (int done = 0; done < t.Data.Length; done += scratch.Length)
                {
                    int m = t.Data.Length - done < scratch.Length ? t.Data.Length - done : scratch.Length;
                    reader.ReadRange(e, done, t.Data, done, m);
                }
                crc = Crc32.Update(crc, t.Data, 0, t.Data.Length);
            }
            if (Crc32.Finish(crc) != e.Crc32) throw EtbReader.CrcError(e);
            // Resident sparse rows are checked once here; streamed ones each time they are read (Streamed, CopyRow).
            if (e.Codec == Format.Codec.SparseQ && t.Data != null) Format.Codec.CheckSparseRows(name, t.Data, 0, rows, cols, e.Param, e.GroupSize);
            return t;
        }
    }
}
