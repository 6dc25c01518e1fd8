// The durable queue on the SD card (DESIGN, durability; RFC 5321 §6.1).
//
// Commit protocol, per message:
//   1. Begin: take the next queue ID (QueueIds: a sequence on the card, never the clock), create
//      QQQQQQQQ.TMP, write the file header, the envelope record and one record per recipient.
//   2. Body chunks are appended as the client sends them (MessageWriter).
//   3. At end of data the session waits; RequestCommit puts the message in the commit batch.
//   4. CommitPending, once per loop pass, for the whole batch (group commit): append each end record,
//      fsync every file, close it and rename each .TMP to .MSG (a new name, never over an existing
//      one); then
//      ONE directory fsync for all of them. Only then is every message of the batch Committed and
//      its session may send 250. Several sessions' messages thus share the directory sync while
//      each 250 still waits for its own data sync. Where the storage can (IBackgroundCommit: the
//      host), step 4 after the end records runs beside the loop: the batch starts in one pass and
//      ends in a later one, while the loop serves everyone else; the next batch gathers meanwhile.
// A crash before the directory sync leaves a .TMP (deleted at start-up) or a .MSG whose rename was
// not yet durable — whose client got no 250 and will send it again: a duplicate, never a loss.
// A crash after it leaves a complete, self-checking .MSG.
// Removal: a message whose recipients are all done is deleted (Remove), and a message delivered at
// its first attempt writes no recipient log: the deletion is the record. The deletions become
// durable by the next folder sync: a commit's that follows them, else SyncRemovals' at the end of
// the pass. A crash before that brings the message back and it is delivered again: a duplicate,
// as with Postfix, never a loss.
//
// Recover() runs at start-up and only reads where the queue ID sequence stands; the recovery
// cycle of the card scan (Spool.Scan) then, a page per loop pass while the gateway already
// listens, removes .TMP files, validates every .MSG (setting damaged ones aside as .BAD and listing
// them for the postmaster), drops recipient logs whose message is gone, replays recipient logs
// (stepping over a torn record), and counts every byte on the card against spool.max_bytes. A
// message the card cannot give at that moment (an I/O error, not damage) is kept as it is and
// loaded later (LoadUnreadable). No file on the card can make it throw. Memory holds only the
// messages the queue runner keeps (Count, Message(i): at most about queue.index_size).
// After acceptance, a card that fails never stops the queue: recipient progress that cannot be
// written is kept in memory (UpdateRecipient, SaveUnsaved) and removal can be tried again.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed partial class Spool
    {
        private readonly IStorage _storage;
        private readonly SpoolSpace _space;
        private readonly ILog _log;
        private readonly ArrayList _batch = new ArrayList();
        private readonly ArrayList _queue = new ArrayList();
        private readonly ArrayList _quarantined = new ArrayList();
        private readonly ArrayList _leftovers = new ArrayList();         // abandoned files the card would not delete yet
        private readonly ArrayList _leftoverBytes = new ArrayList();     // long: their bytes, still counted
        private readonly ArrayList _unreadable = new ArrayList();        // .MSG names Recover could not read
        private readonly ArrayList _unreadableBytes = new ArrayList();   // long: card bytes counted for each
        private bool _setAsideSinceSync;
        private bool _removedSinceSync;                                  // Remove since the last SyncRemovals
        private bool _removalsInBatch;                                   // ... that the running background batch's folder sync covers
        private readonly QueueIds _ids;
        private byte[] _scratch;

        public Spool(IStorage storage, SpoolSpace space, ILog log)
        {
            _storage = storage;
            _space = space;
            _log = log;
            _ids = new QueueIds(storage);
        }

        /// <summary>Queue IDs continue above this one (a mailbox file found at start-up).</summary>
        public void RaiseQueueIds(string queueId)
        {
            _ids.Raise(queueId);
        }

        /// <summary>
        /// The buffer records are framed in and read through: the loop's scratch (the Gateway lends
        /// it; RecordFormat.BufferBytes), else one of the spool's own. Every use ends within the call
        /// that makes it, so the loop's other work within the pass may use it too.
        /// </summary>
        public byte[] Scratch
        {
            get
            {
                if (_scratch == null) _scratch = new byte[RecordFormat.BufferBytes];
                return _scratch;
            }
            set
            {
                if (value == null || value.Length < RecordFormat.BufferBytes) throw new System.ArgumentException("the scratch buffer must hold a record (RecordFormat.BufferBytes)");
                _scratch = value;
            }
        }

        public SpoolSpace Space { get { return _space; } }
        public IStorage Storage { get { return _storage; } }
        public int Count { get { return _queue.Count; } }
        public QueuedMessage Message(int index) { return (QueuedMessage)_queue[index]; }
        public bool HasPendingCommits { get { return _batch.Count > 0 || _committing != null; } }

        public QueuedMessage Find(string queueId)
        {
            for (int i = 0; i < _queue.Count; i++)
            {
                QueuedMessage m = (QueuedMessage)_queue[i];
                if (m.QueueId == queueId) return m;
            }
            return null;
        }

        // ---- Receiving -----------------------------------------------------------------------

        /// <summary>
        /// Starts a message: assigns its queue ID and creates its temporary file. Returns null when
        /// the spool is full; throws IOException when the card fails.
        /// </summary>
        public MessageWriter Begin(Envelope envelope)
        {
            return Begin(envelope, 0);
        }

        /// <summary>As Begin, for a report that ends a message: it may go past spool.max_bytes by allowanceBytes (SpoolSpace).</summary>
        public MessageWriter Begin(Envelope envelope, long allowanceBytes)
        {
            if (envelope.Recipients.Length == 0 || envelope.Recipients.Length > Envelope.MaxRecipients)
            {
                throw new System.ArgumentException("an envelope needs 1 to Envelope.MaxRecipients recipients");
            }
            if (!_space.HasRoomFor(-allowanceBytes)) return null;
            envelope.QueueId = NewQueueId();
            MessageWriter writer = new MessageWriter(_storage, _space, envelope, Scratch);
            writer.AllowanceBytes = allowanceBytes;
            try
            {
                writer.Begin();
            }
            catch (System.IO.IOException)
            {
                Abort(writer);
                if (writer.OutOfSpace) return null;
                throw;
            }
            return writer;
        }

        /// <summary>Abandons a message that will not be committed: closes and deletes its file.</summary>
        public void Abort(MessageWriter writer)
        {
            writer.CloseQuietly();
            writer.Outcome = MessageWriter.Failed;
            DeleteOrLeave(writer.TemporaryName, writer.FileBytes);
        }

        // Deletes an abandoned file and gives its bytes back; a card that refuses is asked again
        // later (TidyLeftovers), the bytes counted until then.
        private bool DeleteOrLeave(string name, long bytes)
        {
            try
            {
                if (_storage.Exists(name)) _storage.Delete(name);
                _space.Release(bytes);
                return true;
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _leftovers.Add(name);
                _leftoverBytes.Add(bytes);
                return false;
            }
        }

        /// <summary>Abandoned files the card would not delete yet (see TidyLeftovers).</summary>
        public int LeftoverCount { get { return _leftovers.Count; } }

        /// <summary>
        /// Deletes again the abandoned files the card refused to delete (an aborted .TMP, a .MSG
        /// whose client was told 4xx); those it still refuses stay for the next call.
        /// </summary>
        public void TidyLeftovers()
        {
            bool deleted = false;
            for (int i = _leftovers.Count - 1; i >= 0; i--)
            {
                string name = (string)_leftovers[i];
                long bytes = (long)_leftoverBytes[i];
                try
                {
                    if (_storage.Exists(name)) _storage.Delete(name);
                }
                catch (System.IO.IOException)
                {
                    continue;
                }
                _leftovers.RemoveAt(i);
                _leftoverBytes.RemoveAt(i);
                _space.Release(bytes);
                deleted = true;
            }
            if (!deleted) return;
            try
            {
                _storage.SyncDirectory();
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot sync the folder: " + e.Message);
            }
        }

        public void RequestCommit(MessageWriter writer)
        {
            writer.Outcome = MessageWriter.AwaitingCommit;
            _batch.Add(writer);
        }

        /// <summary>
        /// The storage commits batches beside the loop (the Gateway sets it where the storage can):
        /// CommitPending then starts a batch in one pass and gives its outcome in a later one.
        /// </summary>
        public IBackgroundCommit Background;

        private static readonly MessageWriter[] NoWriters = new MessageWriter[0];
        private MessageWriter[] _committing;   // the batch the background commit runs, or null
        private bool[] _renamed;                // its outcome, filled by FinishCommit (made once a batch,
        private string[] _errors;               // not once a pass while it runs)

        /// <summary>
        /// Commits every requested message (see the header). Returns the messages whose commit
        /// ended, each with Outcome Committed or Failed; an empty array when none did. Within the
        /// pass; with Background, the batch ends in a later pass (HasPendingCommits says it runs).
        /// </summary>
        public MessageWriter[] CommitPending()
        {
            if (Background == null) return CommitNow();
            if (_committing == null) return StartBackground();
            string folderError;
            if (!Background.FinishCommit(_renamed, _errors, out folderError)) return NoWriters;
            MessageWriter[] done = FinishBackground(_renamed, _errors, folderError);
            // The next batch starts at once; what fails in its last records ends now too.
            return _batch.Count == 0 ? done : Join(done, StartBackground());
        }

        /// <summary>Commits everything requested, waiting for the background where it commits (at shutdown): as CommitPending, to the end.</summary>
        public MessageWriter[] WaitCommits()
        {
            MessageWriter[] all = NoWriters;
            while (HasPendingCommits)
            {
                if (_committing != null) Background.WaitCommit();
                all = Join(all, CommitPending());
            }
            return all;
        }

        // Every file's last records; those that fail end now (returned), the others go to the background.
        private MessageWriter[] StartBackground()
        {
            MessageWriter[] batch = TakeBatch();
            if (batch.Length == 0) return batch;
            MessageWriter[] ended = new MessageWriter[batch.Length];
            int count = EndRecords(batch, ended);
            if (count == 0) return batch;
            _committing = new MessageWriter[count];
            _renamed = new bool[count];
            _errors = new string[count];
            int[] handles = new int[count];
            string[] from = new string[count];
            string[] to = new string[count];
            for (int i = 0; i < count; i++)
            {
                _committing[i] = ended[i];
                handles[i] = ended[i].HandOver();
                from[i] = ended[i].TemporaryName;
                to[i] = ended[i].FinalName;
            }
            Background.StartCommit(handles, from, to, count);
            // Its folder sync comes after every removal made so far: it makes them durable too.
            _removalsInBatch = _removedSinceSync;
            _removedSinceSync = false;
            MessageWriter[] failed = new MessageWriter[batch.Length - count];
            int n = 0;
            for (int i = 0; i < batch.Length; i++)
            {
                if (batch[i].Outcome == MessageWriter.Failed) failed[n++] = batch[i];
            }
            return failed;
        }

        private MessageWriter[] FinishBackground(bool[] renamed, string[] errors, string folderError)
        {
            MessageWriter[] done = _committing;
            _committing = null;
            int moved = 0;
            for (int i = 0; i < done.Length; i++)
            {
                if (renamed[i]) moved++;
                else Fail(done[i], errors[i] != null ? errors[i] : "queue file name already taken");
            }
            if (moved > 0) Durable(done, folderError);
            // Without a folder sync that went through, the removals it was to cover still need one.
            bool folderSynced = folderError == null && (moved > 0 || done.Length == 0);
            if (_removalsInBatch && !folderSynced) _removedSinceSync = true;
            _removalsInBatch = false;
            return done;
        }

        private static MessageWriter[] Join(MessageWriter[] a, MessageWriter[] b)
        {
            if (b.Length == 0) return a;
            MessageWriter[] both = new MessageWriter[a.Length + b.Length];
            System.Array.Copy(a, both, a.Length);
            System.Array.Copy(b, 0, both, a.Length, b.Length);
            return both;
        }

        private MessageWriter[] TakeBatch()
        {
            if (_batch.Count == 0) return NoWriters;
            MessageWriter[] batch = new MessageWriter[_batch.Count];
            _batch.CopyTo(batch);
            _batch.Clear();
            return batch;
        }

        // Appends each file's end record; those that fail are Failed (their clients get 4xx), the
        // others are listed in ended. Returns how many were.
        private int EndRecords(MessageWriter[] batch, MessageWriter[] ended)
        {
            int count = 0;
            for (int i = 0; i < batch.Length; i++)
            {
                MessageWriter w = batch[i];
                try
                {
                    w.End();
                    ended[count++] = w;
                }
                catch (System.Exception e)
                {
                    // A card error (or a bug) fails this message alone: its client gets 4xx, not 250.
                    if (Failures.IsHalt(e)) throw;
                    Fail(w, e is System.IO.IOException ? e.Message : Failures.Describe(e));
                }
            }
            return count;
        }

        // The whole batch within the pass: last records, each file synced, closed and renamed,
        // then one folder sync.
        private MessageWriter[] CommitNow()
        {
            MessageWriter[] batch = TakeBatch();
            if (batch.Length == 0) return batch;
            MessageWriter[] ended = new MessageWriter[batch.Length];
            int count = EndRecords(batch, ended);
            int renamed = 0;
            for (int i = 0; i < count; i++)
            {
                MessageWriter w = ended[i];
                try
                {
                    _storage.Sync(w.Handle);
                    w.Close();
                    if (_storage.Rename(w.TemporaryName, w.FinalName)) renamed++;
                    else Fail(w, "queue file name already taken");
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Fail(w, e is System.IO.IOException ? e.Message : Failures.Describe(e));
                }
            }
            if (renamed == 0) return batch;
            string folderError = null;
            try
            {
                _storage.SyncDirectory();
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                folderError = Failures.Describe(e);
            }
            Durable(batch, folderError);
            return batch;
        }

        // After the folder sync: every renamed message of the batch is Committed and queued; if the
        // sync failed, each is taken back instead (Unrename).
        private void Durable(MessageWriter[] batch, string folderError)
        {
            if (folderError != null)
            {
                for (int i = 0; i < batch.Length; i++)
                {
                    if (batch[i].Outcome == MessageWriter.AwaitingCommit) Unrename(batch[i], folderError);
                }
                return;
            }
            if (Background == null) _removedSinceSync = false; // the same sync made them durable too
            for (int i = 0; i < batch.Length; i++)
            {
                MessageWriter w = batch[i];
                if (w.Outcome != MessageWriter.AwaitingCommit) continue;
                w.Outcome = MessageWriter.Committed;
                _queue.Add(new QueuedMessage(w.Envelope, w.BodyBytes, w.FileBytes));
            }
        }

        private void Fail(MessageWriter writer, string reason)
        {
            _log.Line(writer.Envelope.QueueId + ": warning: could not store message: " + reason);
            Abort(writer);
        }

        // The directory sync failed after the rename: the client gets a 4xx and will retry, so
        // try to take the message back rather than risk delivering it twice.
        private void Unrename(MessageWriter writer, string reason)
        {
            _log.Line(writer.Envelope.QueueId + ": warning: could not sync spool folder: " + reason);
            writer.Outcome = MessageWriter.Failed;
            if (!DeleteOrLeave(writer.FinalName, writer.FileBytes))
            {
                // Deleted later (TidyLeftovers); a restart before that queues it: a duplicate.
                _log.Line(writer.Envelope.QueueId + ": warning: message may be delivered twice");
                return;
            }
            // The rename may reach the card without the delete (a torn power cut keeps one change and
            // not the other): sync the deletion too, or the client's retry makes a second copy.
            try
            {
                _storage.SyncDirectory();
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _log.Line(writer.Envelope.QueueId + ": warning: message may be delivered twice (its removal is not on the card: " + Failures.Describe(e) + ")");
            }
        }

        // ---- Delivery progress ---------------------------------------------------------------

        /// <summary>
        /// Records one recipient's new state (already set in memory) durably in the recipient log.
        /// A card that fails does not stop the queue: the change is kept in memory, marked unsaved,
        /// and written again by SaveUnsaved; at worst a restart forgets it and the recipient is
        /// delivered twice, never lost.
        /// </summary>
        public void UpdateRecipient(QueuedMessage message, int index)
        {
            if (message.Recipients[index].State == RecipientStatus.Delivered && IsFinished(message))
            {
                // Its removal, made durable in this same loop pass (Remove, SyncRemovals), records
                // this delivery: a message delivered at its first attempt never writes a log at all.
                if (message.Unsaved != null) message.Unsaved[index] = false;
                return;
            }
            try
            {
                AppendLog(message, index, message.Recipients[index]);
                if (message.Unsaved != null) message.Unsaved[index] = false;
            }
            catch (System.IO.IOException e)
            {
                if (message.Unsaved == null) message.Unsaved = new bool[message.Recipients.Length];
                message.Unsaved[index] = true;
                _log.Line(message.QueueId + ": warning: cannot record delivery progress for <" + message.Recipients[index].Address +
                          "> on the card: " + e.Message + "; will try again");
            }
        }

        /// <summary>Writes the changes UpdateRecipient could not; true when nothing is left unsaved.</summary>
        public bool SaveUnsaved(QueuedMessage message)
        {
            if (message.Unsaved == null) return true;
            for (int i = 0; i < message.Unsaved.Length; i++)
            {
                if (!message.Unsaved[i]) continue;
                try
                {
                    AppendLog(message, i, message.Recipients[i]);
                    message.Unsaved[i] = false;
                }
                catch (System.IO.IOException)
                {
                    return false;
                }
            }
            message.Unsaved = null;
            return true;
        }

        private void AppendLog(QueuedMessage message, int index, RecipientStatus status)
        {
            string name = message.QueueId + SpoolNames.Recipients;
            message.MayHaveLog = true; // before the write: a failed one may still leave a file
            long before = LengthOrZero(name);
            bool created = before == 0 && !_storage.Exists(name);
            try
            {
                RecipientLog.Record(_storage, message.QueueId, index, status);
            }
            catch (System.IO.IOException)
            {
                CountGrowth(message, name, before); // what reached the card counts even when the record failed part-way
                throw;
            }
            CountGrowth(message, name, before);
            // A new log's name is durable only once a folder sync after its creation went through
            // (Record does one when it creates the file); if that failed, every later record would
            // sit in a file a power cut can take away, so the sync is done again until it succeeds.
            if (created) message.LogNameDurable = true;
            else if (!message.LogNameDurable)
            {
                _storage.SyncDirectory();
                message.LogNameDurable = true;
            }
        }

        private void CountGrowth(QueuedMessage message, string name, long before)
        {
            long grown = 0;
            try
            {
                grown = LengthOrZero(name) - before;
            }
            catch (System.IO.IOException)
            {
            }
            _space.Take(grown);
            message.FileBytes += grown;
        }

        /// <summary>Records durably that a delay warning was sent for the message.</summary>
        public void MarkWarningSent(QueuedMessage message)
        {
            RecipientStatus flag = new RecipientStatus();
            flag.State = 1;
            message.WarningSent = true;
            try
            {
                AppendLog(message, RecipientLog.WarningSentIndex, flag);
            }
            catch (System.IO.IOException e)
            {
                // At worst a restart forgets it and the sender hears of the delay twice.
                _log.Line(message.QueueId + ": warning: cannot record the delay warning on the card: " + e.Message);
            }
        }

        /// <summary>
        /// Holds or releases a message, durably: a held message is kept but never tried, expired or
        /// bounced until released. Throws IOException when the card cannot record it (the caller
        /// keeps the change in memory and says so).
        /// </summary>
        public void SetHeld(QueuedMessage message, bool held)
        {
            message.Held = held;
            RecipientStatus flag = new RecipientStatus();
            flag.State = held ? 1 : 0;
            AppendLog(message, RecipientLog.HeldIndex, flag);
        }

        /// <summary>Messages on hold.</summary>
        public int HeldCount
        {
            get
            {
                int n = 0;
                for (int i = 0; i < _queue.Count; i++)
                {
                    if (((QueuedMessage)_queue[i]).Held) n++;
                }
                return n;
            }
        }

        /// <summary>
        /// Deletes a message whose recipients are all done: message file first, synced, then its
        /// log; SyncRemovals (or the commit's folder sync), at the end of the same loop pass, makes
        /// the removals durable in one folder sync. Safe to call again after it failed part-way; throws IOException when the
        /// card fails (the message then stays in the queue, done, and the caller tries again later).
        /// </summary>
        public void Remove(QueuedMessage message)
        {
            string log = message.QueueId + SpoolNames.Recipients;
            bool hasLog = message.MayHaveLog && _storage.Exists(log);
            if (_storage.Exists(message.FileName))
            {
                _storage.Delete(message.FileName);
                _removedSinceSync = true;
                // The message's deletion must be on the card before its log's: a power cut may keep
                // either of two unsynced deletions, and a message kept without its log would be
                // delivered again to every recipient (and bounced again).
                if (hasLog) _storage.SyncDirectory();
            }
            if (hasLog)
            {
                _storage.Delete(log);
                _removedSinceSync = true;
            }
            _queue.Remove(message);
            _space.Release(message.FileBytes);
        }

        /// <summary>
        /// Makes this pass's removals durable: one folder sync for all of them, unless a commit's
        /// folder sync since them did (CommitPending, later in the same pass) or, with Background,
        /// the folder sync of the batch that is committing or about to start will. Until it went through,
        /// a power cut brings a delivered message back and it is delivered again, so a failed sync
        /// is logged and tried again in the next pass.
        /// </summary>
        public void SyncRemovals()
        {
            if (!_removedSinceSync) return;
            if (Background != null)
            {
                // A batch committing in the background, or one about to start, syncs the folder
                // after them anyway (StartBackground); else a batch of no files does just that.
                // Either way the loop does not wait for the sync.
                if (_committing != null || _batch.Count > 0) return;
                _committing = NoWriters;
                _renamed = new bool[0];
                _errors = new string[0];
                Background.StartCommit(new int[0], new string[0], new string[0], 0);
                _removalsInBatch = true;
                _removedSinceSync = false;
                return;
            }
            try
            {
                _storage.SyncDirectory();
                _removedSinceSync = false;
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot sync the removal of delivered messages: " + e.Message + "; will try again");
            }
        }

        // Every recipient delivered or failed: nothing is left to do or to report.
        private static bool IsFinished(QueuedMessage message)
        {
            for (int i = 0; i < message.Recipients.Length; i++)
            {
                int state = message.Recipients[i].State;
                if (state != RecipientStatus.Delivered && state != RecipientStatus.Failed) return false;
            }
            return true;
        }

        // ---- Start-up ------------------------------------------------------------------------

        /// <summary>
        /// Starts bringing the queue back from the card after a start or a crash (see the header):
        /// reads where the queue ID sequence stands and begins the recovery cycle of the card scan
        /// (Spool.Scan), which does the rest a page per loop pass, so the gateway listens at once
        /// whatever the queue's length. Never throws for what is on the card.
        /// </summary>
        public void Recover()
        {
            _queue.Clear();
            _quarantined.Clear();
            _leftovers.Clear();
            _leftoverBytes.Clear();
            _unreadable.Clear();
            _unreadableBytes.Clear();
            _setAsideSinceSync = false;
            _ids.Load();
            if (!_ids.Found) RaiseIdsAboveTheCard();
            _firstIdThisBoot = _ids.NextValue;
            try
            {
                _ids.ReserveNow();
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot record the queue ID sequence: " + e.Message + "; new mail waits for the card");
            }
            BeginRecoveryCycle();
        }

        // Loads one committed message (into loaded; null when it was set aside): true when it was
        // read or set aside as damaged; false when the card could not give it now (an IOException
        // reading the message or its recipient log), so that it is kept for LoadUnreadable. Taking
        // a read error for damage would set a good message aside and lose it; forgetting the
        // recipient log would deliver again what was delivered and bounce again what was bounced.
        // checkAll reads every record (the first time since start-up), else only the envelope and
        // the end record (MessageFile.ReadEnvelope); count takes its bytes against the card.
        private bool Load(string id, string name, bool quiet, bool checkAll, bool count, out QueuedMessage loaded)
        {
            loaded = null;
            string problem;
            MessageFile file = null;
            try
            {
                file = checkAll ? MessageFile.Check(_storage, name, Scratch) : MessageFile.ReadEnvelope(_storage, name, Scratch);
                problem = !file.IsValid ? file.Problem
                        : file.Envelope.QueueId != id ? "queue ID does not match file name" : null;
            }
            catch (System.IO.IOException e)
            {
                if (!quiet) _log.Line(id + ": warning: " + name + " cannot be read now (" + e.Message + "); kept, and tried again");
                return false;
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                problem = "cannot be read: " + Failures.Describe(e);
            }
            if (problem != null)
            {
                if (!count && file != null) file.FileBytes = 0;   // already counted: SetAside must not count it twice
                SetAside(id, name, problem, file);
                _setAsideSinceSync = true;
                return true;
            }
            QueuedMessage message = new QueuedMessage(file.Envelope, file.BodyBytes, file.FileBytes);
            message.MayHaveLog = true;
            try
            {
                int damaged = RecipientLog.Replay(_storage, message, Scratch);
                message.LogNameDurable = true; // found on the card after a start: there to stay
                if (damaged > 0)
                {
                    _log.Line(id + ": warning: recipient log had " + damaged.ToString() + " damaged stretch(es), stepped over");
                }
                message.FileBytes += LengthOrZero(id + SpoolNames.Recipients);
            }
            catch (System.IO.IOException e)
            {
                if (!quiet) _log.Line(id + ": warning: recipient log cannot be read now (" + e.Message + "); the message is kept, and tried again");
                return false;
            }
            if (count) _space.Take(message.FileBytes);
            loaded = message;
            return true;
        }

        /// <summary>Messages Recover kept because the card could not give them (see LoadUnreadable).</summary>
        public int UnreadableCount { get { return _unreadable.Count; } }

        /// <summary>
        /// Tries again to load what Recover could not read; returns the messages now in the queue
        /// (the caller schedules them). Those still unreadable stay for the next call.
        /// </summary>
        public QueuedMessage[] LoadUnreadable()
        {
            ArrayList loaded = new ArrayList();
            for (int i = _unreadable.Count - 1; i >= 0; i--)
            {
                string name = (string)_unreadable[i];
                string id = name.Substring(0, 8);
                long bytes = (long)_unreadableBytes[i];
                _space.Release(bytes);
                QueuedMessage message;
                if (!Load(id, name, true, true, true, out message))
                {
                    _space.Take(bytes);
                    continue;
                }
                _unreadable.RemoveAt(i);
                _unreadableBytes.RemoveAt(i);
                if (message != null)
                {
                    _queue.Add(message);
                    loaded.Add(message);
                }
            }
            if (_setAsideSinceSync)
            {
                _setAsideSinceSync = false;
                try
                {
                    _storage.SyncDirectory();
                }
                catch (System.IO.IOException e)
                {
                    _log.Line("warning: spool: cannot sync the folder: " + e.Message);
                }
            }
            return (QueuedMessage[])loaded.ToArray(typeof(QueuedMessage));
        }

        /// <summary>
        /// What Recover set aside, one line each ("ID: <file> set aside as <name>: <problem>; from
        /// <sender> to <recipients>" where the envelope could be read), for the postmaster's report.
        /// Cleared by TakeQuarantined.
        /// </summary>
        public string[] TakeQuarantined()
        {
            string[] lines = (string[])_quarantined.ToArray(typeof(string));
            _quarantined.Clear();
            return lines;
        }

        // A damaged queue file is renamed to .BAD (kept for inspection, never delivered), counted
        // against the card, logged loudly and listed for the postmaster.
        private void SetAside(string id, string name, string problem, MessageFile file)
        {
            string moved = name;
            try
            {
                moved = Quarantine(id, name);
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                problem = problem + "; cannot be renamed (" + Failures.Describe(e) + "), left as " + name;
            }
            if (file != null) _space.Take(file.FileBytes);
            string who = "";
            if (file != null && file.Envelope != null)
            {
                who = "; from <" + file.Envelope.Sender + "> to " + file.Envelope.Recipients.Length.ToString() + " recipient(s)";
            }
            _log.Line(id + ": error: damaged queue file quarantined as " + moved + ": " + problem + who);
            _quarantined.Add(id + ": " + name + " set aside as " + moved + ": " + problem + who);
        }

        private string Quarantine(string id, string name)
        {
            string target = id + SpoolNames.Quarantine;
            for (int n = 0; n < 100 && !_storage.Rename(name, target); n++)
            {
                target = id + ".B" + Text.Ascii.Digits(n, 2);
            }
            return target;
        }

        private long LengthOrZero(string name)
        {
            return _storage.Exists(name) ? _storage.Length(name) : 0;
        }

        private string NewQueueId()
        {
            while (true)
            {
                string id = _ids.Next();
                // Belt and braces: a name still on the card is never reused, whatever the sequence says.
                if (!_storage.Exists(id + SpoolNames.Temporary) && !_storage.Exists(id + SpoolNames.Message) &&
                    !_storage.Exists(id + SpoolNames.Recipients) && !_storage.Exists(id + SpoolNames.Quarantine) &&
                    Find(id) == null)
                {
                    return id;
                }
            }
        }
    }
}
