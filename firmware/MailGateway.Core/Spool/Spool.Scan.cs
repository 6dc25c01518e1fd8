// The card scan: the queue lives on the card, and memory holds a bounded part of it (DESIGN,
// durability; issue "the queue on the card"). The resident queue (Count, Message(i)) holds at most
// about queue.index_size messages, chosen by the queue runner; every other committed message waits
// on the card and is found again by walking the spool folder.
//
// How it works: the walk goes in name order — queue IDs are a sequence, so that is arrival order —
// one page of PageSize names at a time (IStorage.ListAfter, a name as the cursor, so files may come
// and go meanwhile), in cycles from the first name to the last:
//   - the recovery cycle, the first after start-up, does a little per loop pass what start-up did
//     before the gateway listened: deletes unfinished .TMP files of earlier runs, checks every
//     record of each .MSG (damaged ones set aside as .BAD and reported), deletes recipient logs
//     whose message is gone, counts every byte against spool.max_bytes, keeps the queue ID
//     sequence above every name, and logs the queue's size when it is done;
//   - later cycles read only each message's envelope, end record and recipient log again.
// NextFromCard offers each committed message on the card that is not in memory; the runner takes it
// (Admit), passes over it (Skip) or leaves it to be offered again (Pause: due, but memory is full).
// Evict drops an idle message from memory: it stays on the card for a later cycle. Files of this
// run (queue IDs from this start's first on) were counted and checked as they were written, so the
// recovery cycle neither counts, checks nor deletes them. Memory: one page of names, plus what the
// runner keeps.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed partial class Spool
    {
        /// <summary>Names listed at a time (set from queue.index_size; a few KiB of names at most).</summary>
        public int PageSize = 32;

        private long _firstIdThisBoot;   // IDs from this one on were handed out by this run
        private bool _recovering;
        private bool _cycleActive;
        private bool _cycleChanged;       // the recovery cycle deleted or renamed something: sync the folder
        private string _cursor;           // the last name done in this cycle; null: from the start
        private string[] _page;
        private int _pageAt;
        private int _cycleMessages;       // committed messages seen this cycle, in memory or not
        private int _cycleUnread;         // messages a later cycle could not read now (left on the card)

        /// <summary>The recovery cycle after start-up is still going (the card is not fully counted yet).</summary>
        public bool Recovering { get { return _recovering; } }
        /// <summary>A scan cycle is under way.</summary>
        public bool CycleActive { get { return _cycleActive; } }
        /// <summary>Messages the last finished cycle found on the card, in memory or not.</summary>
        public int MessagesOnCard { get; private set; }
        /// <summary>Messages the cycle under way (or the last) could not read and left on the card.</summary>
        public int CycleUnread { get { return _cycleUnread; } }

        private void BeginRecoveryCycle()
        {
            _recovering = true;
            _cycleChanged = false;
            _log.Line("spool: checking the queue on the card in the background");
            StartCycle();
        }

        /// <summary>
        /// Recover, and the whole recovery cycle at once, every message taken into memory: for
        /// reading a queue whose gateway is not running (tools, tests), never for the loop.
        /// </summary>
        public void RecoverAll()
        {
            Recover();
            int work = int.MaxValue;
            while (_cycleActive && !ListingFailed)
            {
                QueuedMessage m = NextFromCard(ref work);
                if (m != null) Admit(m);
            }
        }

        /// <summary>The last attempt to list the card failed (it is tried again at the next call).</summary>
        public bool ListingFailed { get; private set; }

        // The card lost both files of the queue ID sequence: before any ID is handed out, the
        // sequence goes above every name on the card (a walk over the names only, page by page; a
        // rare repair, worth its time at start-up, since the recovery cycle tells this run's
        // files from earlier ones by their IDs).
        private void RaiseIdsAboveTheCard()
        {
            string after = null;
            try
            {
                while (true)
                {
                    string[] page = _storage.ListAfter(after, PageSize);
                    for (int i = 0; i < page.Length; i++)
                    {
                        string name = page[i];
                        if (IsRecordFile(name)) continue;
                        if (name.Length >= 9 && name[8] == '.') _ids.Raise(name.Substring(0, 8));
                    }
                    if (page.Length < PageSize) return;
                    after = page[page.Length - 1];
                }
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot list the card to restore the queue ID sequence: " + e.Message);
            }
        }

        /// <summary>Starts a cycle from the first name.</summary>
        public void StartCycle()
        {
            _cycleActive = true;
            _cursor = null;
            _page = null;
            _pageAt = 0;
            _cycleMessages = 0;
            _cycleUnread = 0;
        }

        /// <summary>
        /// The next committed message on the card that is not in memory, read from the card; null
        /// when work (names looked at, counted down) ran out or the cycle ended (CycleActive is then
        /// false). The message stays offered until Admit, Skip or the next call after Pause.
        /// </summary>
        public QueuedMessage NextFromCard(ref int work)
        {
            while (_cycleActive && work > 0)
            {
                if (_page == null || _pageAt >= _page.Length)
                {
                    if (_page != null && _page.Length < PageSize)
                    {
                        EndCycle();
                        return null;
                    }
                    work--;
                    try
                    {
                        _page = _storage.ListAfter(_cursor, PageSize);
                        ListingFailed = false;
                    }
                    catch (System.Exception e)
                    {
                        if (Failures.IsHalt(e)) throw;
                        _page = null;
                        ListingFailed = true;
                        _log.Line("warning: spool: cannot list the card: " + Failures.Describe(e) + "; will try again");
                        return null;
                    }
                    _pageAt = 0;
                    if (_page.Length == 0)
                    {
                        EndCycle();
                        return null;
                    }
                    continue;
                }
                work--;
                QueuedMessage offered = Examine(_page[_pageAt]);
                if (offered != null) return offered;
                Advance();
            }
            return null;
        }

        /// <summary>Takes the offered message into memory.</summary>
        public void Admit(QueuedMessage message)
        {
            _queue.Add(message);
            Advance();
        }

        /// <summary>Leaves the offered message on the card for a later cycle.</summary>
        public void Skip()
        {
            Advance();
        }

        /// <summary>Drops an idle message from memory; it stays on the card (the runner knows when it is due).</summary>
        public void Evict(QueuedMessage message)
        {
            _queue.Remove(message);
        }

        /// <summary>
        /// A committed message to look at (the console's queue listing): the one in memory, else
        /// read from the card without keeping it in memory; null when there is no such message or
        /// the card cannot give it now.
        /// </summary>
        public QueuedMessage Peek(string queueId)
        {
            QueuedMessage m = Find(queueId);
            if (m != null) return m;
            string name = queueId + SpoolNames.Message;
            if (SpoolNames.ParseQueueId(queueId) < 0 || _unreadable.Contains(name) || !_storage.Exists(name)) return null;
            return Load(queueId, name, true, false, false, out m) ? m : null;
        }

        /// <summary>A message by queue ID: from memory, or read from the card into memory; null when there is none.</summary>
        public QueuedMessage FindOrLoad(string queueId)
        {
            QueuedMessage m = Find(queueId);
            if (m != null) return m;
            string name = queueId + SpoolNames.Message;
            if (SpoolNames.ParseQueueId(queueId) < 0 || !_storage.Exists(name) || _unreadable.Contains(name)) return null;
            if (!Load(queueId, name, true, false, false, out m) || m == null) return null;
            _queue.Add(m);
            return m;
        }

        private void Advance()
        {
            _cursor = _page[_pageAt];
            _pageAt++;
        }

        private void EndCycle()
        {
            _cycleActive = false;
            _page = null;
            MessagesOnCard = _cycleMessages;
            if (!_recovering) return;
            _recovering = false;
            if (_cycleChanged || _setAsideSinceSync)
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
            int held = HeldCount;
            _log.Line("spool: " + _cycleMessages.ToString() + " queued message(s)" + (held > 0 ? ", " + held.ToString() + " on hold" : "") +
                      ", " + Text.Sizes.Bytes(_space.UsedBytes) + " of " + Text.Sizes.Bytes(_space.MaxBytes) + " used");
        }

        // One name of the walk: a message to offer, or null when there is nothing to offer (not a
        // message, in memory already, set aside, unreadable now, or tidied by the recovery cycle).
        private QueuedMessage Examine(string name)
        {
            string id = SpoolNames.QueueIdOf(name, SpoolNames.Message);
            if (id != null)
            {
                _cycleMessages++;
                if (_recovering) _ids.Raise(id);
                if (Find(id) != null || _unreadable.Contains(name)) return null;
                bool earlier = SpoolNames.ParseQueueId(id) < _firstIdThisBoot;
                bool recovery = _recovering && earlier;
                QueuedMessage m;
                if (Load(id, name, !recovery, recovery, recovery, out m)) return m;
                if (!recovery)
                {
                    _cycleUnread++;   // left on the card; a later cycle tries again
                    return null;
                }
                // The card could not give it now (an I/O error is not damage): kept as it is, its
                // bytes counted, and loaded later (LoadUnreadable).
                long bytes = 0;
                try
                {
                    bytes = _storage.Length(name) + LengthOrZero(id + SpoolNames.Recipients);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                }
                _space.Take(bytes);
                _unreadable.Add(name);
                _unreadableBytes.Add(bytes);
                return null;
            }
            if (_recovering) Tidy(name);
            return null;
        }

        // The recovery cycle's work on a name that is not a committed message.
        private void Tidy(string name)
        {
            if (IsRecordFile(name)) return;
            string id = SpoolNames.QueueIdOf(name, SpoolNames.Temporary);
            if (id != null)
            {
                if (SpoolNames.ParseQueueId(id) >= _firstIdThisBoot) return; // a message being received now
                RemoveUnfinished(id, name);
                return;
            }
            id = SpoolNames.QueueIdOf(name, SpoolNames.Recipients);
            try
            {
                if (id != null)
                {
                    if (SpoolNames.ParseQueueId(id) >= _firstIdThisBoot) return; // a log of this run's
                    if (Find(id) == null && !_unreadable.Contains(id + SpoolNames.Message) && !_storage.Exists(id + SpoolNames.Message))
                    {
                        _storage.Delete(name);   // the log of a message that is gone
                        _cycleChanged = true;
                    }
                    return;
                }
                _space.Take(_storage.Length(name)); // set-aside (.BAD) or foreign files still use the card
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _log.Line("warning: spool: cannot tidy " + name + ": " + Failures.Describe(e));
            }
        }

        // The queue ID sequence's and the queue clock's own files (RecordPair), not queue files.
        private static bool IsRecordFile(string name)
        {
            return name == QueueIds.FileA || name == QueueIds.FileB || name == QueueClock.FileA || name == QueueClock.FileB;
        }

        // A .TMP left by an earlier run: its client got no 250, so it goes.
        private void RemoveUnfinished(string id, string name)
        {
            try
            {
                if (_storage.Exists(id + SpoolNames.Message))
                {
                    // A rename torn by a power cut on FAT leaves both names on one cluster chain:
                    // deleting the .TMP would free the committed message's clusters. Leave it;
                    // and do not count it: its bytes are the message's, counted with it.
                    _log.Line(id + ": warning: " + name + " left in place beside its committed message; check the card");
                    return;
                }
                _storage.Delete(name);
                _cycleChanged = true;
                _log.Line(id + ": removed unfinished message (no 250 was sent for it)");
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _log.Line(id + ": warning: cannot remove unfinished " + name + ": " + Failures.Describe(e) + "; will try again");
                long bytes = 0;
                try
                {
                    bytes = _storage.Length(name);
                }
                catch (System.Exception lengthFailure)
                {
                    if (Failures.IsHalt(lengthFailure)) throw;
                }
                _space.Take(bytes);
                _leftovers.Add(name);   // TidyLeftovers deletes it once the card lets it
                _leftoverBytes.Add(bytes);
            }
        }
    }
}
