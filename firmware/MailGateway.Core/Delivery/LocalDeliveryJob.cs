// Delivery into local mailboxes (DESIGN step 4): the recipients of one message that are users of a
// local domain. For each, the message is copied from the spool into the user's mailbox folder
// (MailboxStore: .TMP, sync, rename to .EML, folder sync) in bounded chunks per Step, so a large
// message does not hold the loop; the outcome is Delivered only once the file is durable.
// A user who no longer exists (removed after the message was accepted) is a permanent 5.1.1; a
// card error, a full card (4.3.1) and a full mailbox (4.2.2: local.mailbox_max_bytes) are
// temporary: the message waits in the queue until there is room. Aliases were expanded when the
// message was accepted.
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public sealed class LocalDeliveryJob : IDeliveryJob
    {
        /// <summary>Body bytes copied per Step.</summary>
        public const int BytesPerStep = 64 * 1024;

        private readonly IStorage _spool;
        private readonly byte[] _scratch;  // the loop's: the body passes through it on its way to the mailbox
        private readonly ILog _log;
        private readonly MailboxStore _mailboxes;
        private readonly IUserMailboxes _users;
        private readonly QueuedMessage _message;
        private readonly int[] _recipients;
        private readonly AttemptOutcome[] _outcomes;
        private int _current;

        // The copy in progress
        private IStorage _folder;
        private string _folderName;
        private int _handle = -1;
        private MessageBody _body;
        private string _temporaryName;
        private string _finalName;
        private long _reserved;           // mailbox and card room taken for this copy

        /// <summary>scratch: the loop's scratch buffer (at least MessageBody.MinRead); log: where warnings about the card go (null: nowhere).</summary>
        public LocalDeliveryJob(IStorage spool, byte[] scratch, MailboxStore mailboxes, IUserMailboxes users, QueuedMessage message, int[] recipients, ILog log)
        {
            _log = log;
            _spool = spool;
            _scratch = scratch;
            _mailboxes = mailboxes;
            _users = users;
            _message = message;
            _recipients = recipients;
            _outcomes = new AttemptOutcome[recipients.Length];
        }

        public AttemptOutcome[] Outcomes { get { return _outcomes; } }

        public long PollDeadline()
        {
            return 0; // there is always work until it is done; Step bounds each piece
        }

        public bool Step(long nowMs)
        {
            if (_current >= _recipients.Length) return true;
            try
            {
                if (_handle < 0 && !StartCopy()) return _current >= _recipients.Length;
                if (CopySome()) FinishCopy();
            }
            catch (System.IO.IOException e)
            {
                Abandon();
                Decide(AttemptOutcome.Transient, "4.3.0", "451 4.3.0 cannot write to the mailbox: " + e.Message);
            }
            return _current >= _recipients.Length;
        }

        public void Abort()
        {
            Abandon();
            while (_current < _recipients.Length) Decide(AttemptOutcome.Transient, "4.3.2", "delivery stopped: mail system shutting down");
        }

        // Opens the current recipient's copy; false when that recipient was decided at once.
        private bool StartCopy()
        {
            string address = _message.Recipients[_recipients[_current]].Address;
            int at = address.LastIndexOf('@');
            string user = Ascii.ToLower(at < 0 ? address : address.Substring(0, at));
            string folder = _users.MailboxFolder(user);
            if (folder == null)
            {
                Decide(AttemptOutcome.Permanent, "5.1.1", "550 5.1.1 <" + address + ">: no such user here");
                return false;
            }
            // RFC 5321 §4.4: the final delivery adds Return-Path; Delivered-To names the mailbox.
            byte[] fields = Ascii.GetBytes("Return-Path: <" + _message.Envelope.Sender + ">\r\nDelivered-To: " + address + "\r\n");
            long length = fields.Length + _message.BodyBytes;
            bool found;
            string name = _mailboxes.FindName(folder, _message.QueueId, length, out found);
            if (found)
            {
                // Stored before a crash or a card error, not yet recorded in the queue: do not store
                // it twice. Its name may not be durable yet (the folder sync after the rename may
                // have failed): sync it before the queue lets go. A .TMP that a rename torn by a power
                // cut left beside it shares its clusters on FAT: deleting it would free the
                // message's, so it stays, and the log says so (as the spool does).
                IStorage mailbox = _mailboxes.Folder(folder);
                mailbox.SyncDirectory();
                if (_log != null && mailbox.Exists(name + MailboxStore.TemporaryExtension))
                {
                    _log.Line(_message.QueueId + ": warning: " + name + MailboxStore.TemporaryExtension + " left in place beside " +
                              name + MailboxStore.MessageExtension + " in mailbox " + folder + "; check the card");
                }
                Decide(AttemptOutcome.Delivered, "2.0.0", "250 2.0.0 already in mailbox " + folder);
                return false;
            }
            if (name == null) throw new System.IO.IOException("no free file name for " + _message.QueueId + " in mailbox " + folder);
            _folderName = folder;
            _folder = _mailboxes.Folder(folder);
            _finalName = name + MailboxStore.MessageExtension;
            _temporaryName = name + MailboxStore.TemporaryExtension;
            if (_folder.Exists(_temporaryName))
            {
                // Left by a crash during an earlier try of this delivery: it goes first, so that the
                // room it takes does not keep this try from the room it needs.
                long stale = _folder.Length(_temporaryName);
                _folder.Delete(_temporaryName);
                _mailboxes.Release(folder, stale);
            }
            // The message's last copy may take over the space its queue file gives back (SpoolSpace).
            long allowance = IsLastCopy() ? _message.FileBytes : 0;
            string full = _mailboxes.Reserve(folder, length, allowance);
            if (full != null)
            {
                Decide(AttemptOutcome.Transient, full.Substring(4, 5), full);
                return false;
            }
            _reserved = length;
            _handle = _folder.Create(_temporaryName);
            _folder.Append(_handle, fields, 0, fields.Length);
            _body = new MessageBody(_spool, _message.FileName);
            return true;
        }

        // True when the current recipient is the last this message waits for (this job's others are
        // done before it; no one else is pending): once it is delivered, the queue file is removed.
        private bool IsLastCopy()
        {
            if (_current != _recipients.Length - 1) return false;
            for (int r = 0; r < _message.Recipients.Length; r++)
            {
                if (System.Array.IndexOf(_recipients, r) >= 0) continue;
                if (_message.Recipients[r].State == RecipientStatus.Pending) return false;
            }
            return true;
        }

        // Copies up to BytesPerStep; true at the end of the body.
        private bool CopySome()
        {
            int copied = 0;
            while (copied < BytesPerStep)
            {
                int n = _body.Next(_scratch, 0, _scratch.Length);
                if (n == 0) return true;
                if (n < 0) throw new System.IO.IOException("the queue file is damaged");
                _folder.Append(_handle, _scratch, 0, n);
                copied += n;
            }
            return false;
        }

        private void FinishCopy()
        {
            _body.Close();
            _body = null;
            _folder.Sync(_handle);
            int handle = _handle;
            _handle = -1; // gone even if Close reports an error (IStorage.Close); the .TMP stays for Abandon
            _folder.Close(handle);
            if (!_folder.Rename(_temporaryName, _finalName)) throw new System.IO.IOException(_finalName + " exists");
            _reserved = 0; // the mailbox keeps it
            _folder.SyncDirectory();
            Decide(AttemptOutcome.Delivered, "2.0.0", "250 2.0.0 delivered to mailbox");
        }

        // Gives up the copy in progress after a card error; never throws one itself (the caller is
        // already handling the first).
        private void Abandon()
        {
            MessageBody body = _body;
            _body = null;
            if (_reserved > 0) _mailboxes.Release(_folderName, _reserved);
            _reserved = 0;
            int handle = _handle;
            _handle = -1;
            try
            {
                if (body != null) body.Close();
            }
            catch (System.IO.IOException)
            {
                // A read handle that fails to close holds nothing.
            }
            if (handle < 0) return;
            try
            {
                _folder.Close(handle);
            }
            catch (System.IO.IOException)
            {
                // Released all the same (IStorage.Close).
            }
            try
            {
                _folder.Delete(_temporaryName);
            }
            catch (System.IO.IOException)
            {
                // The next try of this delivery removes it (StartCopy).
            }
        }

        private void Decide(int result, string status, string reply)
        {
            _outcomes[_current] = new AttemptOutcome(_recipients[_current], result, status, reply, "local");
            _current++;
        }
    }
}
