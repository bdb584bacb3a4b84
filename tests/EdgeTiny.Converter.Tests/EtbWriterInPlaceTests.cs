using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Converter.Tests;

/// <summary>
/// The writer's file read in place (what the reference runtime and the self-check open instead of an in-memory copy of
/// the file) is the file it writes, byte for byte, float sections (the source's own arrays) included.
/// </summary>
public sealed class EtbWriterInPlaceTests
{
    [Fact]
    public void Reads_in_place_equal_the_written_file_at_any_offset()
    {
        var random = new Random(7);
        float[] floats = [.. Enumerable.Range(0, 300 * 7).Select(_ => (float)random.NextDouble() - 0.5f)];
        var writer = new EtbWriter();
        writer.AddRaw("config", SectionKind.Config, [1, 2, 3]);
        writer.AddFloats("w", floats, 300, 7);
        writer.AddTensor("v", EncodedTensor.F32([.. floats.Take(70)], 10, 7));
        writer.AddRaw("tail", SectionKind.Data, [.. Enumerable.Range(0, 1000).Select(i => (byte)i)]);
        var file = new MemoryStream();
        writer.WriteTo(file);
        byte[] expected = file.ToArray();

        using BlockSource source = writer.AsBlockSource();
        Assert.Equal(expected.Length, source.Length);
        var whole = new byte[expected.Length];
        source.ReadAt(0, whole, 0, whole.Length);
        Assert.Equal(expected, whole);
        for (int i = 0; i < 500; i++)
        {
            int at = random.Next(expected.Length), count = random.Next(Math.Min(3000, expected.Length - at) + 1);
            var part = new byte[count + 2];
            source.ReadAt(at, part, 1, count);
            Assert.True(part.AsSpan(1, count).SequenceEqual(expected.AsSpan(at, count)), $"{count} bytes at {at}");
        }
        new EtbReader(source).VerifyAll(new byte[4096]); // every CRC, float sections' computed a chunk at a time
    }
}
