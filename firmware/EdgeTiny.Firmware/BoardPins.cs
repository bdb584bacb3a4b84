using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Firmware
{
    /// <summary>
    /// What the firmware needs from a board profile (boards/*.json): how the SD card is wired, what a read from it costs
    /// and how much RAM the model may use. One generated file per nanoFramework board in Boards/ creates it (`edgetiny firmware-boards`).
    /// </summary>
    public sealed class BoardPins
    {
        public const int SdSpi = 1;
        public const int SdMmc1Bit = 2;
        public const int SdMmc4Bit = 3;

        public string Id;
        public string Name;
        public int SdKind;

        // SPI wiring (SdSpi).
        public int Mosi = -1;
        public int Miso = -1;
        public int Clock = -1;
        public int ChipSelect = -1;

        // SDMMC wiring (SdMmc1Bit / SdMmc4Bit); Clock is shared with SPI's.
        public int Command = -1;
        public int D0 = -1;
        public int D1 = -1;
        public int D2 = -1;
        public int D3 = -1;

        /// <summary>
        /// True where SDMMC goes through the GPIO matrix (ESP32-S3/P4: pins set with Configuration.SetPinFunction);
        /// false on the classic ESP32, whose SDMMC pins are fixed (CLK 14, CMD 15, D0 2, D1 4, D2 12, D3 13).
        /// </summary>
        public bool RouteSdmmcPins;

        // What a read from the card costs (the profile's storage: command_latency_us, bandwidth_bytes_per_second,
        // sector_bytes): the planner sizes the streaming chunk and the packed FFNs' read collapse from them.
        public int SdCommandLatencyUs;
        public long SdBandwidthBytesPerSecond;
        public int SdSectorBytes;

        public long ManagedHeapBytes;
        public long ModelBudgetBytes;

        /// <summary>Largest protocol payload: small on boards without PSRAM (the frames live outside the model budget).</summary>
        public int MaxPayload;

        /// <summary>The card's timing model, for <see cref="EdgeTiny.Runtime.RuntimeOptions.Storage"/> (the one the desktop's `--board` uses).</summary>
        public SdTimingModel StorageTiming()
        {
            return new SdTimingModel(SdCommandLatencyUs, SdBandwidthBytesPerSecond, SdSectorBytes);
        }

        /// <summary>Whether GPIO <paramref name="pin"/> is one of the SD card's.</summary>
        public bool UsesPin(int pin)
        {
            return pin >= 0 && (pin == Mosi || pin == Miso || pin == Clock || pin == ChipSelect || pin == Command
                || pin == D0 || pin == D1 || pin == D2 || pin == D3);
        }
    }
}
