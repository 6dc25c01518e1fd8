// Where one group of recipients goes on one attempt (DESIGN step 2), as the Router decides it.
using MailGateway.Core.Config;

namespace MailGateway.Core.Delivery
{
    public sealed class Destination
    {
        public const int Mx = 0;         // the recipient domain's MX hosts, found in DNS
        public const int Route = 1;      // route.<domain> = host[:port]
        public const int Smarthost = 2;  // relay.smarthost, with TLS and AUTH as configured
        public const int Local = 3;      // a local domain with no route: local mailboxes (a later release)

        private static readonly string[] Names = { "mx", "route", "smarthost", "local" };

        public readonly int Kind;
        /// <summary>The recipient domain (Mx), or the configured host and port.</summary>
        public readonly string Domain;
        public readonly HostPort Target;

        public Destination(int kind, string domain, HostPort target)
        {
            Kind = kind;
            Domain = domain;
            Target = target;
        }

        /// <summary>Recipients with equal keys travel together in one attempt.</summary>
        public string Key
        {
            get { return Names[Kind] + ":" + (Target != null ? Target.ToString() : Domain); }
        }

        public static string KindName(int kind) { return kind >= 0 && kind < Names.Length ? Names[kind] : "?"; }
    }
}
