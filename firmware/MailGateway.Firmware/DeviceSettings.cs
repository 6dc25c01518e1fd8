// The device-only keys of the configuration file on the card (D:\mailgw.conf), which the
// portable core's ConfigParser checks (Config/DeviceKeys, so `mailgw check-config` takes the same
// file) but does not use: how the board reaches the network and where its TLS trust anchors are. The file has one syntax for both (ConfigParser's: "key = value", '#' at the
// start of a line or after white space starts a comment, the last of a repeated key wins); this
// class takes the device keys out and hands the core the rest with those lines blanked, so the
// core's line numbers in error messages stay right and it never sees a key it would refuse.
//
//   board.network  = ethernet | wifi     (default: the board's own, see BoardProfile)
//   wifi.ssid      = <network name>      (board.network = wifi)
//   wifi.password  = <passphrase>        (a '#' inside it is fine, as in the core's passwords)
//   tls.ca_file    = D:\CAROOTS.PEM      trust anchors (PEM, one or more certificates) for
//                                        verifying the smarthost; the board has no certificate store
//   console.baud   = 115200              the console UART's speed
using MailGateway.Core.Config;

namespace MailGateway.Firmware
{
    public sealed class DeviceSettings
    {
        public string Network;
        public string WifiSsid;
        public string WifiPassword;
        public string TlsCaFile;
        public int ConsoleBaud;

        /// <summary>
        /// Reads the device keys out of the file's text into a new DeviceSettings (defaults from the
        /// board profile) and returns, in coreText, the text with those lines blanked. Null problem
        /// when all is well, else "file:line: problem".
        /// </summary>
        public static string Split(string text, string fileName, BoardProfile board, out DeviceSettings settings, out string coreText)
        {
            settings = new DeviceSettings();
            settings.Network = board.Network;
            settings.ConsoleBaud = board.ConsoleBaud;
            coreText = text;
            string[] lines = text.Split('\n');
            bool changed = false;
            for (int i = 0; i < lines.Length; i++)
            {
                string key;
                string value;
                if (!ConfigParser.TryKeyValue(lines[i], out key, out value) || !DeviceKeys.IsDeviceKey(key)) continue;
                string problem = DeviceKeys.Check(key, value);
                if (problem != null) return fileName + ":" + (i + 1).ToString() + ": " + problem;
                settings.Apply(key, value);
                lines[i] = "";
                changed = true;
            }
            if (settings.Network == "wifi" && (settings.WifiSsid == null || settings.WifiSsid.Length == 0))
            {
                return fileName + ": board.network = wifi needs wifi.ssid";
            }
            if (changed) coreText = Join(lines);
            return null;
        }

        private void Apply(string key, string value)
        {
            if (key == "board.network") Network = value;
            else if (key == "wifi.ssid") WifiSsid = value;
            else if (key == "wifi.password") WifiPassword = value;
            else if (key == "tls.ca_file") TlsCaFile = value;
            else if (key == "console.baud") ConsoleBaud = (int)long.Parse(value);
        }

        private static string Join(string[] lines)
        {
            string[] parts = new string[lines.Length * 2 - 1];
            for (int i = 0; i < lines.Length; i++)
            {
                parts[i * 2] = lines[i];
                if (i > 0) parts[i * 2 - 1] = "\n";
            }
            return string.Concat(parts);
        }
    }
}
