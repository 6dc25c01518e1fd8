// The relay decision for one RCPT (DESIGN step 1): may this client send mail to this recipient?
//
// Accepted when
//   - the recipient is the bare <postmaster> (RFC 5321 §4.5.1), or
//   - its domain is in local.domains or relay.domains and its local part carries no
//     sender-specified routing ('%', '!', quoted '@'), or
//   - the client is trusted: its address is in relay.allow, or it authenticated with SMTP AUTH
//     (the session passes "trusted or authenticated" as one flag).
// Everything else is "554 5.7.1 Relay access denied". An address literal never matches a domain.
// A recipient in a local domain must also be known (IsKnownRecipient): ILocalRecipients lists the
// users and aliases; postmaster always is (RFC 5321 §4.5.1); without a list every local part is.
// The policy is pure: the session asks, gets a yes or no, and does no I/O for it.
namespace MailGateway.Core.Relay
{
    public sealed class RelayPolicy
    {
        private readonly string[] _localDomains;
        private readonly string[] _relayDomains;
        private readonly CidrRange[] _allowed;
        private readonly ILocalRecipients _localRecipients;

        public RelayPolicy(string[] localDomains, string[] relayDomains, CidrRange[] allowed)
            : this(localDomains, relayDomains, allowed, null)
        {
        }

        /// <summary>localRecipients null: every local part of a local domain is known.</summary>
        public RelayPolicy(string[] localDomains, string[] relayDomains, CidrRange[] allowed, ILocalRecipients localRecipients)
        {
            _localDomains = LowerAll(localDomains);
            _relayDomains = LowerAll(relayDomains);
            _allowed = allowed;
            _localRecipients = localRecipients;
        }

        /// <summary>True when the client's address (text) is inside one of the relay.allow ranges.</summary>
        public bool IsTrustedClient(string clientAddress)
        {
            byte[] address = IpAddress.Parse(clientAddress);
            if (address == null) return false;
            for (int i = 0; i < _allowed.Length; i++)
            {
                if (_allowed[i].Contains(address)) return true;
            }
            return false;
        }

        public bool IsLocalDomain(string domain)
        {
            return Contains(_localDomains, domain);
        }

        /// <summary>trustedClient: the client is in relay.allow or has authenticated (SMTP AUTH).</summary>
        public bool MayRelay(Smtp.MailPath recipient, bool trustedClient)
        {
            if (recipient.IsBarePostmaster) return true;
            if (trustedClient) return true;
            string domain = recipient.Domain;
            if (domain == null || recipient.IsAddressLiteral) return false;
            if (recipient.HasRoutingInLocalPart) return false;
            return Contains(_localDomains, domain) || Contains(_relayDomains, domain);
        }

        /// <summary>
        /// False only for a recipient in a local domain whose local part the local recipient table
        /// does not know (550 5.1.1). Postmaster, other domains and address literals are not judged here.
        /// </summary>
        public bool IsKnownRecipient(Smtp.MailPath recipient)
        {
            if (_localRecipients == null) return true;
            if (recipient.IsBarePostmaster || recipient.IsAddressLiteral) return true;
            if (!Contains(_localDomains, recipient.Domain)) return true;
            string local = recipient.LocalPart;
            if (Text.Ascii.EqualsIgnoreCase(local, "postmaster")) return true;
            return _localRecipients.IsKnown(local);
        }

        /// <summary>True for a recipient in a local domain whose mailbox is full (552 5.2.2, RFC 3463).</summary>
        public bool IsMailboxFull(Smtp.MailPath recipient)
        {
            if (_localRecipients == null || recipient.IsAddressLiteral || recipient.Domain == null) return false;
            if (!Contains(_localDomains, recipient.Domain)) return false;
            return _localRecipients.IsMailboxFull(recipient.LocalPart);
        }

        private static bool Contains(string[] domains, string domain)
        {
            if (domain == null) return false;
            for (int i = 0; i < domains.Length; i++)
            {
                if (Text.Ascii.EqualsIgnoreCase(domains[i], domain)) return true;
            }
            return false;
        }

        private static string[] LowerAll(string[] domains)
        {
            string[] lower = new string[domains.Length];
            for (int i = 0; i < domains.Length; i++) lower[i] = Text.Ascii.ToLower(domains[i]);
            return lower;
        }
    }
}
