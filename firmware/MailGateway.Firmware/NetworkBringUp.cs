// Brings up the board's network before the gateway starts: Ethernet through nanoFramework's
// NetworkHelper (the PHY is configured by the board's firmware target), or Wi-Fi through
// WifiNetworkHelper with the card's wifi.ssid/wifi.password, both with DHCP. It waits up to a
// timeout for an address; without one the gateway starts anyway (listeners on 0.0.0.0 work once
// DHCP answers, and deliveries are deferred, not lost, meanwhile). The clock is set by the
// firmware's own SNTP client once the network is up (see DeviceClock); nothing waits for it.
namespace MailGateway.Firmware
{
    public static class NetworkBringUp
    {
        /// <summary>True when the interface got an address within timeoutMs; logged either way.</summary>
        public static bool Start(DeviceSettings settings, MailGateway.Core.Runtime.ILog log, int timeoutMs)
        {
            bool ready;
            try
            {
                if (settings.Network == "wifi")
                {
                    log.Line("network: joining Wi-Fi \"" + settings.WifiSsid + "\"");
                    nanoFramework.Networking.WifiNetworkHelper.SetupNetworkHelper(settings.WifiSsid,
                        settings.WifiPassword == null ? "" : settings.WifiPassword, System.Device.Wifi.WifiReconnectionKind.Automatic, false);
                    ready = nanoFramework.Networking.WifiNetworkHelper.NetworkReady.WaitOne(timeoutMs, false);
                }
                else
                {
                    log.Line("network: Ethernet, waiting for DHCP");
                    nanoFramework.Networking.NetworkHelper.SetupNetworkHelper(false);
                    ready = nanoFramework.Networking.NetworkHelper.NetworkReady.WaitOne(timeoutMs, false);
                }
            }
            catch (System.Exception e)
            {
                log.Line("warning: network: " + e.GetType().Name + ": " + e.Message);
                return false;
            }
            if (!ready)
            {
                log.Line("warning: network: no address after " + (timeoutMs / 1000).ToString() + " s; starting anyway");
                return false;
            }
            log.Line("network: up, address " + FirstAddress());
            return true;
        }

        /// <summary>The DNS servers DHCP gave, comma-separated (for dns.servers), or null.</summary>
        public static string DhcpDnsServers()
        {
            System.Net.NetworkInformation.NetworkInterface[] all = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces();
            string list = null;
            for (int i = 0; i < all.Length; i++)
            {
                string[] dns = all[i].IPv4DnsAddresses;
                for (int j = 0; j < dns.Length; j++)
                {
                    if (dns[j] == null || dns[j].Length == 0 || dns[j] == "0.0.0.0") continue;
                    list = list == null ? dns[j] : list + ", " + dns[j];
                }
            }
            return list;
        }

        private static string FirstAddress()
        {
            System.Net.NetworkInformation.NetworkInterface[] all = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces();
            for (int i = 0; i < all.Length; i++)
            {
                if (all[i].IPv4Address != "0.0.0.0") return all[i].IPv4Address;
            }
            return "none";
        }
    }
}
