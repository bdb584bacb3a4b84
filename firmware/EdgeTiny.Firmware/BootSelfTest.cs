using System.Device.Gpio;
using System.IO;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Diagnostics;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Firmware
{
    /// <summary>
    /// The self-test at boot (runtime/EdgeTiny.Runtime/Diagnostics/SelfTest): asked for by a file named
    /// <see cref="RequestFile"/> in the card's root, or by the BOOT button (<see cref="RequestPin"/>, GPIO 0, pulled up,
    /// low while pressed) held during the start blinks. Prints its lines on the debug output — the last one is
    /// "N passed, N failed" — and blinks the status LED: 2 slow blinks when every check passed, 10 fast blinks when one
    /// failed, 4 medium blinks when the model has no self-check section. Then the firmware serves as usual.
    /// </summary>
    public static class BootSelfTest
    {
        public const string RequestFile = "selftest";

        /// <summary>
        /// GPIO 0: the BOOT button on the ESP32-S3-DevKitC-1, the ESP32 DevKitC (WROOM-32) and the ESP-WROVER-KIT, and none
        /// of their SD pins (checked against the board profile before use). It is a strapping pin: held at reset it selects
        /// the ROM download mode, so press it just after releasing RESET/EN, while the LED does its 3 start blinks.
        /// </summary>
        public const int RequestPin = 0;

        /// <summary>Opens the request pin (before the start blinks), or returns null when it is one of the board's SD pins.</summary>
        public static GpioPin OpenRequestPin(GpioController gpio, BoardPins board)
        {
            if (board == null || board.UsesPin(RequestPin)) return null;
            return gpio.OpenPin(RequestPin, PinMode.InputPullUp);
        }

        /// <summary>Whether the self-test is asked for: the request file exists on the card, or the pin reads low.</summary>
        public static bool Requested(GpioPin pin)
        {
            if (pin != null && (int)pin.Read() == 0) return true;
            return File.Exists(SdStorage.Drive + RequestFile);
        }

        /// <summary>Runs the self-test on the open model with the firmware's kernels; returns the failed count (-1: could not run).</summary>
        public static int Run(EtbModel model, IKernels kernels, StatusLed led)
        {
            DebugOutput output = new DebugOutput();
            long before = model.Ledger.CurrentBytes;
            int failed;
            try
            {
                SelfTest test = new SelfTest(model, kernels);
                failed = test.Run(output);
                if (!test.HasChecks) failed = -2;
            }
            catch (ModelFormatException e)
            {
                output.WriteLine("self-test: " + e.Message);
                failed = -1;
            }
            catch (System.Exception e) // e.g. out of memory for its forward pass: report it, then serve as usual
            {
                output.WriteLine("self-test: could not run: " + e.Message);
                failed = -1;
            }
            // The test's forward pass (its own small float KV cache) is garbage once this returns: only the peak keeps it.
            model.Ledger.Release("self-test", model.Ledger.CurrentBytes - before);
            if (failed == 0) led.Blink(2, 1000);
            else if (failed == -2) led.Blink(4, 500);
            else led.Blink(10, 200);
            return failed;
        }

        private sealed class DebugOutput : ISelfTestOutput
        {
            public void WriteLine(string line)
            {
                System.Diagnostics.Debug.WriteLine(line);
            }
        }
    }
}
