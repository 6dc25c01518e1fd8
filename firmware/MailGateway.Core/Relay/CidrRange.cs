// One relay.allow entry: an IPv4 or IPv6 network in CIDR form ("192.168.1.0/24", "fd00::/8"), or a
// single address ("192.168.1.20" = /32, "::1" = /128). IPv4 ranges only match IPv4 clients (an
// IPv4-mapped IPv6 client address is compared in its IPv4 form, see IpAddress).
namespace MailGateway.Core.Relay
{
    public sealed class CidrRange
    {
        private readonly byte[] _network;
        private readonly int _prefixBits;

        private CidrRange(byte[] network, int prefixBits)
        {
            _network = network;
            _prefixBits = prefixBits;
        }

        /// <summary>Parses "address" or "address/bits"; null when malformed.</summary>
        public static CidrRange Parse(string text)
        {
            int slash = text.IndexOf('/');
            string addressText = slash < 0 ? text : text.Substring(0, slash);
            byte[] address = IpAddress.Parse(addressText);
            if (address == null) return null;
            // "::ffff:10.0.0.0/104" would be ambiguous once mapped to IPv4; keep ranges plain.
            if (addressText.IndexOf(':') >= 0 && address.Length == 4) return null;
            int bits = address.Length * 8;
            if (slash >= 0)
            {
                long parsed;
                if (!Text.Ascii.TryParseLong(text.Substring(slash + 1), out parsed) || parsed > bits) return null;
                bits = (int)parsed;
            }
            return new CidrRange(address, bits);
        }

        /// <summary>True when every address of this range is in outer too.</summary>
        public bool Within(CidrRange outer)
        {
            return outer._prefixBits <= _prefixBits && outer.Contains(_network);
        }

        public bool Contains(byte[] address)
        {
            if (address == null || address.Length != _network.Length) return false;
            int fullBytes = _prefixBits / 8;
            for (int i = 0; i < fullBytes; i++)
            {
                if (address[i] != _network[i]) return false;
            }
            int restBits = _prefixBits % 8;
            if (restBits == 0) return true;
            int mask = (0xff << (8 - restBits)) & 0xff;
            return (address[fullBytes] & mask) == (_network[fullBytes] & mask);
        }
    }
}
