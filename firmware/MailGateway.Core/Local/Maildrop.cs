// One POP3 session's view of a mailbox folder (RFC 1939 §8): the messages present when the session
// logged in, numbered 1..n for the whole session, their sizes and unique IDs (the queue ID of the
// delivery, which never changes), deletions marked and only carried out at QUIT. The mailbox is
// locked for the session (MailboxStore.TryLock) and unlocked by Unlock.
// At most pop3.max_messages of them, the oldest first: a mailbox that filled up with thousands of
// snapshots is served a batch at a time (the next batch once these are deleted), so a session's
// memory is bounded (17 bytes a message: its queue ID as a number, its size, its mark).
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Local
{
    public sealed class Maildrop : IMaildrop
    {
        private readonly MailboxStore _store;
        private readonly string _folder;
        private readonly IStorage _storage;
        private readonly long[] _ids;          // queue IDs (SpoolNames), the file names' stems
        private readonly long[] _sizes;
        private readonly bool[] _deleted;
        // One file open for reading at a time (RETR and TOP read sequentially).
        private int _openIndex = -1;
        private int _openHandle = -1;

        /// <summary>Opens a locked mailbox (the caller has taken the lock with MailboxStore.TryLock), showing its first maxMessages.</summary>
        public Maildrop(MailboxStore store, string folder, int maxMessages)
        {
            _store = store;
            _folder = folder;
            _storage = store.Folder(folder);
            _ids = store.FirstMessages(folder, maxMessages);
            _sizes = new long[_ids.Length];
            _deleted = new bool[_ids.Length];
            for (int i = 0; i < _ids.Length; i++) _sizes[i] = _storage.Length(FileName(i));
        }

        private string FileName(int index)
        {
            return Spool.SpoolNames.MakeQueueId(_ids[index]) + MailboxStore.MessageExtension;
        }

        public int Count { get { return _ids.Length; } }

        public long Size(int index) { return _sizes[index]; }

        public string Uid(int index) { return Spool.SpoolNames.MakeQueueId(_ids[index]); }

        public int Read(int index, long position, byte[] buffer, int offset, int count)
        {
            if (_openIndex != index)
            {
                CloseFile();
                _openHandle = _storage.OpenRead(FileName(index));
                _openIndex = index;
            }
            return _storage.Read(_openHandle, position, buffer, offset, count);
        }

        public void MarkDeleted(int index)
        {
            _deleted[index] = true;
        }

        public void UnmarkAll()
        {
            for (int i = 0; i < _deleted.Length; i++) _deleted[i] = false;
        }

        /// <summary>
        /// Deletes the marked messages (the UPDATE state) and gives their room back to the card;
        /// false when some could not be removed (a failing card): they stay, and the user deletes
        /// them again next time (RFC 1939 §6: "-ERR some deleted messages not removed").
        /// </summary>
        public bool CommitDeletions()
        {
            CloseFile();
            bool all = true;
            bool any = false;
            for (int i = 0; i < _ids.Length; i++)
            {
                if (!_deleted[i]) continue;
                try
                {
                    _storage.Delete(FileName(i));
                    _store.Release(_folder, _sizes[i]);
                    any = true;
                }
                catch (System.IO.IOException)
                {
                    all = false;
                }
            }
            try
            {
                if (any) _storage.SyncDirectory();
            }
            catch (System.IO.IOException)
            {
                // The deletions may not survive a power cut: the user sees those messages again.
                all = false;
            }
            return all;
        }

        public void Unlock()
        {
            CloseFile();
            _store.Unlock(_folder);
        }

        // A message file opened for reading holds nothing on the card: a Close that reports an error
        // does not matter (the handle is released all the same, IStorage.Close).
        private void CloseFile()
        {
            int handle = _openHandle;
            _openHandle = -1;
            _openIndex = -1;
            if (handle < 0) return;
            try
            {
                _storage.Close(handle);
            }
            catch (System.IO.IOException)
            {
            }
        }
    }
}
