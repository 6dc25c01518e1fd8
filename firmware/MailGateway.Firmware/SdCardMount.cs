// Mounts the board's SD card as drive D:\ (nanoFramework.System.IO.FileSystem's SDCard): SDMMC
// with 1 or 4 data lines, or SPI with the bus's pins routed first (nanoFramework.Hardware.Esp32's
// Configuration.SetPinFunction) and a chip-select GPIO. A card that is slow to power up gets a
// few tries. The SDCard object is kept for the life of the program: its finalizer unmounts.
namespace MailGateway.Firmware
{
    public static class SdCardMount
    {
        public const int Attempts = 5;
        public const int PauseMs = 2000;

        private static nanoFramework.System.IO.FileSystem.SDCard _card;

        /// <summary>True once D:\ is mounted; every failure is logged.</summary>
        public static bool Mount(BoardProfile board, MailGateway.Core.Runtime.ILog log)
        {
            for (int attempt = 1; attempt <= Attempts; attempt++)
            {
                try
                {
                    if (_card == null) _card = Create(board);
                    _card.Mount();
                    if (_card.IsMounted)
                    {
                        log.Line("SD card mounted as D:\\ (" + Describe(board) + ")");
                        return true;
                    }
                    log.Line("warning: SD card not mounted (" + Describe(board) + "), attempt " + attempt.ToString());
                }
                catch (System.Exception e)
                {
                    log.Line("warning: SD card (" + Describe(board) + "): " + e.GetType().Name + ": " + e.Message +
                             ", attempt " + attempt.ToString());
                }
                System.Threading.Thread.Sleep(PauseMs);
            }
            return false;
        }

        private static nanoFramework.System.IO.FileSystem.SDCard Create(BoardProfile board)
        {
            if (board.SdInterface == BoardProfile.SdMmc)
            {
                nanoFramework.System.IO.FileSystem.SDCardMmcParameters mmc = new nanoFramework.System.IO.FileSystem.SDCardMmcParameters();
                mmc.slotIndex = 0;
                mmc.dataWidth = board.SdMmcWidth == 4 ? nanoFramework.System.IO.FileSystem.SDCard.SDDataWidth._4_bit
                                                      : nanoFramework.System.IO.FileSystem.SDCard.SDDataWidth._1_bit;
                return new nanoFramework.System.IO.FileSystem.SDCard(mmc);
            }
            if (board.SdMosi >= 0) nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(board.SdMosi, nanoFramework.Hardware.Esp32.DeviceFunction.SPI1_MOSI);
            if (board.SdMiso >= 0) nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(board.SdMiso, nanoFramework.Hardware.Esp32.DeviceFunction.SPI1_MISO);
            if (board.SdClock >= 0) nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(board.SdClock, nanoFramework.Hardware.Esp32.DeviceFunction.SPI1_CLOCK);
            nanoFramework.System.IO.FileSystem.SDCardSpiParameters spi = new nanoFramework.System.IO.FileSystem.SDCardSpiParameters();
            spi.slotIndex = 0;
            spi.spiBus = board.SdSpiBus;
            spi.chipSelectPin = board.SdChipSelect;
            return new nanoFramework.System.IO.FileSystem.SDCard(spi);
        }

        private static string Describe(BoardProfile board)
        {
            if (board.SdInterface == BoardProfile.SdMmc) return "SDMMC " + board.SdMmcWidth.ToString() + "-bit";
            return "SPI" + board.SdSpiBus.ToString() + ", CS GPIO" + board.SdChipSelect.ToString();
        }
    }
}
