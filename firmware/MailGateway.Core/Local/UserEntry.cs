// One user of the local domains, as the users file keeps it: the name (lower case), the 8.3 name of
// the mailbox folder (fixed at creation, never reused) and the salted PBKDF2 password hash.
namespace MailGateway.Core.Local
{
    public sealed class UserEntry
    {
        public string Name;
        public string Folder;
        public int Iterations;
        public byte[] Salt;
        public byte[] Hash;
    }
}
