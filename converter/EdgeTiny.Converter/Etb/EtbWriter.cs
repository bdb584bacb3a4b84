using System.Buffers.Binary;
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
    private sealed record Pending(string Name, int Kind, int Codec, int Param, int Rows, int Cols, int GroupSize, byte[] Payload);

    private readonly List<Pending> _sections = [];

    public void AddRaw(string name, int kind, byte[] payload) => Add(new Pending(name, kind, Codec.Raw, 0, 0, 0, 0, payload));

    public void AddTensor(string name, EncodedTensor t)
    {
        long expected = Codec.PayloadBytes(t.Codec, t.Param, t.Rows, t.Cols, t.GroupSize);
        if (expected != t.Payload.Length)
            throw new InvalidOperationException($"tensor {name}: payload is {t.Payload.Length} bytes, {Codec.Describe(t.Codec, t.Param, t.Cols)} {t.Rows}x{t.Cols} needs {expected}");
        Add(new Pending(name, SectionKind.Tensor, t.Codec, t.Param, t.Rows, t.Cols, t.GroupSize, t.Payload));
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
            position = EtbLayout.AlignToSector(position + _sections[i].Payload.Length);
        }
        return (offsets, position);
    }

    /// <summary>Writes the whole file to <paramref name="output"/>; returns its length.</summary>
    public long WriteTo(Stream output)
    {
        int count = _sections.Count;
        long dirOffset = EtbLayout.HeaderBytes;
        (long[] offsets, long fileLength) = Place();

        byte[] dir = new byte[count * EtbLayout.DirectoryEntryBytes];
        for (int i = 0; i < count; i++)
        {
            Pending s = _sections[i];
            Span<byte> e = dir.AsSpan(i * EtbLayout.DirectoryEntryBytes, EtbLayout.DirectoryEntryBytes);
            Encoding.ASCII.GetBytes(s.Name, e[..EtbLayout.NameBytes]);
            BinaryPrimitives.WriteInt32LittleEndian(e[20..], s.Param);
            BinaryPrimitives.WriteInt32LittleEndian(e[24..], s.Kind);
            BinaryPrimitives.WriteInt32LittleEndian(e[28..], s.Codec);
            BinaryPrimitives.WriteInt32LittleEndian(e[32..], s.Rows);
            BinaryPrimitives.WriteInt32LittleEndian(e[36..], s.Cols);
            BinaryPrimitives.WriteInt32LittleEndian(e[40..], s.GroupSize);
            BinaryPrimitives.WriteUInt32LittleEndian(e[44..], Crc32.Compute(s.Payload, 0, s.Payload.Length));
            BinaryPrimitives.WriteInt64LittleEndian(e[48..], offsets[i]);
            BinaryPrimitives.WriteInt64LittleEndian(e[56..], s.Payload.Length);
        }

        byte[] header = new byte[EtbLayout.HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, EtbLayout.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), EtbLayout.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), EtbLayout.MinorVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), EtbLayout.HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)dirOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), Crc32.Compute(dir, 0, dir.Length));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), fileLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(60), Crc32.Compute(header, 0, 60));

        output.Write(header);
        output.Write(dir);
        long written = header.Length + dir.Length;
        for (int i = 0; i < count; i++)
        {
            Pad(output, offsets[i] - written);
            output.Write(_sections[i].Payload);
            written = offsets[i] + _sections[i].Payload.Length;
        }
        Pad(output, fileLength - written);
        return fileLength;
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
