// Checked against nanoframework/System.Device.Gpio: System.Device.Gpio/GpioPin.cs (Write(PinValue), Toggle(), Read(),
// Dispose), PinValue.cs (readonly struct, High/Low, explicit conversion to int), GpioController.cs (OpenPin(int, PinMode) returning GpioPin).
// Package nanoFramework.System.Device.Gpio (1.1.x). Only the members the firmware uses.
namespace System.Device.Gpio
{
    public enum PinMode
    {
        Input,
        Output,
        InputPullDown,
        InputPullUp,
    }

    public readonly struct PinValue
    {
        public static PinValue High => throw null;
        public static PinValue Low => throw null;
        public static explicit operator int(PinValue value) => throw null;
    }

    public sealed class GpioPin : IDisposable
    {
        public int PinNumber => throw null;
        public PinValue Read() => throw null;
        public void Write(PinValue value) => throw null;
        public void Toggle() => throw null;
        public void Dispose() => throw null;
    }

    public class GpioController : IDisposable
    {
        public GpioController() { }
        public GpioPin OpenPin(int pinNumber, PinMode mode) => throw null;
        public void Dispose() => throw null;
    }
}
