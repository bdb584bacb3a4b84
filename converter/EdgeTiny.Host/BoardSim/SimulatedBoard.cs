using System.Net;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Host.BoardSim;

/// <summary>
/// A board simulated on the desktop: the runtime as the board runs it (its RAM budget, its SD timing model, the given
/// kernels) behind the device protocol's <see cref="DeviceServer"/>. With a card folder it behaves as the firmware does
/// on a real card: it serves DIR/model.etb, loads DIR/adapters.eta at start when present, keeps uploaded text in
/// DIR/upload.txt and saves tuned adapters to DIR/adapters.eta. `edgetiny board-sim` and the demo both start one.
/// The server's kernels are counted, and the kernel work of its tuning steps (each step alone: not the sampling before
/// nor the measuring after) is kept in <see cref="TuningSteps"/>, so what a step asks of the kernels can be priced for
/// the board (<see cref="OnBoardPrediction"/>).
/// </summary>
public sealed class SimulatedBoard : IDisposable
{
    public const string FirmwareVersion = "board-sim " + ModelConverter.Version;
    public const string ModelFile = "model.etb";
    public const string AdaptersFile = "adapters.eta";
    public const string UploadFile = "upload.txt";

    private readonly BoardSession _session;
    private readonly StreamBlockSource? _cardSource;

    public BoardProfile Board { get; }
    public string ModelPath { get; }
    public DeviceServer Server { get; }
    /// <summary>What the card held at start (adapters loaded or not); null without a card.</summary>
    public string? CardNote { get; }
    /// <summary>The budget the session was opened with (the board's, less what the firmware keeps).</summary>
    public long BudgetBytes => _session.Options.EffectiveBudget;
    /// <summary>Kernel calls and operations of every tuning step the server ran, and how many steps that was.</summary>
    public TuningStepCounter TuningSteps { get; }

    private SimulatedBoard(BoardProfile board, string modelPath, BoardSession session, StreamBlockSource? cardSource, DeviceServer server, string? note,
        TuningStepCounter steps)
    {
        (Board, ModelPath, _session, _cardSource, Server, CardNote, TuningSteps) = (board, modelPath, session, cardSource, server, note, steps);
        server.Observer = steps;
    }

    /// <summary>
    /// Opens the board on <paramref name="modelPath"/> (or DIR/model.etb when only <paramref name="cardDir"/> is given).
    /// Without a card the board serves but cannot tune. Bad files are input errors naming the file.
    /// </summary>
    public static SimulatedBoard Open(BoardProfile board, string? modelPath, string? cardDir, IKernels kernels, int maxPayload)
    {
        if (cardDir is not null && !Directory.Exists(cardDir)) throw new InputException("--card", $"{cardDir}: folder not found");
        string path = modelPath ?? (cardDir is not null ? Path.Combine(cardDir, ModelFile)
            : throw new InputException("--model", "give --model FILE or --card DIR (which holds model.etb)"));
        var options = new SessionOptions { Board = board, Kernels = kernels };
        BoardSession session = BoardSession.Open(path, options);
        var info = new DeviceInfo(board.Id, FirmwareVersion);
        var counted = new CountingKernels(kernels);
        var steps = new TuningStepCounter(counted);
        if (cardDir is null) // serves, cannot tune: nothing for the step counter
            return new SimulatedBoard(board, path, session, null, new DeviceServer(session.Model, session.Transformer, kernels, info, maxPayload), null, steps);

        // The server opens (and re-plans) the model itself: tuning and adapters change the plan.
        RuntimeOptions runtime = options.Runtime.Copy();
        runtime.BudgetBytes = options.EffectiveBudget;
        runtime.Storage = board.Timing;
        StreamBlockSource source = EtbFile.OpenSource(path);
        try
        {
            string dir = Path.GetFullPath(cardDir);
            var card = new DeviceCard(SimCardStore.FromEnvironment(), Path.Combine(dir, AdaptersFile), Path.Combine(dir, UploadFile));
            DeviceServer server = EtbFile.Guard(path, () => new DeviceServer(source, runtime, counted, info, maxPayload, card));
            return new SimulatedBoard(board, path, session, source, server, $"card {dir}: {server.StartNote}", steps);
        }
        catch
        {
            source.Dispose();
            session.Dispose();
            throw;
        }
    }

    /// <summary>Serves the protocol on <paramref name="endpoint"/> (port 0: any free port) from a background thread until disposed.</summary>
    public BackgroundHost ServeInBackground(IPEndPoint endpoint) => new(new TcpDeviceHost(Server, endpoint));

    public void Dispose()
    {
        _cardSource?.Dispose();
        _session.Dispose();
    }
}

/// <summary>
/// The device observer of a simulated board: adds the counted kernel work between the start and the end of each tuning
/// step to <see cref="Counts"/> (the work outside steps, and every other request, is left out).
/// </summary>
public sealed class TuningStepCounter(CountingKernels kernels) : IDeviceObserver
{
    private readonly KernelCounts _atStart = new();

    /// <summary>Kernel work of the steps counted so far.</summary>
    public KernelCounts Counts { get; } = new();
    public int Steps { get; private set; }

    public void TuningStepStarted(int step)
    {
        kernels.Counts.Calls.CopyTo(_atStart.Calls, 0);
        kernels.Counts.Operations.CopyTo(_atStart.Operations, 0);
    }

    public void TuningStepFinished(int step, float loss)
    {
        for (int k = 0; k < Counts.Calls.Length; k++)
        {
            Counts.Calls[k] += kernels.Counts.Calls[k] - _atStart.Calls[k];
            Counts.Operations[k] += kernels.Counts.Operations[k] - _atStart.Operations[k];
        }
        Steps++;
    }

    public void RequestStarted(int kind) { }
    public void RequestFinished(int kind, int errorCode) { }
    public void FrameRejected(int errorCode) { }
}

/// <summary>A <see cref="TcpDeviceHost"/> running on its own thread: its address to connect to, and Dispose to stop it.</summary>
public sealed class BackgroundHost : IDisposable
{
    private readonly TcpDeviceHost _host;
    private readonly Thread _thread;

    public BackgroundHost(TcpDeviceHost host)
    {
        _host = host;
        _thread = new Thread(host.Run) { IsBackground = true, Name = "board-sim" };
        _thread.Start();
    }

    /// <summary>The target to give a client: tcp://HOST:PORT.</summary>
    public string Target => $"tcp://{_host.LocalEndPoint.Address}:{_host.LocalEndPoint.Port}";

    public void Dispose()
    {
        _host.Stop();
        _thread.Join();
        _host.Dispose();
    }
}
