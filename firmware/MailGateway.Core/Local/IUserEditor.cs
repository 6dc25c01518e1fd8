// The console's "user add | passwd | del" on the running gateway's users file (UserDirectory, USERS.DAT
// beside the spool): a new password is hashed off the loop (the host's thread pool) or a slice per
// call (a board, Pbkdf2Steps), then the change is made and the file saved on the loop's thread.
// Optional beside IUsers: a platform without it has no user commands at its console.
namespace MailGateway.Core.Local
{
    public interface IUserEditor
    {
        /// <summary>
        /// Starts "user add" (create) or "user passwd": returns a handle, or -1 with problem (an
        /// invalid or taken name, an unknown user, an empty password).
        /// </summary>
        int BeginChange(string user, string password, bool create, out string problem);

        /// <summary>-1 while the password is hashed; 0 when the change is saved; 1 when it failed (problem says why). A result releases the handle.</summary>
        int PollChange(int handle, out string problem);

        /// <summary>Removes a user and saves the file (their mailbox folder stays on the card); null or the problem.</summary>
        string Remove(string user);
    }
}
