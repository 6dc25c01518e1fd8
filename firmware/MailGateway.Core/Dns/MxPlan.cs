// Where to deliver mail for a domain, as the MX planner found it: either targets in the order to
// try them, or a failure as an SMTP reply value (the same shape a remote server's refusal has, so
// delivery treats "DNS says no" like "the server says no"): 4xx is temporary (keep the message and
// retry), 5xx permanent (bounce). Codes (RFC 3463, RFC 7505, REFERENCE.md's DNS table):
//   451 4.4.3  DNS temporarily unusable: SERVFAIL, timeout, unreachable, malformed, REFUSED, FORMERR
//   550 5.1.2  the domain does not exist (NXDOMAIN)
//   550 5.4.4  no MX and no A/AAAA, or no MX host has an address
//   554 5.4.6  the best MX is this gateway (mail would loop)
//   556 5.1.10 the domain accepts no mail (null MX)
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Dns
{
    public sealed class MxPlan
    {
        private static readonly MxTarget[] NoTargets = new MxTarget[0];

        public readonly string Domain;
        /// <summary>Addresses to try, best first; empty on failure.</summary>
        public readonly MxTarget[] Targets;
        /// <summary>Why there are no targets; null when there are.</summary>
        public readonly Reply Failure;
        /// <summary>True when the domain had no MX records and its own addresses are used (RFC 5321 §5.1).</summary>
        public readonly bool ImplicitMx;

        private MxPlan(string domain, MxTarget[] targets, Reply failure, bool implicitMx)
        {
            Domain = domain;
            Targets = targets == null ? NoTargets : targets;
            Failure = failure;
            ImplicitMx = implicitMx;
        }

        public static MxPlan Deliver(string domain, MxTarget[] targets, bool implicitMx)
        {
            return new MxPlan(domain, targets, null, implicitMx);
        }

        public static MxPlan Fail(string domain, Reply failure)
        {
            return new MxPlan(domain, null, failure, false);
        }

        public bool Succeeded { get { return Failure == null; } }
        public bool IsPermanentFailure { get { return Failure != null && Failure.Code >= 500; } }
        public bool IsTemporaryFailure { get { return Failure != null && Failure.Code < 500; } }

        public override string ToString()
        {
            if (Failure != null) return Domain + ": " + Failure.ToString();
            string text = Domain + ":";
            for (int i = 0; i < Targets.Length; i++) text = text + " " + Targets[i].ToString();
            return text;
        }
    }
}
