// One resource record as a value (RFC 1035 §3.2.1, §3.3.1 CNAME, §3.3.9 MX, §3.4.1 A; RFC 3596
// §2.2 AAAA). Names are text without the trailing dot, the root is "" (so a null MX, RFC 7505, has
// Target ""); addresses are text ("192.0.2.1", "2001:db8::1", see DnsAddressText).
namespace MailGateway.Core.Dns
{
    public sealed class DnsRecord
    {
        /// <summary>The owner name.</summary>
        public readonly string Name;
        public readonly int Type;
        public readonly long TtlSeconds;
        /// <summary>MX preference; 0 for other types.</summary>
        public readonly int Preference;
        /// <summary>MX exchange or CNAME target; null for A/AAAA.</summary>
        public readonly string Target;
        /// <summary>A or AAAA address text; null for MX/CNAME.</summary>
        public readonly string Address;

        public DnsRecord(string name, int type, long ttlSeconds, int preference, string target, string address)
        {
            Name = name;
            Type = type;
            TtlSeconds = ttlSeconds;
            Preference = preference;
            Target = target;
            Address = address;
        }

        public static DnsRecord Mx(string name, long ttlSeconds, int preference, string exchange)
        {
            return new DnsRecord(name, DnsType.MX, ttlSeconds, preference, exchange, null);
        }

        public static DnsRecord Cname(string name, long ttlSeconds, string target)
        {
            return new DnsRecord(name, DnsType.CNAME, ttlSeconds, 0, target, null);
        }

        /// <summary>An A record when the address text has no ':', else AAAA.</summary>
        public static DnsRecord Addr(string name, long ttlSeconds, string address)
        {
            return new DnsRecord(name, address.IndexOf(':') >= 0 ? DnsType.AAAA : DnsType.A, ttlSeconds, 0, null, address);
        }

        /// <summary>Zone-file style, without TTL: "example.org MX 10 mx.example.org", "a.example A 192.0.2.1".</summary>
        public override string ToString()
        {
            string data;
            if (Type == DnsType.MX) data = Preference.ToString() + " " + (Target.Length == 0 ? "." : Target);
            else if (Target != null) data = Target.Length == 0 ? "." : Target;
            else data = Address;
            return (Name.Length == 0 ? "." : Name) + " " + DnsType.Name(Type) + " " + data;
        }
    }
}
