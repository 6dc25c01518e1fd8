// Declared from nanoFramework.System.Device.Wifi (namespaces System.Device.Wifi and
// nanoFramework.Networking): joining a Wi-Fi network with DHCP. Empty bodies: a compile-time
// description of the device's API, never run.
namespace System.Device.Wifi
{
    // nanoFramework.System.Device.Wifi | System.Device.Wifi
    public enum WifiReconnectionKind
    {
        // nanoFramework.System.Device.Wifi | System.Device.Wifi
        Automatic = 0,
        // nanoFramework.System.Device.Wifi | System.Device.Wifi
        Manual = 1,
    }
}

namespace nanoFramework.Networking
{
    // nanoFramework.System.Device.Wifi | nanoFramework.Networking
    public static class WifiNetworkHelper
    {
        // nanoFramework.System.Device.Wifi | nanoFramework.Networking
        public static global::System.Threading.ManualResetEvent NetworkReady { get { throw new global::System.NotImplementedException(); } }
        // nanoFramework.System.Device.Wifi | nanoFramework.Networking
        public static void SetupNetworkHelper(string ssid, string password,
            global::System.Device.Wifi.WifiReconnectionKind reconnectionKind = global::System.Device.Wifi.WifiReconnectionKind.Automatic,
            bool requiresDateTime = false)
        {
            throw new global::System.NotImplementedException();
        }
    }
}
