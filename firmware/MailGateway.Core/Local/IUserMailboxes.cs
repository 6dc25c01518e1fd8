// Which mailbox folder a local user has (the users file answers); null for no such user.
namespace MailGateway.Core.Local
{
    public interface IUserMailboxes
    {
        string MailboxFolder(string user);
    }
}
