// The keys only the firmware uses (how the board reaches the network, where its TLS trust anchors
// are on the card, the console's speed). The core checks them, so that `mailgw check-config`
// accepts a board's file and names a bad value with its line, and otherwise leaves them to the
// firmware (MailGateway.Firmware/DeviceSettings), which reads them from the same file.
//
//   board.network  = ethernet | wifi
//   wifi.ssid      = <network name>      (1 to 32 characters)
//   wifi.password  = <passphrase>        (8 to 63 characters, WPA2; empty for an open network)
//   tls.ca_file    = D:\CAROOTS.PEM      trust anchors (PEM) for verifying the smarthost
//   console.baud   = 115200              the console UART's speed (1200 to 921600)
using MailGateway.Core.Text;

namespace MailGateway.Core.Config
{
    public static class DeviceKeys
    {
        public static bool IsDeviceKey(string key)
        {
            return key == "board.network" || key == "wifi.ssid" || key == "wifi.password" || key == "tls.ca_file" ||
                   key == "console.baud";
        }

        /// <summary>Null when value is acceptable for the device key, else what is wrong.</summary>
        public static string Check(string key, string value)
        {
            if (key == "board.network")
            {
                return value == "ethernet" || value == "wifi" ? null : "board.network: \"" + value + "\" is not ethernet or wifi";
            }
            if (key == "wifi.ssid")
            {
                return value.Length >= 1 && value.Length <= 32 ? null : "wifi.ssid: 1 to 32 characters";
            }
            if (key == "wifi.password")
            {
                return value.Length == 0 || (value.Length >= 8 && value.Length <= 63) ? null : "wifi.password: 8 to 63 characters (WPA2), or empty for an open network";
            }
            if (key == "tls.ca_file")
            {
                return value.Length > 3 && value[1] == ':' && value[2] == '\\' ? null : "tls.ca_file: a path on the card, e.g. D:\\CAROOTS.PEM";
            }
            if (key == "console.baud")
            {
                long baud;
                bool ok = Ascii.TryParseLong(value, out baud) && baud >= 1200 && baud <= 921600;
                return ok ? null : "console.baud: a whole number from 1200 to 921600";
            }
            return key + ": not a device key";
        }

    }
}
