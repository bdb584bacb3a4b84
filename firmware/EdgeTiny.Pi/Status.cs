using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Pi;

/// <summary>What the host shows the person next to the Pi.</summary>
public enum HostState { Starting, Ready, Busy, Error, Stopped }

/// <summary>A status LED, a small display, or the console: told about every state change.</summary>
public interface IStatusIndicator : IDisposable
{
    void Show(HostState state, string detail);
}

/// <summary>Status lines on stderr (the default: no hardware needed).</summary>
public sealed class ConsoleStatus(bool verbose) : IStatusIndicator
{
    public void Show(HostState state, string detail)
    {
        if (verbose || state is not HostState.Busy and not HostState.Ready) Console.Error.WriteLine($"edgetiny-pi: {state.ToString().ToLowerInvariant()}: {detail}");
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

    public void Dispose()
    {
        foreach (var s in all) s.Dispose();
    }
}

/// <summary>Turns the device loop's events into indicator states.</summary>
public sealed class StatusObserver(IStatusIndicator status) : IDeviceObserver
{
    public void RequestStarted(int kind) => status.Show(HostState.Busy, DeviceProtocol.KindName(kind));

    public void RequestFinished(int kind, int errorCode) =>
        status.Show(errorCode == 0 ? HostState.Ready : HostState.Error, errorCode == 0 ? DeviceProtocol.KindName(kind) + " done" : ErrorCode.Name(errorCode));

    public void FrameRejected(int errorCode) => status.Show(HostState.Error, "rejected frame: " + ErrorCode.Name(errorCode));
}

#if EDGETINY_IOT
/// <summary>
/// A status LED on a GPIO (BCM numbering): on while ready, off while busy, fast blink after an error. Needs
/// System.Device.Gpio (build with -p:EdgeTinyIot=true) and access to /dev/gpiochip0.
/// </summary>
public sealed class GpioLedStatus : IStatusIndicator
{
    private readonly System.Device.Gpio.GpioController _gpio = new();
    private readonly int _pin;

    public GpioLedStatus(int pin)
    {
        _pin = pin;
        _gpio.OpenPin(pin, System.Device.Gpio.PinMode.Output);
    }

    public void Show(HostState state, string detail)
    {
        switch (state)
        {
            case HostState.Ready: _gpio.Write(_pin, System.Device.Gpio.PinValue.High); break;
            case HostState.Busy: _gpio.Write(_pin, System.Device.Gpio.PinValue.Low); break;
            case HostState.Error:
                for (int i = 0; i < 6; i++)
                {
                    _gpio.Write(_pin, i % 2 == 0 ? System.Device.Gpio.PinValue.High : System.Device.Gpio.PinValue.Low);
                    Thread.Sleep(50);
                }
                break;
            default: _gpio.Write(_pin, System.Device.Gpio.PinValue.Low); break;
        }
    }

    public void Dispose()
    {
        _gpio.Write(_pin, System.Device.Gpio.PinValue.Low);
        _gpio.Dispose();
    }
}
#endif
