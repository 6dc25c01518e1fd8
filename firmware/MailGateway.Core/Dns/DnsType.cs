// DNS record types and classes this gateway reads (RFC 1035 §3.2.2, RFC 3596 §2.1 for AAAA,
// RFC 6891 §6.1.1 for OPT). Plain int constants, not an enum: a record type off the wire can be any
// 16-bit value, and the codec skips the ones it does not know. Name gives the mnemonic for logs
// (enum names print as numbers on the device).
namespace MailGateway.Core.Dns
{
    public static class DnsType
    {
        public const int A = 1;
        public const int NS = 2;
        public const int CNAME = 5;
        public const int SOA = 6;
        public const int MX = 15;
        public const int AAAA = 28;
        public const int OPT = 41;

        /// <summary>The Internet class; the only class this gateway asks or accepts.</summary>
        public const int ClassIN = 1;

        /// <summary>"MX", "A", ... or "TYPE99" for the rest (RFC 3597 §5 style).</summary>
        public static string Name(int type)
        {
            switch (type)
            {
                case A: return "A";
                case NS: return "NS";
                case CNAME: return "CNAME";
                case SOA: return "SOA";
                case MX: return "MX";
                case AAAA: return "AAAA";
                case OPT: return "OPT";
                default: return "TYPE" + type.ToString();
            }
        }
    }
}
