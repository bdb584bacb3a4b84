using System.Device.Gpio;
using System.Globalization;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Pi;

/// <summary>What the host shows the person next to the Pi.</summary>
public enum HostState { Starting, Ready, Busy, Error, Stopped }

/// <summary>What the host measured: generated tokens per second of the last generate request (null before the first) and
/// the adapter generation the model runs with (0: base model, no adapters yet).</summary>
public readonly record struct HostMetrics(double? TokensPerSecond, uint AdapterGeneration)
{
    public static HostMetrics From(int tokens, long microseconds, uint adapterGeneration) =>
        new(tokens > 0 && microseconds > 0 ? tokens * 1e6 / microseconds : null, adapterGeneration);
}

/// <summary>A status LED, a small display, or the console: told about every state change.</summary>
public interface IStatusIndicator : IDisposable
{
    void Show(HostState state, string detail);

    /// <summary>New figures (after each generate request); indicators without a screen ignore them.</summary>
    void Measured(HostMetrics metrics) { }
}

/// <summary>Status lines on stderr (the default: no hardware needed).</summary>
public sealed class ConsoleStatus(bool verbose) : IStatusIndicator
{
    public void Show(HostState state, string detail)
    {
        if (verbose || state is not HostState.Busy and not HostState.Ready) Console.Error.WriteLine($"edgetiny-pi: {state.ToString().ToLowerInvariant()}: {detail}");
    }

    public void Measured(HostMetrics metrics)
    {
        if (verbose) Console.Error.WriteLine($"edgetiny-pi: {Ssd1306Status.TokensPerSecondText(metrics)}, adapter generation {metrics.AdapterGeneration}");
    }

    public void Dispose() { }
}

/// <summary>Several indicators at once (console + LED).</summary>
public sealed class StatusFanOut(params IStatusIndicator[] all) : IStatusIndicator
{
    public void Show(HostState state, string detail)
    {
        foreach (var s in all) s.Show(state, detail);
    }

    public void Measured(HostMetrics metrics)
    {
        foreach (var s in all) s.Measured(metrics);
    }

    public void Dispose()
    {
        foreach (var s in all) s.Dispose();
    }
}

/// <summary>
/// Turns the device loop's events into indicator states, and after each generate request the server's tokens/s and the
/// adapter generation (<paramref name="adapterGeneration"/>; the host passes 0 while the server answers tune/save
/// "not supported").
/// </summary>
public sealed class StatusObserver(IStatusIndicator status, DeviceServer? server = null, Func<uint>? adapterGeneration = null) : IDeviceObserver
{
    public void RequestStarted(int kind) => status.Show(HostState.Busy, DeviceProtocol.KindName(kind));

    public void RequestFinished(int kind, int errorCode)
    {
        if (errorCode == 0 && kind == DeviceProtocol.Generate && server is not null)
            status.Measured(HostMetrics.From(server.LastGenerated, server.LastGenerateMicroseconds, adapterGeneration?.Invoke() ?? 0));
        status.Show(errorCode == 0 ? HostState.Ready : HostState.Error, errorCode == 0 ? DeviceProtocol.KindName(kind) + " done" : ErrorCode.Name(errorCode));
    }

    public void FrameRejected(int errorCode) => status.Show(HostState.Error, "rejected frame: " + ErrorCode.Name(errorCode));

    public void TuningStepStarted(int step) { }

    public void TuningStepFinished(int step, float loss) => status.Show(HostState.Busy, $"tune step {step + 1}, loss {loss:F3}");
}

/// <summary>
/// A status LED on a GPIO (BCM numbering) through System.Device.Gpio: on while ready, off while busy or stopped, a fast
/// blink after an error. The controller is given (the host opens <c>new GpioController()</c> only when --led-gpio is set;
/// tests give one over their own <see cref="GpioDriver"/>); it is disposed with the indicator.
/// </summary>
public sealed class GpioLedStatus : IStatusIndicator
{
    private readonly GpioController _gpio;
    private readonly int _pin;

    public GpioLedStatus(GpioController gpio, int pin)
    {
        _gpio = gpio;
        _pin = pin;
        _gpio.OpenPin(pin, PinMode.Output, PinValue.Low);
    }

    public int Pin => _pin;

    public void Show(HostState state, string detail)
    {
        switch (state)
        {
            case HostState.Ready: _gpio.Write(_pin, PinValue.High); break;
            case HostState.Error:
                for (int i = 0; i < 6; i++)
                {
                    _gpio.Write(_pin, i % 2 == 0 ? PinValue.High : PinValue.Low);
                    Thread.Sleep(50);
                }
                break;
            default: _gpio.Write(_pin, PinValue.Low); break;
        }
    }

    public void Dispose()
    {
        _gpio.Write(_pin, PinValue.Low);
        _gpio.ClosePin(_pin);
        _gpio.Dispose();
    }
}
