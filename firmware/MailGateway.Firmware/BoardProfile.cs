// What the firmware must know about a board before it can read its configuration file: how the
// SD card is wired (SDMMC with a data width, or SPI with a bus and pins), which UART pins carry
// the console, and whether the board's network is Ethernet or Wi-Fi (a default that the card's
// board.network may override). One entry per folder under boards/; the pins are those the
// board's README documents.
namespace MailGateway.Firmware
{
    public sealed class BoardProfile
    {
        public const int SdMmc = 1;
        public const int SdSpi = 2;

        public string Id;
        /// <summary>"ethernet" or "wifi": the default for board.network.</summary>
        public string Network;

        // SD card
        public int SdInterface;
        /// <summary>SDMMC: 1 or 4 data lines.</summary>
        public int SdMmcWidth;
        /// <summary>SPI: the bus and its pins (GPIO numbers); -1 leaves a pin as the firmware set it.</summary>
        public uint SdSpiBus;
        public uint SdChipSelect;
        public int SdMosi = -1;
        public int SdMiso = -1;
        public int SdClock = -1;

        // Console UART (COM2 = the ESP32's UART1; COM1 carries the debugger and deployment)
        public string ConsolePort = "COM2";
        public int ConsoleBaud = 115200;
        public int ConsoleTx;
        public int ConsoleRx;

        /// <summary>The profile for a board folder name, or null for an unknown one.</summary>
        public static BoardProfile ById(string id)
        {
            BoardProfile p = new BoardProfile();
            p.Id = id;
            if (id == "olimex-esp32-poe-wrover")
            {
                // Ethernet LAN8720 is set up by the ESP32_OLIMEX_WROVER firmware itself.
                p.Network = "ethernet";
                p.SdInterface = SdMmc;          // on-board slot: SDMMC 1-bit, CLK 14, CMD 15, D0 2
                p.SdMmcWidth = 1;
                p.ConsoleTx = 4;                // UEXT pin 3 (TXD)
                p.ConsoleRx = 36;               // UEXT pin 4 (RXD), input-only GPIO
                return p;
            }
            if (id == "wt32-eth01")
            {
                p.Network = "ethernet";
                p.SdInterface = SdSpi;          // no slot on the board: an SPI SD module
                p.SdSpiBus = 1;
                p.SdMosi = 15;
                p.SdMiso = 2;
                p.SdClock = 14;
                p.SdChipSelect = 4;             // not GPIO12: a strapping pin (flash voltage) at reset
                p.ConsoleTx = 17;               // TXD2 on the board's header
                p.ConsoleRx = 5;                // RXD2
                return p;
            }
            if (id == "esp32-s3-psram")
            {
                p.Network = "wifi";
                p.SdInterface = SdSpi;          // an SPI SD module on the S3's FSPI pins
                p.SdSpiBus = 1;
                p.SdMosi = 11;
                p.SdMiso = 13;
                p.SdClock = 12;
                p.SdChipSelect = 10;
                p.ConsoleTx = 17;
                p.ConsoleRx = 18;
                return p;
            }
            return null;
        }
    }
}
