using System.Device.Gpio;
using System.IO;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Protocol;
using EdgeTiny.Firmware.Boards;
using nanoFramework.System.IO.FileSystem;

namespace EdgeTiny.Firmware
{
    /// <summary>
    /// The EdgeTiny firmware app for ESP32 boards running .NET nanoFramework: mounts the SD card as the board profile
    /// says, opens the model from D:\ within the board's RAM budget, and serves the device protocol
    /// (runtime/EdgeTiny.Runtime/Protocol) on a serial port forever; first runs the model's self-test when asked
    /// (<see cref="BootSelfTest"/>). `edgetiny hil --target serial:/dev/ttyUSB0` tests it.
    /// </summary>
    public class Program
    {
        // The board this image is built for: an id from Boards/BoardCatalog.cs (generated from boards/*.json).
        private const string BoardId = "esp32-s3-devkitc-1-n8r8";

        private const string ModelFile = "model.etb";
        private const string AdaptersFile = "adapters.eta";
        private const string UploadFile = "upload.txt";
        public const string FirmwareVersion = "edgetiny-fw 2";

        // The protocol's serial port. COM1 (UART0, the board's USB bridge / USB CDC) carries nanoFramework's own wire
        // protocol (deployment, debugging), so the device protocol uses COM2 on these pins, through a USB-UART adapter.
        // Change them for your wiring (they must not be SD, PSRAM or flash pins).
        private const string SerialPortName = "COM2";
        private const int SerialTxPin = 17;
        private const int SerialRxPin = 18;
        private const int BaudRate = 115200;

        // The status LED (-1: none; GPIO 2 is the DevKitC-32's blue LED, but SDMMC's D0 on the 4-bit boards). Ignored when
        // it is one of the SD card's pins.
        private const int StatusLedPin = 21;

        public static void Main()
        {
            BoardPins board = BoardCatalog.Find(BoardId);
            GpioController gpio = new GpioController();
            StatusLed led = new StatusLed(gpio, board != null && board.UsesPin(StatusLedPin) ? -1 : StatusLedPin);
            GpioPin selfTestPin = BootSelfTest.OpenRequestPin(gpio, board); // BOOT (GPIO 0): hold it during these blinks
            led.Blink(3, 400);
            try
            {
                if (board == null) throw new System.InvalidOperationException("unknown board '" + BoardId + "' (see Boards/BoardCatalog.cs)");
                Run(board, led, selfTestPin);
            }
            catch (System.Exception e)
            {
                System.Diagnostics.Debug.WriteLine("edgetiny: " + e.Message);
                while (true) led.Blink(5, 100); // a fault: blink fast until reset (the message is on the debug output)
            }
        }

        private static void Run(BoardPins board, StatusLed led, GpioPin selfTestPin)
        {
            SDCard card = SdStorage.Mount(board);
            System.Diagnostics.Debug.WriteLine("edgetiny: card mounted: " + card.IsMounted.ToString());

            FileStream file = new FileStream(SdStorage.Drive + ModelFile, FileMode.Open, FileAccess.Read);
            RuntimeOptions options = new RuntimeOptions();
            options.BudgetBytes = board.ModelBudgetBytes;
            // The card's real costs (boards/<id>.json storage): the planner picks the streaming chunk and the packed FFNs'
            // read collapse from them, as `edgetiny run/bench --board` did on the desktop. Reads go through the card
            // model's simulated clock too, so `stats` reports the predicted SD time beside the measured time.
            options.Storage = board.StorageTiming();
            options.Temperature = 0f; // plan for greedy; the server builds its nucleus sampler on the first sampled request
            StreamBlockSource source = new StreamBlockSource(file, true);

            // PortableKernels everywhere; a nanoCLR built with firmware/native's kernels swaps in Interop's NativeKernels.
#if EDGETINY_NATIVE_KERNELS
            IKernels kernels = new EdgeTiny.Firmware.Interop.NativeKernels();
#else
            IKernels kernels = new PortableKernels();
#endif
            // The server opens the model itself and re-plans it for tuning (protocol version 2); tuned adapters live on the
            // card beside the model and are loaded at boot when present and valid for this model.
            DeviceCard sd = new DeviceCard(new FileStore(), SdStorage.Drive + AdaptersFile, SdStorage.Drive + UploadFile);
            DeviceServer server = new DeviceServer(source, options, kernels, new DeviceInfo(board.Id, FirmwareVersion), board.MaxPayload, sd);
            // Self-test when asked (a "selftest" file on the card or BOOT held): lines on the debug output, LED pattern, then serve.
            if (BootSelfTest.Requested(selfTestPin)) BootSelfTest.Run(server.Model, kernels, led);
            server.Observer = led;
            System.Diagnostics.Debug.WriteLine("edgetiny: model open, " + server.Model.Ledger.PeakBytes.ToString() + " bytes accounted, context "
                + server.Model.Plan.Context.ToString() + "; " + server.StartNote);

            if (board.UsesPin(SerialTxPin) || board.UsesPin(SerialRxPin))
                throw new System.InvalidOperationException("serial pins " + SerialTxPin.ToString() + "/" + SerialRxPin.ToString()
                    + " are SD card pins on " + board.Id + ": change SerialTxPin/SerialRxPin in Program.cs");
            nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(SerialTxPin, nanoFramework.Hardware.Esp32.DeviceFunction.COM2_TX);
            nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(SerialRxPin, nanoFramework.Hardware.Esp32.DeviceFunction.COM2_RX);
            SerialLink link = SerialLink.Open(SerialPortName, BaudRate, 200);
            led.On();
            while (true) server.Serve(link); // a serial line never closes: serve forever
        }
    }
}
