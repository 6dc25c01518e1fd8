// The users of the local domains as the running gateway asks about them: who exists, where their
// mailbox is, whether a password is right (asked and answered separately, so that the slow hash
// need not stop the loop). The users file (UserDirectory) answers; the host keeps it current while
// `mailgw user` edits it.
namespace MailGateway.Core.Local
{
    public interface IUsers : IUserMailboxes
    {
        bool Exists(string user);

        /// <summary>Every user's name (for counting their mailboxes against the card at start-up).</summary>
        string[] Names();

        /// <summary>
        /// Starts checking a password (slow on purpose: PBKDF2) and returns a handle at once; the
        /// platform may do the work off the loop's thread (the host does, on the thread pool).
        /// </summary>
        int BeginVerify(string user, string password);

        /// <summary>-1 while the check runs, 0 for a wrong password or unknown user, 1 for right; a result releases the handle.</summary>
        int PollVerify(int handle);
    }
}
