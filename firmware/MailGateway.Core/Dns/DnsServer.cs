// A DNS server to ask: an IP address literal and a port (53 unless given), and the parser for the
// `dns.servers = ip[:port], …` setting: "192.0.2.53", "192.0.2.53:5353", "2001:db8::53",
// "[2001:db8::53]:5353", "[::1]". An empty list means "the platform's own resolver configuration"
// on the host (DnsClient reads /etc/resolv.conf); the device has none and must be given servers.
using MailGateway.Core.Relay;
using MailGateway.Core.Text;

namespace MailGateway.Core.Dns
{
    public sealed class DnsServer
    {
        public const int DefaultPort = 53;

        public readonly string Address;
        public readonly int Port;
        /// <summary>4 or 16 bytes (IPv4-mapped IPv6 as IPv4), for comparing reply sources.</summary>
        private readonly byte[] _addressBytes;

        /// <summary>Throws when address is not an IP literal or the port is out of range (a caller bug).</summary>
        public DnsServer(string address, int port)
        {
            byte[] bytes = IpAddress.Parse(address);
            if (bytes == null) throw new System.ArgumentException("not an IP address: " + address);
            if (port < 1 || port > 65535) throw new System.ArgumentException("not a port: " + port.ToString());
            Address = address;
            Port = port;
            _addressBytes = bytes;
        }

        public bool IsIPv6 { get { return _addressBytes.Length == 16; } }

        /// <summary>True when a datagram from address:port comes from this server.</summary>
        public bool Is(string address, int port)
        {
            if (port != Port) return false;
            byte[] other = IpAddress.Parse(address);
            if (other == null || other.Length != _addressBytes.Length) return false;
            for (int i = 0; i < other.Length; i++)
            {
                if (other[i] != _addressBytes[i]) return false;
            }
            return true;
        }

        /// <summary>"192.0.2.53:53", "[2001:db8::53]:53".</summary>
        public override string ToString()
        {
            return (IsIPv6 ? "[" + Address + "]" : Address) + ":" + Port.ToString();
        }

        /// <summary>One entry of dns.servers; false on anything but an IP literal with an optional port.</summary>
        public static bool TryParse(string text, out DnsServer server)
        {
            server = null;
            if (text == null) return false;
            string address = text;
            string portText = null;
            if (text.Length > 0 && text[0] == '[')
            {
                int close = text.IndexOf(']');
                if (close < 0) return false;
                address = text.Substring(1, close - 1);
                if (address.IndexOf(':') < 0) return false; // brackets are for IPv6 only
                if (close + 1 < text.Length)
                {
                    if (text[close + 1] != ':') return false;
                    portText = text.Substring(close + 2);
                }
            }
            else
            {
                int colon = text.IndexOf(':');
                if (colon >= 0 && colon == text.LastIndexOf(':'))
                {
                    address = text.Substring(0, colon);
                    portText = text.Substring(colon + 1);
                }
            }
            int port = DefaultPort;
            if (portText != null)
            {
                long value;
                if (portText.Length > 5 || !Ascii.TryParseLong(portText, out value) || value < 1 || value > 65535) return false;
                port = (int)value;
            }
            if (IpAddress.Parse(address) == null) return false;
            server = new DnsServer(address, port);
            return true;
        }

        /// <summary>
        /// A comma-separated list; spaces around entries are ignored, an empty text is an empty list.
        /// On failure error names the entry that is wrong.
        /// </summary>
        public static bool TryParseList(string text, out DnsServer[] servers, out string error)
        {
            servers = new DnsServer[0];
            error = null;
            if (text == null || Ascii.Trim(text).Length == 0) return true;
            string[] parts = text.Split(',');
            DnsServer[] parsed = new DnsServer[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                string entry = Ascii.Trim(parts[i]);
                if (!TryParse(entry, out parsed[i]))
                {
                    error = "\"" + entry + "\" is not a DNS server (ip, ip:port or [ipv6]:port)";
                    return false;
                }
            }
            servers = parsed;
            return true;
        }
    }
}
