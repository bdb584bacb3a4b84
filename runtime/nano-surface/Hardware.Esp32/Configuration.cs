// Checked against nanoframework/nanoFramework.Hardware.Esp32: nanoFramework.Hardware.Esp32/Configuration.cs
// (SetPinFunction(int, DeviceFunction), GetFunctionPin) and DeviceTypePins.cs (DeviceFunction values: the SPI1, COM2 and
// SDMMC1 members the firmware uses, with their real values). Package nanoFramework.Hardware.Esp32 (1.6.x).
namespace nanoFramework.Hardware.Esp32
{
    public class Configuration
    {
        public static void SetPinFunction(int pin, DeviceFunction value) => throw null;
        public static int GetFunctionPin(DeviceFunction function) => throw null;
    }

    public enum DeviceFunction
    {
        SPI1_MOSI = 0x10000 + 0x100 + 0,
        SPI1_MISO = 0x10000 + 0x100 + 1,
        SPI1_CLOCK = 0x10000 + 0x100 + 2,
        COM2_TX = 0x30000 + 0x200 + 0,
        COM2_RX = 0x30000 + 0x200 + 1,
        SDMMC1_CLOCK = 0x80000 + 0x100 + 0,
        SDMMC1_COMMAND = 0x80000 + 0x100 + 1,
        SDMMC1_D0 = 0x80000 + 0x100 + 2,
        SDMMC1_D1 = 0x80000 + 0x100 + 3,
        SDMMC1_D2 = 0x80000 + 0x100 + 4,
        SDMMC1_D3 = 0x80000 + 0x100 + 5,
    }
}
