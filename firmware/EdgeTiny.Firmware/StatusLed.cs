using System.Device.Gpio;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Firmware
{
    /// <summary>
    /// The status LED: blinks slowly while starting, on while ready, off while a request runs, and blinks fast (then
    /// stays off) after an error. A pin below 0 means no LED.
    /// </summary>
    public sealed class StatusLed : IDeviceObserver
    {
        private readonly GpioPin _pin;

        public StatusLed(GpioController gpio, int pin)
        {
            if (pin >= 0) _pin = gpio.OpenPin(pin, PinMode.Output);
        }

        public void Blink(int times, int periodMs)
        {
            if (_pin == null) return;
            for (int i = 0; i < times * 2; i++)
            {
                _pin.Toggle();
                System.Threading.Thread.Sleep(periodMs / 2);
            }
        }

        public void On()
        {
            if (_pin != null) _pin.Write(PinValue.High);
        }

        public void Off()
        {
            if (_pin != null) _pin.Write(PinValue.Low);
        }

        public void RequestStarted(int kind)
        {
            Off();
        }

        public void RequestFinished(int kind, int errorCode)
        {
            if (errorCode != 0) Blink(2, 80);
            On();
        }

        public void FrameRejected(int errorCode)
        {
            Blink(3, 60);
            On();
        }

        // The LED stays off (busy) through a tune request; one short blink per finished step shows it is alive.
        public void TuningStepStarted(int step)
        {
        }

        public void TuningStepFinished(int step, float loss)
        {
            Blink(1, 40);
            Off();
        }
    }
}
