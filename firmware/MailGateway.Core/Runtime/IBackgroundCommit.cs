// A storage that commits a batch of new queue files beside the loop (the host: on a thread of its
// own), so that the loop goes on serving every other session while the disk syncs. The spool's
// group commit (Spool header) hands it the whole batch: for each file, sync it, close it and rename
// it from its temporary name to its final one (never over an existing name); then one folder sync
// for all the renames. The loop asks each pass whether the batch has ended, and the storage wakes
// the loop when it does (the host wires that to its network's Wait). One batch runs at a time. A
// storage without it (the card, the simulator) is committed within the pass, file by file.
namespace MailGateway.Core.Runtime
{
    public interface IBackgroundCommit
    {
        /// <summary>
        /// Starts the batch. The handles are the storage's from then on: it syncs and closes them.
        /// A batch of no files is just the folder sync (for the removals of delivered messages).
        /// </summary>
        void StartCommit(int[] handles, string[] from, string[] to, int count);

        /// <summary>
        /// False while the batch runs. Then true, once, with for each file renamed[i] (synced and
        /// renamed) or, when not, errors[i] (why; null when the final name was taken), and
        /// folderError: null when the folder sync made every rename durable, else why not.
        /// </summary>
        bool FinishCommit(bool[] renamed, string[] errors, out string folderError);

        /// <summary>Blocks until a running batch has ended (at shutdown); FinishCommit then gives its result.</summary>
        void WaitCommit();
    }
}
