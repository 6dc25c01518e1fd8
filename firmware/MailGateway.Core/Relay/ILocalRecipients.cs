// Who exists in the local domains: users, aliases and postmaster. RelayPolicy asks it for every RCPT
// to a local domain, so that mail for a user who does not exist is refused at RCPT (550 5.1.1)
// instead of being accepted and bounced later (backscatter). The implementation (the mailbox
// table) comes with local delivery; until then RelayPolicy is given none and every local part is
// known.
namespace MailGateway.Core.Relay
{
    public interface ILocalRecipients
    {
        /// <summary>
        /// True when the local part (as written in RCPT, quotes included; compare case-insensitively)
        /// names a user or alias of the local domains. Postmaster need not be listed: the policy
        /// accepts it before asking (RFC 5321 §4.5.1).
        /// </summary>
        bool IsKnown(string localPart);

        /// <summary>True when the local part is a user whose mailbox is full (552 5.2.2 at RCPT).</summary>
        bool IsMailboxFull(string localPart);
    }
}
