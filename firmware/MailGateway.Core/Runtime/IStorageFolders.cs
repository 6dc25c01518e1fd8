// More folders on the card, beside the spool: one per local mailbox. Each is an IStorage of its
// own, with the same 8.3 and durability rules; the folder name itself is 8.3 too.
namespace MailGateway.Core.Runtime
{
    public interface IStorageFolders
    {
        /// <summary>The folder with this 8.3 name under the data folder, created (and made durable) if missing.</summary>
        IStorage Folder(string name);
    }
}
