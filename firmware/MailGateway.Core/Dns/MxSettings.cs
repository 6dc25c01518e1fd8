// Knobs of the MX planner. Defaults from REFERENCE.md: Postfix tries at most 5 addresses per
// delivery attempt (smtp_mx_address_limit), chasquid 5 MX hosts; CNAME chains end after 8 hops
// (REFERENCE allows 10; nobody needs more than a couple); IPv4 before IPv6 for each host, since
// many small sites have IPv6 addresses but no IPv6 route.
namespace MailGateway.Core.Dns
{
    public sealed class MxSettings
    {
        /// <summary>Addresses in a plan; resolving stops once this many are found.</summary>
        public int MaxAddresses = 5;
        /// <summary>MX hosts looked at, best first; the rest of a long MX list is ignored.</summary>
        public int MaxHosts = 10;
        /// <summary>CNAMEs followed from one name, across lookups.</summary>
        public int MaxCnameDepth = 8;
        /// <summary>Ask AAAA as well as A.</summary>
        public bool LookupIPv6 = true;
        /// <summary>List a host's IPv6 addresses before its IPv4 ones.</summary>
        public bool PreferIPv6 = false;
    }
}
