using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime.Tests.Format;

/// <summary>
/// Every way an .etb file can be broken ends in one <see cref="ModelFormatException"/> that names the problem —
/// never an IndexOutOfRange or a silently wrong model.
/// </summary>
[Collection(Stories260KCollection.Name)]
public sealed class EtbReaderTests(ConvertedModels models)
{
    private static ModelFormatException Open(byte[] file) =>
        Assert.Throws<ModelFormatException>(() => EtbModel.Load(new StreamBlockSource(new MemoryStream(file), true)));

    private byte[] Q8Bytes() => File.ReadAllBytes(models.Q8Path);

    [SharedDataFact]
    public void Intact_file_verifies()
    {
        byte[] file = Q8Bytes();
        var reader = new EtbReader(new StreamBlockSource(new MemoryStream(file), true));
        reader.VerifyAll(new byte[1000]);
        Assert.Equal(EtbLayout.MajorVersion, reader.MajorVersion);
        Assert.All(Enumerable.Range(0, reader.SectionCount), i => Assert.Equal(0, reader.Section(i).Offset % EtbLayout.SectorBytes));
    }

    [SharedDataFact]
    public void Flipped_byte_inside_a_tensor_is_a_CRC_error_naming_the_section()
    {
        byte[] file = Q8Bytes();
        var reader = new EtbReader(new StreamBlockSource(new MemoryStream(file), true));
        SectionEntry target = reader.Require("L2.w1");
        file[target.Offset + target.Length / 2] ^= 0x10;
        ModelFormatException e = Open(file);
        Assert.Contains("CRC mismatch in section 'L2.w1'", e.Message);
    }

    [SharedDataFact]
    public void Wrong_magic_is_rejected()
    {
        byte[] file = Q8Bytes();
        file[0] = (byte)'X';
        Assert.Contains("wrong magic", Open(file).Message);
    }

    [SharedDataFact]
    public void Unknown_major_version_is_rejected_before_anything_else_is_trusted()
    {
        byte[] file = Q8Bytes();
        file[4] = 2; // major version 2
        Assert.Contains("unknown major version 2", Open(file).Message);
    }

    [SharedDataFact]
    public void Truncated_file_is_rejected()
    {
        byte[] file = Q8Bytes();
        Assert.Contains("truncated", Open(file[..(file.Length - 700)]).Message);
        Assert.Contains("truncated", Open(file[..40]).Message);
    }

    [SharedDataFact]
    public void Section_offset_outside_the_file_is_rejected_even_with_valid_CRCs()
    {
        byte[] file = Q8Bytes();
        int entry = 64 + 5 * EtbLayout.DirectoryEntryBytes; // sixth directory entry
        BitConverter.GetBytes((long)file.Length + 4096).CopyTo(file, entry + 48);
        Resign(file);
        ModelFormatException e = Open(file);
        Assert.Contains("is outside the file", e.Message);
    }

    [SharedDataFact]
    public void Tensor_length_that_disagrees_with_its_shape_is_rejected()
    {
        byte[] file = Q8Bytes();
        var reader = new EtbReader(new StreamBlockSource(new MemoryStream(file), true));
        int index = Enumerable.Range(0, reader.SectionCount).First(i => reader.Section(i).Name == "L0.wq");
        int entry = 64 + index * EtbLayout.DirectoryEntryBytes;
        BitConverter.GetBytes(reader.Section(index).Rows + 1).CopyTo(file, entry + 32);
        Resign(file);
        Assert.Contains("section 'L0.wq'", Open(file).Message);
    }

    [SharedDataFact]
    public void Corrupt_header_or_directory_is_a_CRC_error()
    {
        byte[] header = Q8Bytes();
        header[30] ^= 1;
        Assert.Contains("header CRC mismatch", Open(header).Message);
        byte[] dir = Q8Bytes();
        dir[64 + 3] ^= 1;
        Assert.Contains("directory CRC mismatch", Open(dir).Message);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        byte[] data = "123456789"u8.ToArray();
        Assert.Equal(0xCBF43926u, Crc32.Compute(data, 0, data.Length));
        uint state = Crc32.Update(Crc32.Initial, data, 0, 4);
        Assert.Equal(0xCBF43926u, Crc32.Finish(Crc32.Update(state, data, 4, 5)));
    }

    /// <summary>Recomputes the directory and header CRCs after a test edits the directory.</summary>
    private static void Resign(byte[] file)
    {
        int count = BitConverter.ToInt32(file, 12);
        uint dirCrc = Crc32.Compute(file, 64, count * EtbLayout.DirectoryEntryBytes);
        BitConverter.GetBytes(dirCrc).CopyTo(file, 20);
        BitConverter.GetBytes(Crc32.Compute(file, 0, 60)).CopyTo(file, 60);
    }
}
