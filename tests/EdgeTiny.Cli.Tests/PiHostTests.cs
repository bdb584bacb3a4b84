using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Tests;

/// <summary>The Raspberry Pi host (firmware/EdgeTiny.Pi) as a real process: over a tty and over TCP.</summary>
[Collection(CliCollection.Name)]
public sealed class PiHostTests(CliModels models)
{
    [SharedDataFact]
    public void Pi_host_serves_the_protocol_on_a_tty_and_stops_on_sigterm()
    {
        using var pty = new PtyLink();
        using var pi = BoardSimProcess.StartPiSerial(models.Q8, pty.SlavePath);
        var client = new DeviceClient(pty, 1 << 16) { ReplyTimeoutMs = 20000 };
        HelloReply hello = client.Hello();
        Assert.Equal("pi-test", hello.BoardId);
        Assert.Equal("edgetiny-pi 2", hello.FirmwareVersion);
        Assert.Equal(512, hello.Context);

        GenerateReply got = client.Generate([1, 403, 407], 20, 0f, 0.9f, 1);
        EtbModel m = EtbModel.Load(new StreamBlockSource(File.OpenRead(models.Q8), ownsStream: true));
        var k = new PortableKernels();
        var g = new Generator(m.CreateTransformer(k), m.CreateSampler(0f, 0.9f, 1, k));
        g.Start([1, 403, 407], 3, 20);
        var expected = new List<int>();
        for (int t = g.Next(); t >= 0; t = g.Next()) expected.Add(t);
        Assert.Equal(expected, got.Tokens);

        Assert.Equal(0, pi.Terminate());
        Assert.Contains("stopped", pi.Errors);
    }

    [SharedDataFact]
    public void Hil_against_the_pi_host_over_tcp_passes()
    {
        using var pi = BoardSimProcess.StartPiTcp(models.Q8, "--verbose");
        CliResult r = CliRunner.Run("hil", "--target", pi.Target, "--cases", Path.Combine(SharedData.RepoRoot, "tests", "hil", "stories260K-q8.cases.json"));
        Assert.True(r.ExitCode == 0, r + "\npi: " + pi.Output + pi.Errors);
        Assert.Contains("pi-test", r.Stdout);
        // --verbose: what a display shows after each generate request (tokens/s measured by the server, adapter generation 0)
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!System.Text.RegularExpressions.Regex.IsMatch(pi.Errors, @"edgetiny-pi: \d+\.\d tok/s, adapter generation 0") && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Matches(@"edgetiny-pi: \d+\.\d tok/s, adapter generation 0", pi.Errors);
    }
}
