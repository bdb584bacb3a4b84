using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Fuzz.Targets;

/// <summary>
/// Both sides of the device protocol. Server side: the bytes are what arrives on the board's serial line or socket;
/// <see cref="DeviceServer.Serve"/> must answer or drop every frame and return when the link closes — nothing may
/// escape it. Client side: the bytes are a device's replies; <see cref="DeviceClient"/> may refuse them only with a
/// protocol error, a device error or an I/O error (link closed).
/// </summary>
public static class ProtocolTargets
{
    private static DeviceServer? _server;

    /// <summary>The tiny test model, served once per process (the board keeps its model between requests too).</summary>
    public static DeviceServer Server()
    {
        if (_server != null) return _server;
        EtbModel model = TestSupport.TinyModels.Open(TestSupport.TinyModels.Source(FileTargets.AdapterModel, 7), new RuntimeOptions());
        _server = new DeviceServer(model, null, new PortableKernels(), new DeviceInfo("fuzz", "fuzz"), 1024);
        return _server;
    }

    public static void ServerFrames(byte[] b)
    {
        DeviceServer server = Server();
        server.Serve(new ScriptedLink(b));
    }

    /// <summary>Nothing may escape the server: every problem must become an error reply.</summary>
    public static bool NoRefusal(Exception e) => false;

    /// <summary>The client's calls, in the order the seed replies were recorded.</summary>
    public static readonly Action<DeviceClient>[] ClientCalls =
    [
        c => c.Hello(),
        c => c.Generate([1, 2, 3], 4, 0f, 0f, 1),
        c => c.Logits([1, 2, 3], 4),
        c => c.Status(),
        c => c.Stats(false),
        c => c.Save(),
        c => c.LoadAdapters(),
        c => c.ResetAdapters(),
    ];

    public static void ClientReplies(byte[] b)
    {
        var link = new ScriptedLink(b);
        var client = new DeviceClient(link, 1024) { ReplyTimeoutMs = 1000 };
        foreach (Action<DeviceClient> call in ClientCalls)
        {
            try
            {
                call(client);
            }
            catch (Exception e) when (ClientRefusal(e) && e is not IOException)
            {
                // A refused reply: the next call reads on from where this one stopped.
            }
            catch (IOException)
            {
                return; // the link closed: no more replies
            }
        }
    }

    public static bool ClientRefusal(Exception e) => e is ProtocolException or IOException;
}
