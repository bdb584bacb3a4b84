using System.Xml.Linq;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// `hil --target serial:/dev/pts/N`: the serial path end to end — stty configures the pseudo-terminal as it would a
/// board's /dev/ttyACM0, and the device loop answers on the other side.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SerialHilTests(CliModels models)
{
    [SharedDataFact]
    public void Hil_over_a_serial_tty_passes_every_committed_case()
    {
        using var pty = new PtyLink();
        using var source = new StreamBlockSource(File.OpenRead(models.Q8), ownsStream: true);
        EtbModel model = EtbModel.Open(source, new RuntimeOptions());
        var kernels = new PortableKernels();
        var server = new DeviceServer(model, model.CreateTransformer(kernels), kernels, new DeviceInfo("pty-board", "test"), 4096);
        var loop = Task.Run(() => { while (server.Serve(pty)) { } });
        try
        {
            using var dir = new TempDir();
            string junit = dir.File("serial.xml");
            string cases = Path.Combine(SharedData.RepoRoot, "tests", "hil", "stories260K-q8.cases.json");
            CliResult r = CliRunner.Run("hil", "--target", $"serial:{pty.SlavePath}@115200", "--cases", cases, "--junit", junit, "--timeout", "60");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("pty-board", r.Stdout);
            Assert.Contains("10 of 10 cases passed", r.Stdout);
            Assert.Equal("0", (string?)XDocument.Load(junit).Root!.Element("testsuite")!.Attribute("failures"));
        }
        finally
        {
            server.Stop();
            Assert.True(loop.Wait(TimeSpan.FromSeconds(10)), "device loop did not stop");
        }
    }
}
