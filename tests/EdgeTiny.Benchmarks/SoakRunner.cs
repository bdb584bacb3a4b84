using System.Text.Json.Nodes;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Benchmarks;

/// <summary>
/// The full soak of the device server (<see cref="DeviceSoak"/>): the committed demo model converted to q8 on a simulated
/// ESP32-S3 board, served over
/// loopback TCP to concurrent clients. Writes requests by kind, errors by kind, heap/RSS/handles at start and end.
/// </summary>
public static class SoakRunner
{
    public static JsonObject Run(TextWriter log, int clients, int requestsPerClient)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("card"));
        string etb = EtbEdit.ConvertDemo(dir.File("demo-q8.etb"));
        var soak = new DeviceSoak(BoardProfiles.S3, etb, dir.File("card"));
        DeviceSoak.Result r = soak.Run(clients, requestsPerClient, seed: 20, log.WriteLine);
        JsonObject json = r.ToJson();
        json["model"] = "models/demo/village280k.bin converted --bits 8";
        json["board"] = BoardProfiles.S3.Id;
        json["heap_growth_bytes"] = r.End.HeapBytes - r.Start.HeapBytes;
        json["rss_growth_bytes"] = r.End.RssBytes - r.Start.RssBytes;
        json["handle_growth"] = r.End.OpenHandles - r.Start.OpenHandles;
        json["socket_growth"] = r.End.Sockets - r.Start.Sockets;
        json["file_growth"] = r.End.Files - r.Start.Files;
        return json;
    }
}
