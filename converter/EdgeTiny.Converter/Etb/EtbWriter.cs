using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using EdgeTiny.Converter.IO;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Converter.Etb;

/// <summary>
/// Collects sections and writes an .etb file (layout in <see cref="EtbLayout"/>): header, directory, then each
/// section on a 512-byte sector boundary. Files are written atomically and verified by reading them back with the
/// runtime's own reader before they replace the target.
/// </summary>
public sealed class EtbWriter
{
    /// <summary>A section: its payload as bytes, or (<see cref="Floats"/>) an f32 tensor's values, used in place.</summary>
    private sealed record Pending(string Name, int Kind, int Codec, int Param, int Rows, int Cols, int GroupSize, byte[]? Payload, float[]? Floats = null)
    {
        public long Length => Payload?.LongLength ?? Floats!.LongLength * sizeof(float);
        public ReadOnlySpan<byte> Bytes => Payload ?? MemoryMarshal.AsBytes(Floats.AsSpan());
    }

    private readonly List<Pending> _sections = [];

    public void AddRaw(string name, int kind, byte[] payload) => Add(new Pending(name, kind, Codec.Raw, 0, 0, 0, 0, payload));

    public void AddTensor(string name, EncodedTensor t)
    {
        long expected = Codec.PayloadBytes(t.Codec, t.Param, t.Rows, t.Cols, t.GroupSize);
        if (expected != t.Payload.Length)
            throw new InvalidOperationException($"tensor {name}: payload is {t.Payload.Length} bytes, {Codec.Describe(t.Codec, t.Param, t.Cols)} {t.Rows}x{t.Cols} needs {expected}");
        Add(new Pending(name, SectionKind.Tensor, t.Codec, t.Param, t.Rows, t.Cols, t.GroupSize, t.Payload));
    }

    /// <summary>
    /// An f32 tensor section whose payload is <paramref name="data"/> itself, not a copy (the reference runtime's image
    /// of a source model; a 135M-parameter model is 540 MB). The array must not change until the writer is done.
    /// </summary>
    public void AddFloats(string name, float[] data, int rows, int cols)
    {
        if (data.LongLength != (long)rows * cols) throw new InvalidOperationException($"tensor {name}: {data.Length} values for {rows}x{cols}");
        Add(new Pending(name, SectionKind.Tensor, Codec.F32, 0, rows, cols, 0, null, data));
    }

    private void Add(Pending p)
    {
        if (Encoding.ASCII.GetByteCount(p.Name) > EtbLayout.NameBytes || p.Name.Any(c => c < 32 || c > 126))
            throw new InvalidOperationException($"section name '{p.Name}' must be printable ASCII of at most {EtbLayout.NameBytes} bytes");
        if (_sections.Any(s => s.Name == p.Name)) throw new InvalidOperationException($"duplicate section '{p.Name}'");
        _sections.Add(p);
    }

    /// <summary>Bytes of the file <see cref="WriteTo"/> writes for the sections added so far.</summary>
    public long Length => Place().Length;

    /// <summary>Where each section starts (sector-aligned, after header and directory) and where the file ends.</summary>
    private (long[] Offsets, long Length) Place()
    {
        long position = EtbLayout.AlignToSector(EtbLayout.HeaderBytes + (long)_sections.Count * EtbLayout.DirectoryEntryBytes);
        var offsets = new long[_sections.Count];
        for (int i = 0; i < _sections.Count; i++)
        {
            offsets[i] = position;
            position = EtbLayout.AlignToSector(position + _sections[i].Length);
        }
        return (offsets, position);
    }

    /// <summary>Header and directory (every section's CRC computed here), and where each section starts.</summary>
    private (byte[] Head, long[] Offsets, long Length) Head()
    {
        int count = _sections.Count;
        long dirOffset = EtbLayout.HeaderBytes;
        (long[] offsets, long fileLength) = Place();

        byte[] head = new byte[EtbLayout.HeaderBytes + count * EtbLayout.DirectoryEntryBytes];
        Span<byte> dir = head.AsSpan(EtbLayout.HeaderBytes);
        var chunk = new byte[64 * 1024];
        for (int i = 0; i < count; i++)
        {
            Pending s = _sections[i];
            Span<byte> e = dir.Slice(i * EtbLayout.DirectoryEntryBytes, EtbLayout.DirectoryEntryBytes);
            Encoding.ASCII.GetBytes(s.Name, e[..EtbLayout.NameBytes]);
            BinaryPrimitives.WriteInt32LittleEndian(e[20..], s.Param);
            BinaryPrimitives.WriteInt32LittleEndian(e[24..], s.Kind);
            BinaryPrimitives.WriteInt32LittleEndian(e[28..], s.Codec);
            BinaryPrimitives.WriteInt32LittleEndian(e[32..], s.Rows);
            BinaryPrimitives.WriteInt32LittleEndian(e[36..], s.Cols);
            BinaryPrimitives.WriteInt32LittleEndian(e[40..], s.GroupSize);
            BinaryPrimitives.WriteUInt32LittleEndian(e[44..], Crc(s, chunk));
            BinaryPrimitives.WriteInt64LittleEndian(e[48..], offsets[i]);
            BinaryPrimitives.WriteInt64LittleEndian(e[56..], s.Length);
        }

        Span<byte> header = head.AsSpan(0, EtbLayout.HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, EtbLayout.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], EtbLayout.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], EtbLayout.MinorVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], EtbLayout.HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)dirOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc32.Compute(head, EtbLayout.HeaderBytes, head.Length - EtbLayout.HeaderBytes));
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], fileLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[60..], Crc32.Compute(head, 0, 60));
        return (head, offsets, fileLength);
    }

    /// <summary>A section's CRC; float payloads a chunk at a time (the runtime's CRC takes arrays, the floats are not bytes).</summary>
    private static uint Crc(Pending s, byte[] chunk)
    {
        if (s.Payload is not null) return Crc32.Compute(s.Payload, 0, s.Payload.Length);
        ReadOnlySpan<byte> bytes = s.Bytes;
        uint state = Crc32.Initial;
        for (int at = 0; at < bytes.Length; at += chunk.Length)
        {
            int n = Math.Min(chunk.Length, bytes.Length - at);
            bytes.Slice(at, n).CopyTo(chunk);
            state = Crc32.Update(state, chunk, 0, n);
        }
        return Crc32.Finish(state);
    }

    /// <summary>Writes the whole file to <paramref name="output"/>; returns its length.</summary>
    public long WriteTo(Stream output)
    {
        (byte[] head, long[] offsets, long fileLength) = Head();
        output.Write(head);
        long written = head.Length;
        for (int i = 0; i < _sections.Count; i++)
        {
            Pad(output, offsets[i] - written);
            output.Write(_sections[i].Bytes);
            written = offsets[i] + _sections[i].Length;
        }
        Pad(output, fileLength - written);
        return fileLength;
    }

    /// <summary>
    /// The file <see cref="WriteTo"/> would write, read in place: header and directory made once, sections read from
    /// the payloads (and float arrays) the writer holds, zeros between them. What the runtime opens in memory (the
    /// reference runtime, the self-check) without a second copy of the model as a file image.
    /// </summary>
    public BlockSource AsBlockSource()
    {
        (byte[] head, long[] offsets, long fileLength) = Head();
        return new InPlace(head, [.. _sections], offsets, fileLength);
    }

    private sealed class InPlace(byte[] head, Pending[] sections, long[] offsets, long length) : BlockSource
    {
        public override long Length => length;

        protected override void ReadCore(long position, byte[] buffer, int offset, int count)
        {
            Span<byte> target = buffer.AsSpan(offset, count);
            target.Clear();
            Copy(head, 0, position, target);
            int i = Array.BinarySearch(offsets, position);
            for (i = i >= 0 ? i : Math.Max(0, ~i - 1); i < sections.Length && offsets[i] < position + count; i++)
                Copy(sections[i].Bytes, offsets[i], position, target);
        }

        /// <summary>Copies the part of <paramref name="bytes"/> (placed at <paramref name="at"/>) that overlaps the read.</summary>
        private static void Copy(ReadOnlySpan<byte> bytes, long at, long position, Span<byte> target)
        {
            long from = Math.Max(at, position), to = Math.Min(at + bytes.Length, position + target.Length);
            if (from < to) bytes.Slice((int)(from - at), (int)(to - from)).CopyTo(target[(int)(from - position)..]);
        }
    }

    /// <summary>
    /// Writes the file atomically, after checking every CRC of the written bytes with the runtime's reader and running
    /// <paramref name="verify"/> (if given) on the temporary file; any failure leaves the target as it was.
    /// </summary>
    public void WriteFile(string path, Action<string>? verify = null) =>
        AtomicFile.Write(path, s => WriteTo(s), temp => { Verify(temp); verify?.Invoke(temp); });

    /// <summary>Opens a written file with the runtime's reader and checks every section's CRC.</summary>
    public static void Verify(string path)
    {
        using var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true);
        new EtbReader(source).VerifyAll(new byte[64 * 1024]);
    }

    private static void Pad(Stream output, long bytes)
    {
        if (bytes > 0) output.Write(new byte[bytes]);
    }
}
