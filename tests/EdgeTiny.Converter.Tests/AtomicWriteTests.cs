using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.IO;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Tests;

/// <summary>A failed write leaves the target as it was and no temporary file behind.</summary>
public sealed class AtomicWriteTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Failure_during_write_keeps_the_old_file_and_removes_the_temporary()
    {
        string path = _dir.File("out.etb");
        File.WriteAllText(path, "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Failed_verification_keeps_the_old_file()
    {
        string path = _dir.File("out.etb");
        File.WriteAllText(path, "previous");
        Assert.ThrowsAny<Exception>(() => AtomicFile.Write(path, s => s.Write("not an etb"u8), EtbWriter.Verify));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Writer_aligns_sections_to_sectors_and_the_reader_verifies_them()
    {
        var w = new EtbWriter();
        w.AddRaw("notes", SectionKind.Manifest, "{}"u8.ToArray());
        w.AddTensor("t", EncodedTensor.F32(new float[6], 2, 3));
        string path = _dir.File("small.etb");
        w.WriteFile(path);
        Assert.Equal(3 * EtbLayout.SectorBytes, new FileInfo(path).Length);
        using var source = new EdgeTiny.Runtime.IO.StreamBlockSource(File.OpenRead(path), true);
        var reader = new EtbReader(source);
        Assert.Equal(2, reader.SectionCount);
        Assert.Equal(512, reader.Require("notes").Offset);
        Assert.Equal(1024, reader.Require("t").Offset);
    }
}
