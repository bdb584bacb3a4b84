using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// Bad input of every kind the foundation names: exit code 2 and exactly one line on stderr that names the file
/// (or flag) and the problem — and no output file left behind.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class BadInputTests(CliModels models) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void AssertBadInput(CliResult r, string subject, string problem)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains(subject, line);
        Assert.Contains(problem, line);
        Assert.Equal("", r.Stdout);
    }

    private CliResult Convert(string checkpoint, params string[] extra)
    {
        string output = _dir.File("out.etb");
        CliResult r = CliRunner.Run(["convert", checkpoint, .. extra, "-o", output]);
        Assert.False(File.Exists(output), "a failed conversion must not leave an output file");
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
        return r;
    }

    [SharedDataFact]
    public void Truncated_checkpoint()
    {
        byte[] b = Checkpoints.Stories260KBytes();
        string ckpt = Checkpoints.Write(_dir, "trunc.bin", b[..(b.Length - 1000)]);
        AssertBadInput(Convert(ckpt, "--tokenizer", SharedData.Tok512), ckpt, "truncated: the header (dim=64");
    }

    [SharedDataFact]
    public void Checkpoint_shorter_than_its_header()
    {
        string ckpt = Checkpoints.Write(_dir, "tiny.bin", new byte[10]);
        AssertBadInput(Convert(ckpt, "--tokenizer", SharedData.Tok512), ckpt, "a llama2.c header needs 28");
    }

    [SharedDataTheory]
    [InlineData(0, 0, "dim is 0, must be positive")]
    [InlineData(4, -4, "n_kv_heads is -4, must be positive")]
    public void Header_with_zero_or_negative_dims(int field, int value, string problem)
    {
        string ckpt = Checkpoints.Write(_dir, "dims.bin", Checkpoints.WithHeaderField(field, value));
        AssertBadInput(Convert(ckpt, "--tokenizer", SharedData.Tok512), ckpt, problem);
    }

    [SharedDataFact]
    public void Sizes_that_disagree_with_the_file_length()
    {
        string ckpt = Checkpoints.Write(_dir, "long.bin", [.. Checkpoints.Stories260KBytes(), .. new byte[64]]);
        AssertBadInput(Convert(ckpt, "--tokenizer", SharedData.Tok512), ckpt, "disagrees with the header");
        string layers = Checkpoints.Write(_dir, "layers.bin", Checkpoints.WithHeaderField(2, 4)); // 4 layers: file too long
        AssertBadInput(Convert(layers, "--tokenizer", SharedData.Tok512), layers, "disagrees with the header");
    }

    [SharedDataFact]
    public void Missing_tokenizer()
    {
        string ckpt = Checkpoints.Write(_dir, "alone.bin", Checkpoints.Stories260KBytes());
        AssertBadInput(Convert(ckpt), "--tokenizer", "no tokenizer found beside");
        string missing = _dir.File("nope.bin");
        AssertBadInput(Convert(ckpt, "--tokenizer", missing), missing, "tokenizer file not found");
    }

    [SharedDataFact]
    public void Tokenizer_for_another_vocabulary()
    {
        string tok = Checkpoints.Write(_dir, "tok300.bin", Checkpoints.TokenizerPrefix(300));
        AssertBadInput(Convert(SharedData.Stories260K, "--tokenizer", tok), tok, "has 300 tokens, but the model's vocabulary is 512");
    }

    [SharedDataFact]
    public void Flipped_byte_names_the_section_with_the_bad_CRC()
    {
        byte[] file = File.ReadAllBytes(models.Q8);
        using var src = new EdgeTiny.Runtime.IO.StreamBlockSource(new MemoryStream(file), true);
        SectionEntry s = new EtbReader(src).Require("L4.w2");
        file[s.Offset + 7] ^= 0x01;
        string path = Checkpoints.Write(_dir, "flipped.etb", file);
        AssertBadInput(CliRunner.Run("inspect", path, "--verify"), path, "CRC mismatch in section 'L4.w2'");
        AssertBadInput(CliRunner.Run("run", path, "--steps", "3"), path, "CRC mismatch in section 'L4.w2'");
    }

    [SharedDataFact]
    public void Wrong_magic()
    {
        byte[] file = File.ReadAllBytes(models.Q8);
        file[1] = 0;
        string path = Checkpoints.Write(_dir, "magic.etb", file);
        AssertBadInput(CliRunner.Run("run", path), path, "wrong magic");
        string text = Checkpoints.Write(_dir, "text.etb", "hello, this is not a model at all, just some text. 0123456789 0123456789"u8.ToArray());
        AssertBadInput(CliRunner.Run("inspect", text), text, "wrong magic");
    }

    [SharedDataFact]
    public void Unknown_major_version()
    {
        byte[] file = File.ReadAllBytes(models.Q8);
        file[4] = 9;
        string path = Checkpoints.Write(_dir, "v9.etb", file);
        AssertBadInput(CliRunner.Run("inspect", path), path, "unknown major version 9");
    }

    [SharedDataFact]
    public void Out_of_range_section_offset()
    {
        byte[] file = File.ReadAllBytes(models.Q8);
        int entry = EtbLayout.HeaderBytes + 10 * EtbLayout.DirectoryEntryBytes;
        BitConverter.GetBytes(1L << 40).CopyTo(file, entry + 48);
        int count = BitConverter.ToInt32(file, 12);
        BitConverter.GetBytes(Crc32.Compute(file, 64, count * 64)).CopyTo(file, 20);
        BitConverter.GetBytes(Crc32.Compute(file, 0, 60)).CopyTo(file, 60);
        string path = Checkpoints.Write(_dir, "offset.etb", file);
        AssertBadInput(CliRunner.Run("run", path), path, "is outside the file");
    }

    [SharedDataFact]
    public void Missing_model_file()
    {
        string path = _dir.File("absent.etb");
        AssertBadInput(CliRunner.Run("run", path), path, "model file not found");
    }

    [SharedDataFact]
    public void Bad_flag_values_name_the_flag()
    {
        AssertBadInput(Convert(SharedData.Stories260K, "--bits", "9"), "--bits", "9 is not supported");
        AssertBadInput(Convert(SharedData.Stories260K, "--policy", "magic"), "--policy", "'magic' is not a policy");
        AssertBadInput(Convert(SharedData.Stories260K, "--policy", "uniform", "--bits", "4", "--sparsity", "1.5"), "--sparsity", "must be in [0, 1)");
        AssertBadInput(CliRunner.Run("run", models.F32, "--temperature", "-1"), "--temperature", "must be a number >= 0");
        AssertBadInput(CliRunner.Run("run", models.F32, "--steps", "lots"), "lots", "--steps");
        AssertBadInput(CliRunner.Run("run", models.F32, "--frobnicate"), "--frobnicate", "Unrecognized");
        AssertBadInput(CliRunner.Run("train", "-o", _dir.File("m.bin"), "--activation-l1", "-0.1"), "--activation-l1", "must be >= 0");
    }
}
