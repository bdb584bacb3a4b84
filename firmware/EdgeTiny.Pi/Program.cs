using System.Device.Gpio;
using System.Device.I2c;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using EdgeTiny.Pi;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Runtime.Simd;

// edgetiny-pi: the device side of the EdgeTiny protocol on a Raspberry Pi (or any Linux box): the model from the OS
// filesystem, served over a tty or TCP. `edgetiny hil --target serial:/dev/ttyACM0` or `tcp://pi:5555` tests it.
const string Usage = """
    usage: edgetiny-pi --model FILE.etb (--serial /dev/ttyX[@BAUD] | --listen HOST:PORT)
                       [--budget BYTES[KB|MB]] [--board-id ID] [--kernels simd|portable] [--max-payload N]
                       [--led-gpio BCM] [--display ssd1306 [--i2c-bus N] [--i2c-address 0x3C]] [--verbose]
    """;

HostOptions options;
try
{
    options = HostOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"edgetiny-pi: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
if (options.Help)
{
    Console.Out.WriteLine(Usage);
    return 0;
}
return Host.Run(options);

namespace EdgeTiny.Pi
{
    public sealed record HostOptions(string Model, string? Serial, string? Listen, long BudgetBytes, string BoardId, string Kernels,
        int MaxPayload, int LedGpio, string? Display, int I2cBus, int I2cAddress, bool Verbose, bool Help)
    {
        public static HostOptions Parse(string[] args)
        {
            string? model = null, serial = null, listen = null, board = "raspberry-pi", kernels = "simd", display = null;
            long budget = 0;
            int maxPayload = DeviceProtocol.DefaultMaxPayload, led = -1, i2cBus = 1, i2cAddress = Ssd1306Status.DefaultAddress;
            bool verbose = false, help = false;
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{a} needs a value");
                switch (a)
                {
                    case "--model": model = Next(); break;
                    case "--serial": serial = Next(); break;
                    case "--listen": listen = Next(); break;
                    case "--budget": budget = ParseSize(Next()); break;
                    case "--board-id": board = Next(); break;
                    case "--kernels": kernels = Next(); break;
                    case "--max-payload": maxPayload = ParseInt(Next(), "--max-payload"); break;
                    case "--led-gpio": led = ParseInt(Next(), "--led-gpio"); break;
                    case "--display": display = Next(); break;
                    case "--i2c-bus": i2cBus = ParseInt(Next(), "--i2c-bus"); break;
                    case "--i2c-address": i2cAddress = ParseAddress(Next()); break;
                    case "--verbose": verbose = true; break;
                    case "-h" or "--help": help = true; break;
                    default: throw new FormatException($"unknown argument '{a}'");
                }
            }
            if (help) return new HostOptions("", null, null, 0, board, kernels, maxPayload, led, display, i2cBus, i2cAddress, verbose, true);
            if (model is null) throw new FormatException("--model is required");
            if ((serial is null) == (listen is null)) throw new FormatException("give exactly one of --serial and --listen");
            if (kernels is not ("simd" or "portable")) throw new FormatException($"--kernels: '{kernels}' must be simd or portable");
            if (maxPayload < DeviceProtocol.MinMaxPayload || maxPayload > 1 << 20) throw new FormatException($"--max-payload: {maxPayload} must be in {DeviceProtocol.MinMaxPayload}..{1 << 20}");
            if (display is not (null or "ssd1306")) throw new FormatException($"--display: '{display}' is not a supported display (ssd1306)");
            if (led > 999) throw new FormatException($"--led-gpio: {led} is not a GPIO number");
            return new HostOptions(model, serial, listen, budget, board, kernels, maxPayload, led, display, i2cBus, i2cAddress, verbose, false);
        }

        private static int ParseInt(string s, string flag) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new FormatException($"{flag}: '{s}' is not a number");

        /// <summary>A 7-bit I²C address, hex (0x3C) or decimal.</summary>
        public static int ParseAddress(string s)
        {
            bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!int.TryParse(hex ? s[2..] : s, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 0x03 || v > 0x77)
                throw new FormatException($"--i2c-address: '{s}' is not a 7-bit I2C address (0x03..0x77)");
            return v;
        }

        /// <summary>Bytes, or with a KB/MB suffix (1 KB = 1024 B), as `edgetiny --budget` takes them.</summary>
        public static long ParseSize(string s)
        {
            string t = s.Trim().ToUpperInvariant();
            long unit = t.EndsWith("MB") ? 1 << 20 : t.EndsWith("KB") ? 1 << 10 : 1;
            if (unit > 1) t = t[..^2].Trim();
            if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0)
                throw new FormatException($"--budget: '{s}' is not a size (bytes, KB or MB)");
            return (long)(v * unit);
        }
    }

    /// <summary>How the host reaches the hardware: the real System.Device.Gpio / I²C drivers, or a test's.</summary>
    public sealed record StatusHardware(Func<GpioController> OpenGpio, Func<int, int, I2cDevice> OpenI2c)
    {
        public static readonly StatusHardware Real = new(
            () => new GpioController(),
            (bus, address) => I2cDevice.Create(new I2cConnectionSettings(bus, address)));
    }

    public static class Host
    {
        public const string FirmwareVersion = "edgetiny-pi 2";
        public const string AdaptersFile = "adapters.eta";
        public const string UploadFile = "upload.txt";

        public static int Run(HostOptions o) => Run(o, StatusHardware.Real);

        public static int Run(HostOptions o, StatusHardware hardware)
        {
            IStatusIndicator? opened = CreateStatus(o, hardware, out string? error);
            if (opened is null)
            {
                Console.Error.WriteLine($"edgetiny-pi: {error}");
                return 2;
            }
            IStatusIndicator status = opened;
            using (status)
            {
                status.Show(HostState.Starting, $"opening {o.Model}");
                if (!File.Exists(o.Model))
                {
                    Console.Error.WriteLine($"edgetiny-pi: {o.Model}: model file not found");
                    return 2;
                }
                var source = new StreamBlockSource(new FileStream(o.Model, FileMode.Open, FileAccess.Read, FileShare.Read, 4096), ownsStream: true);
                IKernels kernels = o.Kernels == "simd" ? new SimdKernels() : new PortableKernels();
                DeviceServer server;
                try
                {
                    // The model's folder is the card: tuned adapters in adapters.eta (loaded at start when present), uploads in upload.txt.
                    string dir = Path.GetDirectoryName(Path.GetFullPath(o.Model))!;
                    var card = new DeviceCard(new FileStore(), Path.Combine(dir, AdaptersFile), Path.Combine(dir, UploadFile));
                    server = new DeviceServer(source, new RuntimeOptions { BudgetBytes = o.BudgetBytes }, kernels, new DeviceInfo(o.BoardId, FirmwareVersion), o.MaxPayload, card);
                    status.Show(HostState.Starting, server.StartNote);
                }
                catch (Exception e) when (e is ModelFormatException or MemoryBudgetException)
                {
                    source.Dispose();
                    Console.Error.WriteLine($"edgetiny-pi: {o.Model}: {e.Message}");
                    return 2;
                }
                using (source)
                {
                    server.Observer = new StatusObserver(status, server, () => server.AdapterGeneration);
                    return o.Serial is not null ? ServeSerial(o, server, status) : ServeTcp(o, server, status);
                }
            }
        }

        /// <summary>
        /// The console, plus the LED and the display when asked for (nothing else touches GPIO or I²C, so the host runs on
        /// machines without them). Null and one line in <paramref name="error"/> when one cannot be opened.
        /// </summary>
        public static IStatusIndicator? CreateStatus(HostOptions o, StatusHardware hardware, out string? error)
        {
            error = null;
            var all = new List<IStatusIndicator> { new ConsoleStatus(o.Verbose) };
            if (o.LedGpio >= 0)
            {
                GpioController? gpio = null;
                try
                {
                    gpio = hardware.OpenGpio();
                    all.Add(new GpioLedStatus(gpio, o.LedGpio));
                }
                catch (Exception e)
                {
                    gpio?.Dispose();
                    error = $"--led-gpio {o.LedGpio}: cannot open GPIO {o.LedGpio} ({e.GetType().Name}: {Ssd1306Status.OneLine(e.Message)}); a Pi needs /dev/gpiochip* and a user in group gpio";
                    return null;
                }
            }
            if (o.Display is not null)
            {
                I2cDevice? device = null;
                try
                {
                    device = hardware.OpenI2c(o.I2cBus, o.I2cAddress);
                    all.Add(Ssd1306Status.Open(device));
                }
                catch (Exception e)
                {
                    device?.Dispose();
                    foreach (var s in all) s.Dispose();
                    error = $"--display {o.Display}: cannot open it on I2C bus {o.I2cBus} at 0x{o.I2cAddress:X2} ({e.GetType().Name}: {Ssd1306Status.OneLine(e.Message)}); "
                        + "enable I2C (raspi-config) and check the wiring with i2cdetect -y " + o.I2cBus.ToString(CultureInfo.InvariantCulture);
                    return null;
                }
            }
            return all.Count == 1 ? all[0] : new StatusFanOut([.. all]);
        }

        private static IDisposable OnStop(Action stop)
        {
            var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop(); });
            var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop(); });
            return new Both(term, intr);
        }

        private sealed class Both(IDisposable a, IDisposable b) : IDisposable
        {
            public void Dispose() { a.Dispose(); b.Dispose(); }
        }

        private static int ServeSerial(HostOptions o, DeviceServer server, IStatusIndicator status)
        {
            LinkTarget target;
            try
            {
                target = LinkTarget.Parse("serial:" + o.Serial);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"edgetiny-pi: --serial: {e.Message}");
                return 2;
            }
            TtyLink link;
            try
            {
                link = TtyLink.Open(target.Device, target.Baud);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"edgetiny-pi: --serial: cannot open {target.Device}: {e.Message}");
                return 2;
            }
            using (link)
            using (OnStop(server.Stop))
            {
                Console.Out.WriteLine($"serving on serial:{target.Device}@{target.Baud}");
                Console.Out.Flush();
                status.Show(HostState.Ready, $"serial {target.Device}");
                while (server.Serve(link)) { } // a tty never closes: Serve returns when stopped
            }
            status.Show(HostState.Stopped, $"{server.RequestsServed} requests");
            return 0;
        }

        private static int ServeTcp(HostOptions o, DeviceServer server, IStatusIndicator status)
        {
            IPEndPoint endpoint;
            try
            {
                endpoint = TcpDeviceHost.ParseListen(o.Listen!);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"edgetiny-pi: --listen: {e.Message}");
                return 2;
            }
            using var host = new TcpDeviceHost(server, endpoint);
            using (OnStop(host.Stop))
            {
                Console.Out.WriteLine($"listening on tcp://{host.LocalEndPoint}");
                Console.Out.Flush();
                status.Show(HostState.Ready, $"tcp {host.LocalEndPoint}");
                host.Connected = peer => status.Show(HostState.Ready, $"client {peer}");
                host.Run();
            }
            status.Show(HostState.Stopped, $"{server.RequestsServed} requests");
            return 0;
        }
    }
}
