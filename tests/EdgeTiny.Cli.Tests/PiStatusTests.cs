using System.Device.Gpio;
using System.Device.I2c;
using System.Diagnostics;
using EdgeTiny.Pi;
using PiHost = EdgeTiny.Pi.Host;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// The Pi host's status LED and SSD1306 display on the desktop: System.Device.Gpio's GpioController and the Ssd13xx
/// binding of Iot.Device.Bindings run for real, over a GpioDriver that records pin writes and an I2cDevice that captures
/// the bytes the binding sends (decoded back into the screen's pixels and text).
/// </summary>
public sealed class PiStatusTests
{
    [Fact]
    public void Led_follows_the_host_state_through_the_gpio_controller()
    {
        var driver = new RecordingGpioDriver();
        var led = new GpioLedStatus(new GpioController(driver), 17);
        Assert.Equal(PinMode.Output, driver.Modes[17]);
        Assert.Equal(PinValue.Low, driver.Values[17]);
        int opened = driver.Writes.Count;

        led.Show(HostState.Starting, "opening");
        led.Show(HostState.Ready, "tcp");
        Assert.Equal(PinValue.High, driver.Values[17]);
        led.Show(HostState.Busy, "generate");
        led.Show(HostState.Ready, "generate done");
        led.Show(HostState.Error, "bad crc");
        led.Dispose();

        var high = PinValue.High;
        var low = PinValue.Low;
        PinValue[] expected = [low, high, low, high, high, low, high, low, high, low, low];
        Assert.Equal(expected, driver.Writes.Skip(opened).Select(w => w.Value));
        Assert.All(driver.Writes, w => Assert.Equal(17, w.Pin));
        Assert.Contains(17, driver.Closed);
        Assert.True(driver.Disposed);
    }

    [Fact]
    public void Display_shows_state_tokens_per_second_and_adapter_generation_through_the_ssd1306_binding()
    {
        var i2c = new CapturingI2cDevice();
        using (var display = Ssd1306Status.Open(i2c, refreshInBackground: false))
        {
            // The binding's own init sequence: display off first, 32-row multiplex, display on.
            Assert.Equal([0x00, 0xAE], i2c.Writes[0]);
            Assert.Contains(i2c.Writes, w => w.SequenceEqual(new byte[] { 0x00, 0xA8, 0x1F }));
            Assert.Contains(i2c.Writes, w => w.SequenceEqual(new byte[] { 0x00, 0xAF }));

            display.Show(HostState.Ready, "tcp 127.0.0.1:5555");
            Assert.Equal(["EDGETINY READY", "- TOK/S", "ADAPTERS GEN 0", "TCP 127.0.0.1:5555"], ScreenText(i2c));

            display.Measured(new HostMetrics(12.54, 0));
            display.Show(HostState.Busy, "generate");
            Assert.Equal(["EDGETINY BUSY", "12.5 TOK/S", "ADAPTERS GEN 0", "GENERATE"], ScreenText(i2c));

            display.Measured(new HostMetrics(1234.5, 3));
            display.Show(HostState.Error, "a very long detail line that does not fit");
            Assert.Equal(["EDGETINY ERROR", "1234.5 TOK/S", "ADAPTERS GEN 3", "A VERY LONG DETAIL LI"], ScreenText(i2c));
            Assert.Equal(display.Lines(), ScreenText(i2c));
        }
        Assert.True(i2c.Disposed);
    }

    [Fact]
    public void Display_redrawn_in_the_background_shows_the_final_state_when_disposed()
    {
        var i2c = new CapturingI2cDevice();
        var display = Ssd1306Status.Open(i2c);
        display.Show(HostState.Ready, "serial /dev/ttyGS0");
        display.Measured(HostMetrics.From(48, 2_000_000, 0));
        display.Show(HostState.Stopped, "7 requests");
        display.Dispose();
        Assert.Equal(["EDGETINY STOPPED", "24.0 TOK/S", "ADAPTERS GEN 0", "7 REQUESTS"], ScreenText(i2c));
        Assert.True(i2c.Disposed);
    }

    [Fact]
    public void Without_led_or_display_flags_no_hardware_is_opened()
    {
        var hw = new StatusHardware(() => throw new Xunit.Sdk.XunitException("GPIO opened"), (_, _) => throw new Xunit.Sdk.XunitException("I2C opened"));
        HostOptions o = HostOptions.Parse(["--model", "m.etb", "--listen", "127.0.0.1:0"]);
        using IStatusIndicator? status = PiHost.CreateStatus(o, hw, out string? error);
        Assert.Null(error);
        Assert.IsType<ConsoleStatus>(status);
    }

    [Fact]
    public void Led_and_display_flags_open_them_on_the_given_pin_bus_and_address()
    {
        var driver = new RecordingGpioDriver();
        var i2c = new CapturingI2cDevice();
        int bus = -1, address = -1;
        var hw = new StatusHardware(() => new GpioController(driver), (b, a) => { bus = b; address = a; return i2c; });
        HostOptions o = HostOptions.Parse(["--model", "m.etb", "--listen", "127.0.0.1:0", "--led-gpio", "27", "--display", "ssd1306", "--i2c-bus", "3", "--i2c-address", "0x3D"]);
        IStatusIndicator? status = PiHost.CreateStatus(o, hw, out string? error);
        Assert.Null(error);
        Assert.NotNull(status);
        Assert.Equal((3, 0x3D), (bus, address));
        status.Show(HostState.Ready, "tcp");
        Assert.Equal(PinValue.High, driver.Values[27]);
        status.Dispose();
        Assert.True(driver.Disposed);
        Assert.True(i2c.Disposed);
        Assert.Equal("EDGETINY READY", ScreenText(i2c)[0]);
    }

    [Fact]
    public void A_gpio_or_display_that_cannot_be_opened_is_one_error_line()
    {
        var hw = new StatusHardware(() => throw new IOException("no /dev/gpiochip0\nsecond line"), (_, _) => throw new IOException("no /dev/i2c-1"));
        IStatusIndicator? led = PiHost.CreateStatus(HostOptions.Parse(["--model", "m.etb", "--listen", ":0", "--led-gpio", "17"]), hw, out string? error);
        Assert.Null(led);
        Assert.StartsWith("--led-gpio 17: cannot open GPIO 17 (IOException: no /dev/gpiochip0 second line)", error);
        Assert.DoesNotContain('\n', error!);

        var driver = new RecordingGpioDriver();
        hw = hw with { OpenGpio = () => new GpioController(driver) };
        IStatusIndicator? both = PiHost.CreateStatus(HostOptions.Parse(["--model", "m.etb", "--listen", ":0", "--led-gpio", "17", "--display", "ssd1306"]), hw, out error);
        Assert.Null(both);
        Assert.StartsWith("--display ssd1306: cannot open it on I2C bus 1 at 0x3C (IOException: no /dev/i2c-1)", error);
        Assert.True(driver.Disposed); // the LED opened first is released again
    }

    [Theory]
    [InlineData("--display", "st7735", "--display: 'st7735' is not a supported display (ssd1306)")]
    [InlineData("--i2c-address", "0x80", "--i2c-address: '0x80' is not a 7-bit I2C address (0x03..0x77)")]
    [InlineData("--led-gpio", "-1", "--led-gpio: '-1' is not a number")]
    public void Bad_status_flags_are_rejected(string flag, string value, string message)
    {
        var e = Assert.Throws<FormatException>(() => HostOptions.Parse(["--model", "m.etb", "--listen", ":0", flag, value]));
        Assert.Equal(message, e.Message);
    }

    /// <summary>The real host on this machine (no GPIO chip): one stderr line and exit 2, before the model is even looked at.</summary>
    [Fact]
    public async Task Host_without_a_gpio_chip_exits_2_with_one_line()
    {
        if (Directory.Exists("/dev") && Directory.GetFiles("/dev", "gpiochip*").Length > 0) return; // a machine with GPIO: nothing to check here
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { BoardSimProcess.PiDll, "--model", "missing.etb", "--listen", "127.0.0.1:0", "--led-gpio", "17" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> stdoutRead = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(2, p.ExitCode);
        Assert.Equal("", await stdoutRead);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("edgetiny-pi: --led-gpio 17: cannot open GPIO 17 (", lines[0]);
    }

    /// <summary>
    /// The screen as the bytes on the I²C bus leave it: the last frame (column and page address commands, then 0x40 data
    /// writes in horizontal addressing order, bit 0 at the top of each page), read back cell by cell with the font.
    /// </summary>
    private static string[] ScreenText(CapturingI2cDevice i2c)
    {
        int start = i2c.Writes.FindLastIndex(w => w.Length >= 4 && w[0] == 0x00 && w[1] == 0x21);
        Assert.True(start >= 0, "no frame was drawn");
        Assert.Equal([0x00, 0x21, 0x00, 0x7F], i2c.Writes[start]);
        Assert.Equal([0x00, 0x22, 0x00, 0x03], i2c.Writes[start + 1]);
        byte[] ram = i2c.Writes.Skip(start + 2).TakeWhile(w => w[0] == 0x40).SelectMany(w => w.Skip(1)).ToArray();
        Assert.Equal(Ssd1306Status.Width * Ssd1306Status.Height / 8, ram.Length);

        var glyphs = TextBitmap.Font.ToDictionary(g => Convert.ToHexString(g.Value), g => g.Key);
        var lines = new string[Ssd1306Status.Rows];
        for (int row = 0; row < lines.Length; row++)
        {
            var text = new char[Ssd1306Status.Columns];
            for (int col = 0; col < text.Length; col++)
            {
                int at = row * Ssd1306Status.Width + col * TextBitmap.CellWidth;
                Assert.Equal(0, ram[at + 5]); // the gap between cells
                string key = Convert.ToHexString(ram, at, 5);
                Assert.True(glyphs.TryGetValue(key, out text[col]), $"row {row} column {col}: {key} is no glyph");
            }
            lines[row] = new string(text).TrimEnd();
        }
        return lines;
    }

    private sealed class RecordingGpioDriver : GpioDriver
    {
        public readonly List<(int Pin, PinValue Value)> Writes = [];
        public readonly Dictionary<int, PinMode> Modes = [];
        public readonly Dictionary<int, PinValue> Values = [];
        public readonly List<int> Closed = [];
        public bool Disposed;

        protected override int PinCount => 28;
        protected override void OpenPin(int pinNumber) => Values[pinNumber] = PinValue.Low;
        protected override void ClosePin(int pinNumber) => Closed.Add(pinNumber);
        protected override void SetPinMode(int pinNumber, PinMode mode) => Modes[pinNumber] = mode;
        protected override PinMode GetPinMode(int pinNumber) => Modes.TryGetValue(pinNumber, out PinMode m) ? m : PinMode.Input;
        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
        protected override PinValue Read(int pinNumber) => Values[pinNumber];

        protected override void Write(int pinNumber, PinValue value)
        {
            Writes.Add((pinNumber, value));
            Values[pinNumber] = value;
        }

        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
            throw new NotSupportedException();
        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
            throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private sealed class CapturingI2cDevice : I2cDevice
    {
        public readonly List<byte[]> Writes = [];
        public bool Disposed;

        public override I2cConnectionSettings ConnectionSettings { get; } = new(1, Ssd1306Status.DefaultAddress);
        public override void Read(Span<byte> buffer) => buffer.Clear();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (Writes) Writes.Add(buffer.ToArray());
        }

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            Write(writeBuffer);
            readBuffer.Clear();
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
