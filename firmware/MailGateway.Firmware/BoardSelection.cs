// Which board this build of the firmware is for. The SD card's wiring must be known before the
// card (and so the configuration file on it) can be read, so it is chosen here, at build time:
// set Id to one of the folders under boards/ before building and deploying (see BoardProfile).
namespace MailGateway.Firmware
{
    public static class BoardSelection
    {
        public const string Id = "olimex-esp32-poe-wrover";
    }
}
