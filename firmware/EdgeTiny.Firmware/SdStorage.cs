using nanoFramework.Hardware.Esp32;
using nanoFramework.System.IO.FileSystem;

namespace EdgeTiny.Firmware
{
    /// <summary>Mounts the board's SD card as drive D:\ the way its profile says it is wired.</summary>
    public static class SdStorage
    {
        public const string Drive = "D:\\";

        /// <summary>Routes the pins, mounts the card, and returns it (throws when the card is absent or unreadable).</summary>
        public static SDCard Mount(BoardPins board)
        {
            SDCard card;
            if (board.SdKind == BoardPins.SdSpi)
            {
                // SPI1 on the profile's pins; the firmware initialises the bus itself before mounting.
                Configuration.SetPinFunction(board.Mosi, DeviceFunction.SPI1_MOSI);
                Configuration.SetPinFunction(board.Miso, DeviceFunction.SPI1_MISO);
                Configuration.SetPinFunction(board.Clock, DeviceFunction.SPI1_CLOCK);
                SDCardSpiParameters spi = new SDCardSpiParameters();
                spi.slotIndex = 0;
                spi.spiBus = 1;
                spi.chipSelectPin = (uint)board.ChipSelect;
                card = new SDCard(spi);
            }
            else
            {
                bool fourBit = board.SdKind == BoardPins.SdMmc4Bit;
                if (board.RouteSdmmcPins)
                {
                    Configuration.SetPinFunction(board.Clock, DeviceFunction.SDMMC1_CLOCK);
                    Configuration.SetPinFunction(board.Command, DeviceFunction.SDMMC1_COMMAND);
                    Configuration.SetPinFunction(board.D0, DeviceFunction.SDMMC1_D0);
                    if (fourBit)
                    {
                        Configuration.SetPinFunction(board.D1, DeviceFunction.SDMMC1_D1);
                        Configuration.SetPinFunction(board.D2, DeviceFunction.SDMMC1_D2);
                        Configuration.SetPinFunction(board.D3, DeviceFunction.SDMMC1_D3);
                    }
                }
                SDCardMmcParameters mmc = new SDCardMmcParameters();
                mmc.slotIndex = 0;
                mmc.dataWidth = fourBit ? SDCard.SDDataWidth._4_bit : SDCard.SDDataWidth._1_bit;
                card = new SDCard(mmc);
            }
            card.Mount();
            return card;
        }
    }
}
