using System.Buffers.Binary;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.IO;
using EdgeTiny.Fuzz.Targets;
using EdgeTiny.Host.Boards;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Abuse.Tests;

/// <summary>
/// Files and frames that declare huge sizes are refused with a typed error before anything that size is allocated:
/// each case measures the bytes this thread allocated while the reader ran and holds it to the input's own size.
/// </summary>
public sealed class HostileSizeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly byte[] Etb = TinyEtb();

    public void Dispose() => _dir.Dispose();

    /// <summary>The tiny model as the converter writes it (f32), in memory.</summary>
    private static byte[] TinyEtb()
    {
        using var dir = new TempDir();
        SourceModel m = TinyModels.AsCheckpoint(TinyModels.Source(FileTargets.AdapterModel, 3), dir);
        ModelConverter.Convert(m, new ConvertOptions { Policy = "none", Bits = 8, GroupSize = 16 }, dir.File("tiny.etb"));
        return File.ReadAllBytes(dir.File("tiny.etb"));
    }

    /// <summary>Runs <paramref name="read"/>, expecting <typeparamref name="T"/>; returns its message after checking the allocation bound.</summary>
    private string Refused<T>(string what, Action read, long maxAllocated) where T : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<T>(read);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{what}: refused after allocating {allocated} bytes: {e.Message}");
        Assert.True(allocated <= maxAllocated, $"{what}: {allocated} bytes allocated before the refusal (bound {maxAllocated})");
        return e.Message;
    }

    private static EtbModel Open(byte[] file) =>
        EtbModel.Open(new StreamBlockSource(new MemoryStream(file, writable: false), ownsStream: true), new RuntimeOptions());

    private static (int Dir, int Index) Entry(byte[] file, string name)
    {
        using var source = new StreamBlockSource(new MemoryStream(file, writable: false), ownsStream: true);
        var reader = new EtbReader(source);
        int index = Enumerable.Range(0, reader.SectionCount).First(i => reader.Section(i).Name == name);
        return (BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16)), index);
    }

    /// <summary>A copy of the tiny .etb with one directory field rewritten (CRCs fixed, so only the size check can stop it).</summary>
    private static byte[] WithEntryField(string section, int fieldOffset, long value, int width)
    {
        byte[] file = (byte[])Etb.Clone();
        var (dir, index) = Entry(file, section);
        Span<byte> at = file.AsSpan(dir + index * EtbLayout.DirectoryEntryBytes + fieldOffset);
        if (width == 8) BinaryPrimitives.WriteInt64LittleEndian(at, value);
        else BinaryPrimitives.WriteInt32LittleEndian(at, (int)value);
        EtbTargets.FixCrcs(file);
        return file;
    }

    [Fact]
    public void Etb_directory_claiming_2_31_sections_is_refused_before_it_is_read()
    {
        byte[] file = (byte[])Etb.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), int.MaxValue);
        EtbTargets.FixCrcs(file);
        Assert.Contains("section count", Refused<ModelFormatException>("2^31 sections", () => Open(file), 64 * 1024));
    }

    [Fact]
    public void Etb_tensor_claiming_2_31_rows_is_refused_by_the_file_length()
    {
        byte[] file = WithEntryField(TensorNames.TokenEmbedding, 32, int.MaxValue, 4);
        // The declared shape needs 2^31 rows' bytes; the section (inside the file) has the real ones.
        Assert.Contains("tensor needs", Refused<ModelFormatException>("2^31 rows", () => Open(file), 64 * 1024));
    }

    [Fact]
    public void Etb_section_claiming_2_40_bytes_is_refused()
    {
        byte[] file = WithEntryField(TensorNames.Tokenizer, 56, 1L << 40, 8);
        Assert.Contains("outside the file", Refused<ModelFormatException>("2^40-byte section", () => Open(file), 64 * 1024));
    }

    [Fact]
    public void Etb_section_whose_offset_plus_length_overflows_is_refused()
    {
        // 2^62 + 2^62 wraps to a negative long: a check that adds first would wave it through.
        byte[] file = WithEntryField(TensorNames.Tokenizer, 48, 1L << 62, 8);
        var (dir, index) = Entry(Etb, TensorNames.Tokenizer);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(dir + index * EtbLayout.DirectoryEntryBytes + 56), 1L << 62);
        EtbTargets.FixCrcs(file);
        Assert.Contains("outside the file", Refused<ModelFormatException>("offset+length overflow", () => Open(file), 64 * 1024));
    }

    [Theory]
    [InlineData(28, "seq_len")]      // the KV cache would be 2^31 positions
    [InlineData(12, "n_layers")]     // 2^31 layers of state
    public void Etb_config_claiming_2_31_is_refused_before_the_kv_cache_is_sized(int field, string name)
    {
        byte[] file = (byte[])Etb.Clone();
        var (dir, index) = Entry(file, TensorNames.Config);
        long offset = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(dir + index * EtbLayout.DirectoryEntryBytes + 48));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan((int)offset + field), int.MaxValue);
        EtbTargets.FixCrcs(file);
        Assert.Contains(name, Refused<ModelFormatException>($"config {name} 2^31", () => Open(file), 256 * 1024));
    }

    [Fact]
    public void Tokenizer_claiming_a_2_31_byte_token_is_refused_before_its_pair_buffer()
    {
        byte[] file = (byte[])Etb.Clone();
        using var source = new StreamBlockSource(new MemoryStream(file, writable: false), ownsStream: true);
        var reader = new EtbReader(source);
        byte[] section = reader.ReadSection(reader.Require(TensorNames.Tokenizer));
        BinaryPrimitives.WriteInt32LittleEndian(section.AsSpan(4), int.MaxValue - 1);
        Assert.Contains("max token length", Refused<ModelFormatException>("2^31 token length", () => new Tokenizer(section), 64 * 1024));
    }

    [Fact]
    public void Adapters_claiming_rank_4096_are_refused_before_the_adapters_are_allocated()
    {
        ModelConfig c = FileTargets.AdapterModel;
        var set = new AdapterSet(c, 1, 2, 4f, false, new MemoryLedger());
        byte[] file = AdapterFile.Encode(set, c, 1);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(AdapterFile.HeaderBytes + 8), 4096);
        long paramsAt4096 = AdapterSet.Parameters(c, c.Layers - 1, 4096) * 4;
        Assert.Contains("expected", Refused<ModelFormatException>("rank 4096", () =>
            AdapterSet.Deserialize(file, AdapterFile.HeaderBytes, file.Length - AdapterFile.HeaderBytes, c, true, new MemoryLedger()),
            file.Length * 2L));
        Assert.True(paramsAt4096 > 100 * file.Length, "the declared rank must ask for far more than the file holds");
    }

    [Theory]
    [InlineData(2, "n_layers")]
    [InlineData(0, "dim")]
    [InlineData(6, "seq_len")]
    public void Llama2c_header_claiming_2_31_is_refused_at_once(int field, string name)
    {
        byte[] b = new byte[Llama2cCheckpoint.HeaderBytes + 4096];
        int[] header = [64, 172, 5, 8, 4, 512, 512];
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), header[i]);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(field * 4), field == 0 ? 1 << 30 : int.MaxValue);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string message = Refused<InputException>($"llama2.c {name}", () => Llama2cCheckpoint.ReadTensors("hostile.bin", new MemoryStream(b)), 64 * 1024);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.Contains(name == "dim" ? "" : name, message);
    }

    [Fact]
    public void Device_frame_claiming_a_4_GB_payload_is_refused_and_the_reader_resyncs()
    {
        byte[] frame = new byte[FrameCodec.FrameBytes(16)];
        FrameCodec.Seal(frame, DeviceProtocol.Generate, 7, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), uint.MaxValue);
        byte[] hello = new byte[FrameCodec.FrameBytes(0)];
        int helloLength = FrameCodec.Seal(hello, DeviceProtocol.Hello, 8, 0);
        var link = new ScriptedLink([.. frame.AsSpan(0, DeviceProtocol.HeaderBytes), .. hello.AsSpan(0, helloLength)]);
        var reader = new FrameReader(DeviceProtocol.DefaultMaxPayload);
        reader.Attach(link);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(FrameReader.Malformed, reader.Next());
        Assert.Equal(ErrorCode.TooLarge, reader.Error);
        Assert.Contains("4294967295", reader.ErrorMessage);
        Assert.Equal(FrameReader.Frame, reader.Next()); // the next frame is read whole
        Assert.Equal(DeviceProtocol.Hello, reader.Kind);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4096);
    }

    [Fact]
    public void Device_client_refuses_a_reply_claiming_a_4_GB_payload()
    {
        byte[] frame = new byte[FrameCodec.FrameBytes(0)];
        FrameCodec.Seal(frame, DeviceProtocol.Hello | DeviceProtocol.ReplyBit, 1, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), uint.MaxValue);
        var client = new EdgeTiny.Host.Protocol.DeviceClient(new ScriptedLink(frame.AsSpan(0, DeviceProtocol.HeaderBytes).ToArray()), 1024);
        Assert.Contains("above the max payload", Refused<ProtocolException>("4 GB reply", () => client.Hello(), 64 * 1024));
    }

    [Fact]
    public void Json_inputs_larger_than_a_megabyte_are_refused_before_reading()
    {
        string path = _dir.File("huge-board.json");
        using (var f = File.Create(path)) f.SetLength(InputFiles.MaxJsonBytes + 1);
        Assert.Contains("more than the", Refused<InputException>("2 MB board profile", () => BoardProfileReader.Read(path), 64 * 1024));
        Assert.Contains("more than the", Refused<InputException>("2 MB case file", () => EdgeTiny.Cli.Commands.HilCaseFile.Load(path), 64 * 1024));
    }
}
