// How one DNS lookup ended (RFC 1035 §4.1.1 RCODEs, RFC 2308 §2 for NXDOMAIN and NODATA), plus the
// ways it can end without a usable answer. The planner maps these to delivery outcomes with the
// table in REFERENCE.md: NxDomain is permanent; everything from ServFail down is temporary (the
// gateway never bounces mail because it cannot reach DNS).
namespace MailGateway.Core.Dns
{
    public enum DnsStatus
    {
        /// <summary>NOERROR with records of the asked type (for the name or the end of its CNAME chain).</summary>
        Ok,
        /// <summary>NOERROR, the name exists, no records of the asked type (RFC 2308 §2.2 NODATA).</summary>
        NoData,
        /// <summary>NOERROR, the name is an alias (CNAME) and the answer holds no records of the type for its target: ask again for CanonicalName.</summary>
        Alias,
        /// <summary>RCODE 3: the name does not exist (RFC 2308 §2.1).</summary>
        NxDomain,
        /// <summary>RCODE 2, or an RCODE this gateway does not know.</summary>
        ServFail,
        /// <summary>RCODE 5 REFUSED or 4 NOTIMP: the server will not answer this.</summary>
        Refused,
        /// <summary>RCODE 1: the server could not read our query.</summary>
        FormErr,
        /// <summary>No answer within the tries and their timeouts.</summary>
        Timeout,
        /// <summary>Answers came back but none could be read (or a TCP answer was cut short).</summary>
        Malformed,
        /// <summary>No query could be sent: no servers configured, no socket, no route, TCP refused.</summary>
        Unreachable,
        Count,
    }

    public static class DnsStatusNames
    {
        private static readonly string[] Names =
        {
            "OK", "NODATA", "ALIAS", "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "TIMEOUT", "MALFORMED", "UNREACHABLE",
        };

        public static string Name(DnsStatus status)
        {
            int i = (int)status;
            return i >= 0 && i < Names.Length ? Names[i] : "STATUS" + i.ToString();
        }

        /// <summary>True for the outcomes that say nothing about the name: retry later, never bounce.</summary>
        public static bool IsTemporary(DnsStatus status)
        {
            return status >= DnsStatus.ServFail && status < DnsStatus.Count;
        }
    }
}
