// The users of the local domains as the running gateway asks about them: who exists, where their
// mailbox is, whether a password is right. The users file (UserDirectory) answers; the host keeps
// it current while `mailgw user` edits it.
namespace MailGateway.Core.Local
{
    public interface IUsers : IUserMailboxes
    {
        bool Exists(string user);

        /// <summary>True when password is the user's (slow on purpose: PBKDF2).</summary>
        bool Verify(string user, string password);
    }
}
