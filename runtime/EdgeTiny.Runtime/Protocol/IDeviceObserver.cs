namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// Told what the device loop is doing, so firmware can show it (a status LED, a small display, a log line).
    /// Called on the serving thread: keep it short, allocate nothing.
    /// </summary>
    public interface IDeviceObserver
    {
        /// <summary>A request frame arrived and is about to run.</summary>
        void RequestStarted(int kind);

        /// <summary>The reply went out; <paramref name="errorCode"/> is 0 or the error reply's code.</summary>
        void RequestFinished(int kind, int errorCode);

        /// <summary>A malformed frame was answered with an error reply.</summary>
        void FrameRejected(int errorCode);

        /// <summary>Tuning step <paramref name="step"/> (0-based) is about to run: from here to <see cref="TuningStepFinished"/> is the step alone.</summary>
        void TuningStepStarted(int step);

        /// <summary>Tuning step <paramref name="step"/> is done, with the loss it measured before its update.</summary>
        void TuningStepFinished(int step, float loss);
    }
}
