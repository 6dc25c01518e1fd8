// Everything the gateway needs to be the mailbox host of its local domains: the users, their
// mailbox folders and the aliases. Also answers the SMTP session's "is this a local recipient?"
// (users, aliases and postmaster — RFC 5321 §4.5.1 — are; anybody else gets 550 5.1.1 at RCPT).
using MailGateway.Core.Relay;

namespace MailGateway.Core.Local
{
    public sealed class LocalMail : ILocalRecipients
    {
        public readonly IUsers Users;
        public readonly MailboxStore Mailboxes;
        public readonly AliasTable Aliases;

        public LocalMail(IUsers users, MailboxStore mailboxes, AliasTable aliases)
        {
            Users = users;
            Mailboxes = mailboxes;
            Aliases = aliases;
        }

        public bool IsMailboxFull(string localPart)
        {
            string folder = Users.MailboxFolder(Text.Ascii.ToLower(localPart));
            return folder != null && Mailboxes.IsFull(folder);
        }

        public bool IsKnown(string localPart)
        {
            string name = Text.Ascii.ToLower(localPart);
            return name == "postmaster" || Aliases.IsAlias(name) || Users.Exists(name);
        }
    }
}
