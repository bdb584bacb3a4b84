using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using EdgeTiny.Converter;
using EdgeTiny.Host.Boards;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Host;
using EdgeTiny.Host.BoardSim;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny board-sim`: the runtime as a board runs it — the board's RAM budget, its SD timing model, the portable
/// kernels — serving the device protocol over TCP, so `edgetiny hil` (or anything speaking the protocol) can test
/// against it exactly as against a real board.
/// </summary>
public static class BoardSimCommand
{
    public static Command Create()
    {
        var board = new Option<string>("--board") { Description = "The board to simulate (see `edgetiny boards`)", Required = true };
        var model = new Option<string>("--model") { Description = "The .etb file the board holds (default with --card: DIR/model.etb)" };
        var card = new Option<string>("--card") { Description = "A folder used as the board's SD card: serves DIR/model.etb, keeps tuned adapters in DIR/adapters.eta (loaded at start if present) and uploaded text in DIR/upload.txt. Without it the board cannot tune." };
        var listen = new Option<string>("--listen") { Description = "HOST:PORT to listen on (port 0: any free port; the address is printed)", Required = true };
        var maxPayload = new Option<int>("--max-payload") { Description = "Largest frame payload in bytes (reported in hello)", DefaultValueFactory = _ => DeviceProtocol.DefaultMaxPayload };
        var kernels = new Option<string>("--kernels") { Description = "portable (what a board without native kernels runs) or simd", DefaultValueFactory = _ => "portable" };
        var command = new Command("board-sim", "Simulate a board: serve the device protocol over TCP with the board's RAM budget and SD timing.")
        {
            board, model, card, listen, maxPayload, kernels,
        };
        command.SetAction(parse =>
        {
            BoardProfile profile = BoardCatalog.Find(parse.GetValue(board)!);
            string? cardDir = parse.GetValue(card);
            int max = parse.GetValue(maxPayload);
            Cli.Require(max >= DeviceProtocol.MinMaxPayload && max <= 1 << 20, "--max-payload", $"{max} must be in {DeviceProtocol.MinMaxPayload}..{1 << 20}");
            IPEndPoint endpoint;
            try
            {
                endpoint = TcpDeviceHost.ParseListen(parse.GetValue(listen)!);
            }
            catch (FormatException e)
            {
                throw new InputException("--listen", e.Message);
            }
            IKernels chosen = parse.GetValue(kernels) switch
            {
                "portable" => new EdgeTiny.Runtime.Kernels.PortableKernels(),
                "simd" => new EdgeTiny.Runtime.Simd.SimdKernels(),
                var other => throw new InputException("--kernels", $"'{other}' must be portable or simd"),
            };
            using SimulatedBoard sim = SimulatedBoard.Open(profile, parse.GetValue(model), cardDir, chosen, max);
            DeviceServer server = sim.Server;
            if (sim.CardNote is not null) Log(sim.CardNote);

            TcpDeviceHost host;
            try
            {
                host = new TcpDeviceHost(server, endpoint);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new InputException("--listen", $"cannot listen on {endpoint}: {e.Message}");
            }
            using (host)
            {
                using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; host.Stop(); });
                using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; host.Stop(); });
                host.Connected = peer => Log($"client {peer} connected");
                host.Disconnected = (peer, requests) => Log($"client {peer} disconnected after {requests} requests");

                IPEndPoint local = host.LocalEndPoint;
                string address = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{local.Address}]:{local.Port}" : $"{local.Address}:{local.Port}";
                Console.Out.WriteLine($"listening on tcp://{address}");
                Log($"board {profile.Id}: {Path.GetFileName(sim.ModelPath)}, budget {sim.BudgetBytes} bytes, accounted {server.Model.Ledger.PeakBytes}, "
                    + $"context {server.Model.Plan.Context}, {(server.Model.Plan.KvInt8 ? "int8" : "float")} KV, protocol {DeviceProtocol.Version}, "
                    + $"max payload {max}, {server.HeldBytes} protocol bytes. Ctrl-C or SIGTERM stops.");
                host.Run();
                Log($"stopped after {server.RequestsServed} requests");
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Log(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
