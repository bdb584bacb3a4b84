using System.Buffers.Binary;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.TestSupport;

/// <summary>
/// Edits one section of an .etb file in place and fixes its CRC (directory entry, directory CRC, header CRC), so the
/// reader accepts the file and only what reads the section's values can notice: a corruption the CRCs cannot catch.
/// </summary>
public static class EtbEdit
{
    public static void EditSection(string path, string section, Action<byte[]> edit)
    {
        byte[] file = File.ReadAllBytes(path);
        SectionEntry e;
        int index;
        using (var source = new StreamBlockSource(new MemoryStream(file, writable: false), ownsStream: true))
        {
            var reader = new EtbReader(source);
            e = reader.Require(section);
            index = Enumerable.Range(0, reader.SectionCount).First(i => reader.Section(i).Name == section);
        }
        byte[] payload = file.AsSpan((int)e.Offset, (int)e.Length).ToArray();
        edit(payload);
        payload.CopyTo(file, (int)e.Offset);
        int dirOffset = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16));
        int count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(dirOffset + index * EtbLayout.DirectoryEntryBytes + 44), Crc32.Compute(payload, 0, payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), Crc32.Compute(file, dirOffset, count * EtbLayout.DirectoryEntryBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(60), Crc32.Compute(file, 0, 60));
        File.WriteAllBytes(path, file);
    }

    /// <summary>The committed demo model converted by the converter (q8 unless told), written to <paramref name="path"/>.</summary>
    public static string ConvertDemo(string path, int bits = 8)
    {
        SourceModel m = Llama2cCheckpoint.Read(DemoModel.Checkpoint, null);
        ModelConverter.Convert(m, new ConvertOptions { Policy = "none", Bits = bits }, path);
        return path;
    }

    /// <summary>The model as an .etb written as converters before the self-check wrote it: config, tokenizer, f32 tensors, no self-check.</summary>
    public static void WriteWithoutSelfCheck(SourceModel m, string path)
    {
        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, m.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(m.Tokenizer));
        foreach (SourceTensor t in m.Tensors) writer.AddTensor(t.Name, EncodedTensor.F32(t.Data, t.Rows, t.Cols));
        writer.WriteFile(path);
    }
}
