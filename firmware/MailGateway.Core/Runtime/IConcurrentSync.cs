// A storage that can make several files durable at once. The spool's group commit (Spool header)
// hands it every file of a batch in one call; the host syncs them on parallel threads, so the file
// system merges their journal commits and the batch costs about one fsync instead of one each. A
// storage without it (the card: FAT syncs one file at a time anyway) is synced file by file.
namespace MailGateway.Core.Runtime
{
    public interface IConcurrentSync
    {
        /// <summary>
        /// Syncs handles[0..count-1] (IStorage.Sync for each); errors[i] gets the message of the
        /// failure of handles[i], or null when it is durable. Returns when every sync has ended.
        /// </summary>
        void SyncAll(int[] handles, int count, string[] errors);
    }
}
