// The queue manager (DESIGN steps 2-3; RFC 5321 §4.5.4.1): decides which queued recipients are
// due, starts delivery jobs for them, records what each attempt found out, retries with backoff,
// gives up after queue.lifetime, and tells the sender (RFC 3464 bounces and one delay warning).
//
// How it works, once per loop pass (RunOnce):
//   1. Finished jobs are collected; each recipient's outcome is logged in Postfix's style and
//      recorded durably (Spool.UpdateRecipient): Delivered, Pending with the next attempt time
//      (RetrySchedule, with jitter), or Bouncing (failed; the bounce is not yet queued).
//   2. For messages with no job running: expired ones (older than queue.lifetime) turn their
//      pending recipients into Bouncing; Bouncing recipients get one DSN per message, queued through
//      the spool like received mail (the loop commits it in its batch and calls BounceCommitted,
//      and only then are they marked Failed — a crash in between sends the bounce again, never
//      loses it); a message waiting longer than queue.warn_after gets one delay warning; a message
//      whose recipients are all Delivered or Failed is removed.
//   3. Due recipients (next attempt reached) of messages with no job running are grouped by
//      destination (Router) and started as jobs, up to delivery.concurrency at once, the message
//      due longest first (nothing starves behind mail that keeps failing).
// Containment (DESIGN: the loop never dies): a job, the shared pump (DNS, connection cache) and
// each message's housekeeping run inside their own catch. A job that throws is abandoned and its
// recipients deferred (451 4.3.0); after MaxInternalErrors in a row the message is held — kept on
// the card, flagged in its recipient log, never tried, expired or bounced until Release. Storage
// that fails after acceptance is tried again later (Spool.SaveUnsaved, removal), never fatal.
// At the first pass, damaged files recovery set aside are reported to queue.postmaster.
// Reports carry dates, so while the platform says the wall clock is not set (IClock.UnixTimeKnown)
// they wait, and nothing expires meanwhile: ages run on the queue clock.
// Bounces are never sent for a message with the null sender (RFC 5321 §4.5.5): it is logged, and
// a copy goes to queue.postmaster when one is configured.
// Times: ages (queue.lifetime, queue.warn_after) and attempt times are on the queue clock
// (Spool/QueueClock: how long the gateway has run, kept on the card), never on the wall clock, which
// is 1970 until SNTP answers and may be stepped by NTP: a clock that jumps never expires, bounces
// or stalls mail. The wall clock only dates what people read (reports, the log's estimates); jobs
// get the loop's monotonic clock. After a restart, overdue messages are spread over
// StartupSpreadMs, the longest overdue first, so that a full queue does not retry in one burst.
using System.Collections;
using MailGateway.Core.Config;
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;

namespace MailGateway.Core.Delivery
{
    public sealed partial class QueueRunner
    {
        public const long StartupSpreadMs = 30 * 1000;
        /// <summary>The envelope protocol of the reports this runner writes (bounces, warnings).</summary>
        public const string ReportProtocol = "local";
        /// <summary>How soon a bounce that could not be queued (full or failing card) is tried again.</summary>
        public const long ReportRetryMs = 60 * 1000;

        private readonly Spool.Spool _spool;
        private readonly GatewayConfig _config;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly IRandom _random;
        private readonly IDeliveryJobFactory _jobs;
        private readonly Local.RecipientExpansion _recipients;
        private readonly Router _router;
        private readonly RetrySchedule _retry;
        private readonly ArrayList _running = new ArrayList();
        private readonly ArrayList _bouncesInFlight = new ArrayList();
        private readonly QueueClock _queueClock;
        private bool _clockLoaded;
        private long _clockRetryMs;    // monotonic: when a checkpoint that failed is tried again
        private bool _clockFailing;    // said once until a checkpoint succeeds
        private long _unreadableRetryMs; // monotonic: when unreadable queue files are tried again
        private bool _started;
        private bool _reportsWaitingForClock;

        /// <summary>recipients: what a report's recipient stands for (aliases of the local domains); null: itself.</summary>
        public QueueRunner(Spool.Spool spool, GatewayConfig config, IClock clock, ILog log, IRandom random,
                           IDeliveryJobFactory jobs, Local.RecipientExpansion recipients)
        {
            _recipients = recipients;
            _spool = spool;
            _config = config;
            _clock = clock;
            _log = log;
            _random = random;
            _jobs = jobs;
            _router = new Router(config);
            _retry = new RetrySchedule(config.RetryWaitsMs);
            _queueClock = new QueueClock(spool.Storage);
            _capacity = config.QueueIndexSize;
            spool.PageSize = ScanPageSize(_capacity);
        }

        /// <summary>
        /// Starts the queue on what the spool recovered (call after Spool.Recover): the queue clock
        /// goes on from the card, above every arrival found there; a message from before the queue
        /// clock was kept starts its age now; retries that fell due while the gateway was off (as
        /// far as the wall clock can tell: QueueClock.DowntimeMs) are due now, and all overdue
        /// ones are spread over StartupSpreadMs. The downtime never ages mail.
        /// </summary>
        public void Start(long nowMs)
        {
            _queueClock.Load(nowMs);
            _clockLoaded = true;
            _downtimeMs = _queueClock.DowntimeMs(WallMs());
            _startQueueMs = _queueClock.NowMs(nowMs);
            // The messages themselves come as the card scan finds them (AdoptFromCard); what the
            // recovery cycle leaves on the card sets when the next cycle starts.
            _cardHasMore = true;
            _nextCycleQueueMs = long.MaxValue;
            // Where this start begins, with the wall clock of now, for the next start's downtime.
            CheckpointClock(nowMs, true);
        }

        // Messages the spool could not read at start-up, and files the card would not delete, are
        // tried again every ReportRetryMs.
        private void LoadUnreadable(long nowMs, long nowQueueMs)
        {
            if (_spool.UnreadableCount + _spool.LeftoverCount == 0 || nowMs < _unreadableRetryMs) return;
            _unreadableRetryMs = nowMs + ReportRetryMs;
            _spool.TidyLeftovers();
            QueuedMessage[] loaded = _spool.LoadUnreadable();
            for (int i = 0; i < loaded.Length; i++)
            {
                AdoptFromCard(loaded[i], nowMs, nowQueueMs, true);
                _log.Line(loaded[i].QueueId + ": read from the card at last; queued");
            }
        }

        /// <summary>The queue clock now (QueueClock): what a new message's arrival is stamped with.</summary>
        public long QueueTimeMs(long nowMs)
        {
            if (!_clockLoaded) Start(nowMs);
            return _queueClock.NowMs(nowMs);
        }

        // Writes the queue clock to the card now and then; a card that cannot take it is tried again later.
        private void CheckpointClock(long nowMs, bool force)
        {
            if (nowMs < _clockRetryMs) return;
            try
            {
                _queueClock.Checkpoint(nowMs, WallMs(), force);
                _clockFailing = false;
            }
            catch (System.IO.IOException e)
            {
                _clockRetryMs = nowMs + ReportRetryMs;
                if (!_clockFailing) _log.Line("warning: cannot record the queue clock on the card: " + e.Message + "; will try again");
                _clockFailing = true;
            }
        }

        public int RunningJobs { get { return _running.Count; } }

        /// <summary>What starts delivery jobs (the console's "dns" asks its resolver).</summary>
        public IDeliveryJobFactory Deliveries { get { return _jobs; } }

        /// <summary>One pass; returns the monotonic time by which RunOnce should run again.</summary>
        public long RunOnce(long nowMs)
        {
            if (!_clockLoaded) Start(nowMs);
            long nowQueueMs = _queueClock.NowMs(nowMs);
            if (!_started && _clock.UnixTimeKnown())
            {
                _started = true;
                ReportQuarantined(nowQueueMs);
            }
            CheckpointClock(nowMs, false);
            LoadUnreadable(nowMs, nowQueueMs);
            nowQueueMs = ScanCard(nowMs, nowQueueMs);
            PumpJobs(nowMs);
            CollectFinishedJobs(nowMs, nowQueueMs);
            for (int i = _spool.Count - 1; i >= 0; i--)
            {
                QueuedMessage m = _spool.Message(i);
                if (m.InFlight > 0 || m.Held || IsBouncing(m)) continue;
                try
                {
                    Housekeep(m, nowQueueMs);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    m.NextReportQueueMs = nowQueueMs + ReportRetryMs;
                    InternalError(m, "queue housekeeping", e);
                }
            }
            StartDueOldestFirst(nowMs, nowQueueMs);
            // When every delivery slot is taken, a finishing job is what lets the next one start.
            long nextQueueMs = long.MaxValue;
            bool canStart = _jobs != null && _running.Count < _config.MaxDeliveries;
            for (int i = 0; i < _spool.Count && canStart; i++)
            {
                QueuedMessage m = _spool.Message(i);
                if (m.InFlight == 0 && !m.Held && !IsBouncing(m) && HasPending(m) && m.NextAttemptQueueMs < nextQueueMs)
                {
                    nextQueueMs = m.NextAttemptQueueMs;
                }
            }
            long next = long.MaxValue;
            try
            {
                if (_jobs != null) next = _jobs.PollDeadline();
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                next = nowMs + ReportRetryMs;
            }
            for (int i = 0; i < _running.Count; i++)
            {
                long d;
                try
                {
                    d = ((Running)_running[i]).Job.PollDeadline();
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    d = nowMs; // step it now: Step's own containment deals with it
                }
                if (d < next) next = d;
            }
            if (nextQueueMs != long.MaxValue)
            {
                long dueIn = nextQueueMs - nowQueueMs;
                long due = nowMs + (dueIn < 0 ? 0 : dueIn);
                if (due < next) next = due;
            }
            long checkpoint = nowMs < _clockRetryMs ? _clockRetryMs : _queueClock.CheckpointDueMs();
            if (checkpoint < next) next = checkpoint;
            if (_spool.UnreadableCount + _spool.LeftoverCount > 0 && _unreadableRetryMs < next) next = _unreadableRetryMs;
            long scan = ScanDueMs(nowMs, nowQueueMs);
            if (scan < next) next = scan;
            return next;
        }

        // What the jobs share (the DNS resolver, the connection cache): a failure there is logged
        // and the pass goes on; each lookup and job has its own timeout.
        private void PumpJobs(long nowMs)
        {
            if (_jobs == null) return;
            try
            {
                _jobs.Pump(nowMs);
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _internalErrors++;
                _log.Line("warning: internal error in the delivery pump (DNS, connection cache): " + Failures.Describe(e));
            }
        }

        // ---- Internal errors and hold ----------------------------------------------------------

        /// <summary>Internal errors in a row after which a message is put on hold.</summary>
        public const int MaxInternalErrors = 3;

        private int _internalErrors;

        /// <summary>Jobs and housekeeping ended by an internal error since start (each was logged).</summary>
        public int InternalErrors { get { return _internalErrors; } }

        // An exception escaped work on one message: logged with its queue ID; after
        // MaxInternalErrors in a row the message is held instead of failing again and again.
        private void InternalError(QueuedMessage m, string what, System.Exception e)
        {
            _internalErrors++;
            m.InternalErrors++;
            bool hold = m.InternalErrors >= MaxInternalErrors;
            _log.Line(m.QueueId + ": warning: internal error in " + what + ": " + Failures.Describe(e) +
                      (hold ? "" : "; will try again"));
            if (hold) Hold(m, m.InternalErrors.ToString() + " internal errors in a row (last: " + Failures.Describe(e) + ")");
        }

        private void Hold(QueuedMessage m, string reason)
        {
            string note = "";
            try
            {
                _spool.SetHeld(m, true);
            }
            catch (System.IO.IOException e)
            {
                note = " (not recorded on the card: " + e.Message + "; the hold lasts until restart)";
            }
            _log.Line(m.QueueId + ": hold: " + reason + "; kept on the card, not tried again until released" + note);
        }

        /// <summary>Holds a queued message (the console's "queue hold"); null on success, else why not.</summary>
        public string Hold(string queueId)
        {
            QueuedMessage m = _spool.FindOrLoad(queueId);
            if (m == null) return "no message " + queueId + " in the queue";
            if (m.Held) return null;
            Hold(m, "held by the operator");
            return null;
        }

        /// <summary>
        /// Releases a held message (the console's "queue release"): its pending recipients are due at
        /// once and its count of internal errors starts again. Null on success, else why not.
        /// </summary>
        public string Release(string queueId)
        {
            QueuedMessage m = _spool.FindOrLoad(queueId);
            if (m == null) return "no message " + queueId + " in the queue";
            if (!m.Held) return null;
            try
            {
                _spool.SetHeld(m, false);
            }
            catch (System.IO.IOException e)
            {
                m.Held = true;
                return "cannot record the release on the card: " + e.Message;
            }
            m.InternalErrors = 0;
            long nowQueueMs = QueueTimeMs(_clock.MonotonicMs());
            DueNow(m, nowQueueMs);
            _log.Line(m.QueueId + ": released from hold");
            return null;
        }

        /// <summary>
        /// Makes one message's pending recipients due now (the console's "queue flush ID"); null on
        /// success, else why not. A held message stays held: release it instead.
        /// </summary>
        public string Flush(string queueId)
        {
            QueuedMessage m = _spool.FindOrLoad(queueId);
            if (m == null) return "no message " + queueId + " in the queue";
            if (m.Held) return queueId + " is on hold: queue release " + queueId + " lets it go";
            DueNow(m, QueueTimeMs(_clock.MonotonicMs()));
            return null;
        }

        /// <summary>
        /// Deletes a queued message for good, without a bounce (the console's "queue delete", like
        /// Postfix's postsuper -d); null on success, else why not. A message being delivered right
        /// now is refused: hold it, or try again when the attempt has ended.
        /// </summary>
        public string Delete(string queueId)
        {
            QueuedMessage m = _spool.FindOrLoad(queueId);
            if (m == null) return "no message " + queueId + " in the queue";
            if (m.InFlight > 0) return queueId + " is being delivered right now; try again in a moment, or hold it first";
            if (IsBouncing(m)) return queueId + ": its bounce is being queued right now; try again in a moment";
            int left = 0;
            for (int r = 0; r < m.Recipients.Length; r++)
            {
                if (m.Recipients[r].State == RecipientStatus.Pending || m.Recipients[r].State == RecipientStatus.Bouncing) left++;
            }
            try
            {
                _spool.Remove(m);
            }
            catch (System.IO.IOException e)
            {
                return "cannot delete " + queueId + " from the card: " + e.Message;
            }
            _log.Line(queueId + ": deleted by the operator, " + left.ToString() + " recipient(s) not delivered, no bounce sent");
            return null;
        }

        /// <summary>Makes every pending recipient due now (the console's "flush").</summary>
        public void FlushNow()
        {
            long nowQueueMs = QueueTimeMs(_clock.MonotonicMs());
            _flushCard = true;          // and those on the card, as the next cycle finds them
            _nextCycleQueueMs = 0;
            for (int i = 0; i < _spool.Count; i++)
            {
                QueuedMessage m = _spool.Message(i);
                if (!m.Held) DueNow(m, nowQueueMs); // a flush does not release a hold
            }
        }

        // Every pending recipient of m, and so m, is due at nowQueueMs.
        private static void DueNow(QueuedMessage m, long nowQueueMs)
        {
            for (int r = 0; r < m.Recipients.Length; r++)
            {
                if (m.Recipients[r].State == RecipientStatus.Pending) m.Recipients[r].NextAttemptQueueMs = nowQueueMs;
            }
            m.NextAttemptQueueMs = nowQueueMs;
        }

        /// <summary>Stops every running job (shutdown); their recipients stay pending.</summary>
        public void AbortAll()
        {
            for (int i = 0; i < _running.Count; i++)
            {
                try
                {
                    ((Running)_running[i]).Job.Abort();
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                }
            }
            CollectFinishedJobs(_clock.MonotonicMs(), QueueTimeMs(_clock.MonotonicMs()));
            try
            {
                if (_jobs != null) _jobs.Close(_clock.MonotonicMs());
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _log.Line("warning: closing delivery connections: " + Failures.Describe(e));
            }
        }

        /// <summary>The loop's answer for a bounce queued by this runner: committed or not.</summary>
        public void BounceCommitted(MessageWriter writer)
        {
            PendingBounce bounce = null;
            for (int i = 0; i < _bouncesInFlight.Count; i++)
            {
                PendingBounce b = (PendingBounce)_bouncesInFlight[i];
                if (b.Writer == writer) bounce = b;
            }
            if (bounce == null) return;
            _bouncesInFlight.Remove(bounce);
            if (bounce.Message == null)
            {
                // A notice of our own (damaged queue files, the console's test message): sent once,
                // best effort; the log has it too.
                _log.Line(writer.Outcome == MessageWriter.Committed ? writer.Envelope.QueueId + ": " + bounce.What + " queued"
                          : "warning: could not queue the " + bounce.What);
                return;
            }
            if (writer.Outcome != MessageWriter.Committed)
            {
                _log.Line(bounce.Message.QueueId + ": warning: could not queue the " + bounce.What + "; will try again");
                return;
            }
            bounce.Message.NextReportQueueMs = 0;
            _log.Line(bounce.Message.QueueId + ": " + bounce.What + ": " + writer.Envelope.QueueId);
            if (bounce.Kind == Bounce.Delay)
            {
                _spool.MarkWarningSent(bounce.Message);
                return;
            }
            for (int i = 0; i < bounce.Recipients.Length; i++)
            {
                RecipientStatus r = bounce.Message.Recipients[bounce.Recipients[i]];
                r.State = RecipientStatus.Failed;
                _spool.UpdateRecipient(bounce.Message, bounce.Recipients[i]);
            }
        }

        public static bool IsBounceOwner(object owner)
        {
            return owner is PendingBounce;
        }

        // ---- Jobs ------------------------------------------------------------------------------

        private sealed class Running
        {
            public IDeliveryJob Job;
            public QueuedMessage Message;
            public int[] Recipients;
            public Destination Destination;
        }

        // Starts jobs for due messages while delivery slots are free, the message due longest first,
        // so that nothing waits behind mail that keeps failing (a full queue after an outage drains
        // in the order it was due).
        private void StartDueOldestFirst(long nowMs, long nowQueueMs)
        {
            if (_jobs == null) return; // no delivery wired in (a receive-only build)
            while (_running.Count < _config.MaxDeliveries)
            {
                QueuedMessage oldest = null;
                for (int i = 0; i < _spool.Count; i++)
                {
                    QueuedMessage m = _spool.Message(i);
                    if (m.InFlight > 0 || m.Held || m.NextAttemptQueueMs > nowQueueMs || IsBouncing(m) || !HasDue(m, nowQueueMs)) continue;
                    if (oldest == null || m.NextAttemptQueueMs < oldest.NextAttemptQueueMs ||
                        (m.NextAttemptQueueMs == oldest.NextAttemptQueueMs && m.Sequence < oldest.Sequence))
                    {
                        oldest = m;   // equal times: the one that came first
                    }
                }
                if (oldest == null) return;
                try
                {
                    StartDue(oldest, nowMs, nowQueueMs);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    InternalError(oldest, "starting delivery", e);
                    if (!oldest.Held) oldest.NextAttemptQueueMs = nowQueueMs + ReportRetryMs;
                }
                if (oldest.InFlight == 0 && !oldest.Held && oldest.NextAttemptQueueMs <= nowQueueMs)
                {
                    oldest.NextAttemptQueueMs = EarliestPending(oldest); // nothing was started for it now
                    if (oldest.NextAttemptQueueMs <= nowQueueMs) return;   // avoid picking it again in this pass
                }
            }
        }

        private static bool HasDue(QueuedMessage m, long nowQueueMs)
        {
            for (int r = 0; r < m.Recipients.Length; r++)
            {
                RecipientStatus s = m.Recipients[r];
                if (s.State == RecipientStatus.Pending && s.NextAttemptQueueMs <= nowQueueMs) return true;
            }
            return false;
        }

        private void StartDue(QueuedMessage m, long nowMs, long nowQueueMs)
        {
            // Group the due recipients by destination; each group is one job.
            int[] due = new int[m.Recipients.Length];
            string[] keys = new string[m.Recipients.Length];
            Destination[] destinations = new Destination[m.Recipients.Length];
            int n = 0;
            for (int r = 0; r < m.Recipients.Length; r++)
            {
                RecipientStatus s = m.Recipients[r];
                if (s.State != RecipientStatus.Pending || s.NextAttemptQueueMs > nowQueueMs) continue;
                due[n] = r;
                destinations[n] = _router.Route(s.Address);
                keys[n] = destinations[n].Key;
                n++;
            }
            bool[] taken = new bool[n];
            for (int a = 0; a < n && _running.Count < _config.MaxDeliveries; a++)
            {
                if (taken[a]) continue;
                int count = 0;
                int[] group = new int[n];
                for (int b = a; b < n; b++)
                {
                    if (taken[b] || keys[b] != keys[a]) continue;
                    taken[b] = true;
                    group[count++] = due[b];
                }
                int[] recipients = new int[count];
                System.Array.Copy(group, recipients, count);
                Running run = new Running();
                run.Message = m;
                run.Recipients = recipients;
                run.Destination = destinations[a];
                run.Job = _jobs.Start(m, recipients, destinations[a], nowMs);
                m.InFlight += count;
                _running.Add(run);
            }
        }

        private void CollectFinishedJobs(long nowMs, long nowQueueMs)
        {
            for (int i = _running.Count - 1; i >= 0; i--)
            {
                Running run = (Running)_running[i];
                AttemptOutcome[] outcomes;
                bool contained = false;
                try
                {
                    if (!run.Job.Step(nowMs)) continue;
                    outcomes = run.Job.Outcomes;
                    if (outcomes == null || outcomes.Length != run.Recipients.Length)
                    {
                        throw new System.InvalidOperationException("a finished job must give one outcome per recipient");
                    }
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    outcomes = Contained(run, e);
                    contained = true;
                }
                _running.RemoveAt(i);
                run.Message.InFlight -= run.Recipients.Length;
                if (!contained) run.Message.InternalErrors = 0; // only errors in a row count
                for (int k = 0; k < outcomes.Length; k++) Apply(run.Message, outcomes[k], nowQueueMs);
                if (run.Message.InFlight == 0) run.Message.NextAttemptQueueMs = EarliestPending(run.Message);
            }
        }

        // A job threw: it is abandoned (its connection closed), each of its recipients is deferred
        // with the error as the reason, and the message's run of internal errors grows (HOLD).
        private AttemptOutcome[] Contained(Running run, System.Exception e)
        {
            try
            {
                run.Job.Abort();
            }
            catch (System.Exception abortFailure)
            {
                if (Failures.IsHalt(abortFailure)) throw;
            }
            AttemptOutcome[] outcomes = new AttemptOutcome[run.Recipients.Length];
            string reply = "451 4.3.0 internal error in delivery: " + Failures.Describe(e);
            for (int k = 0; k < outcomes.Length; k++)
            {
                outcomes[k] = new AttemptOutcome(run.Recipients[k], AttemptOutcome.Transient, "4.3.0", reply, "");
            }
            InternalError(run.Message, "delivery", e);
            return outcomes;
        }

        private void Apply(QueuedMessage m, AttemptOutcome outcome, long nowQueueMs)
        {
            RecipientStatus r = m.Recipients[outcome.Recipient];
            r.Attempts++;
            r.LastReply = outcome.Reply;
            r.RemoteHost = outcome.RemoteHost;
            string status = AttemptOutcome.StatusWord(outcome.Result);
            if (outcome.Result == AttemptOutcome.Delivered)
            {
                r.State = RecipientStatus.Delivered;
            }
            else if (outcome.Result == AttemptOutcome.Permanent)
            {
                r.State = RecipientStatus.Bouncing;
            }
            else
            {
                r.NextAttemptQueueMs = _retry.NextAttemptMs(nowQueueMs, r.Attempts, _random.Next(1000));
                long wall = WallMs();
                r.NextAttemptUnixMs = wall > 0 ? wall + (r.NextAttemptQueueMs - nowQueueMs) : 0;
            }
            _spool.UpdateRecipient(m, outcome.Recipient);
            _log.Line(m.QueueId + ": to=<" + r.Address + ">, relay=" + (outcome.RemoteHost.Length > 0 ? outcome.RemoteHost : "none") +
                      ", delay=" + Seconds(m.AgeMs(nowQueueMs)) + ", dsn=" + outcome.Status +
                      ", status=" + status + " (" + outcome.Reply + ")");
        }

        // ---- Expiry, bounces, warnings, removal ----------------------------------------------

        private sealed class PendingBounce
        {
            public MessageWriter Writer;
            public QueuedMessage Message;
            public int[] Recipients;
            public int Kind;
            public string What;
        }

        private bool IsBouncing(QueuedMessage m)
        {
            for (int i = 0; i < _bouncesInFlight.Count; i++)
            {
                if (((PendingBounce)_bouncesInFlight[i]).Message == m) return true;
            }
            return false;
        }

        private void Housekeep(QueuedMessage m, long nowQueueMs)
        {
            // Storage work that failed (a card that turned read-only or full) is tried again now and then.
            if (m.StorageRetryQueueMs > nowQueueMs) return;
            if (!_spool.SaveUnsaved(m))
            {
                m.StorageRetryQueueMs = nowQueueMs + ReportRetryMs;
                return;
            }
            long age = m.AgeMs(nowQueueMs);
            if (age >= _config.QueueLifetimeMs) Expire(m, nowQueueMs);
            int[] bouncing = Select(m, RecipientStatus.Bouncing);
            if (bouncing.Length > 0 && m.NextReportQueueMs <= nowQueueMs) QueueReport(m, Bounce.Failure, bouncing, nowQueueMs);
            if (IsBouncing(m) || HasState(m, RecipientStatus.Bouncing)) return; // finish the bounce first
            if (!HasPending(m))
            {
                try
                {
                    _spool.Remove(m);
                    _log.Line(m.QueueId + ": removed");
                }
                catch (System.IO.IOException e)
                {
                    m.StorageRetryQueueMs = nowQueueMs + ReportRetryMs;
                    _log.Line(m.QueueId + ": warning: cannot remove the delivered message from the card: " + e.Message + "; will try again");
                }
                return;
            }
            if (_config.WarnAfterMs > 0 && !m.WarningSent && age >= _config.WarnAfterMs && m.NextReportQueueMs <= nowQueueMs)
            {
                int[] waiting = Select(m, RecipientStatus.Pending);
                if (m.Envelope.Sender.Length == 0) return; // no warnings about bounces
                QueueReport(m, Bounce.Delay, waiting, nowQueueMs);
            }
        }

        private void Expire(QueuedMessage m, long nowQueueMs)
        {
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                RecipientStatus r = m.Recipients[i];
                if (r.State != RecipientStatus.Pending) continue;
                string last = r.LastReply.Length > 0 ? r.LastReply : "never attempted";
                r.LastReply = "451 4.4.7 delivery time expired after " + ConfigParser.FormatDuration(_config.QueueLifetimeMs) +
                              "; last error: " + last;
                r.State = RecipientStatus.Bouncing;
                _spool.UpdateRecipient(m, i);
                _log.Line(m.QueueId + ": to=<" + r.Address + ">, relay=none, delay=" + Seconds(m.AgeMs(nowQueueMs)) +
                          ", dsn=4.4.7, status=expired, returned to sender (" + last + ")");
            }
        }

        // Queues one DSN for the listed recipients of m; BounceCommitted finishes the job.
        private void QueueReport(QueuedMessage m, int kind, int[] recipients, long nowQueueMs)
        {
            string notify = m.Envelope.Sender;
            string what = kind == Bounce.Failure ? "sender non-delivery notification" : "sender delay notification";
            if (notify.Length == 0)
            {
                // RFC 5321 §4.5.5: a bounce is never bounced. A copy goes to the postmaster, but
                // not about one of our own reports (that one may be the postmaster's copy: a loop).
                bool copy = _config.Postmaster != null && m.Envelope.Protocol != ReportProtocol;
                _log.Line(m.QueueId + ": undeliverable message with null sender" +
                          (copy ? "; copy to postmaster <" + _config.Postmaster + ">" : "; discarded"));
                if (!copy)
                {
                    for (int i = 0; i < recipients.Length; i++)
                    {
                        m.Recipients[recipients[i]].State = RecipientStatus.Failed;
                        _spool.UpdateRecipient(m, recipients[i]);
                    }
                    return;
                }
                notify = _config.Postmaster;
                what = "postmaster non-delivery notification";
            }
            if (!_clock.UnixTimeKnown())
            {
                // A report carries dates (Date:, Arrival-Date:, the retry deadline): it waits for
                // the clock to be set rather than tell the sender of 1970. Nothing expires meanwhile.
                if (!_reportsWaitingForClock) _log.Line("reports wait: the clock is not set yet");
                _reportsWaitingForClock = true;
                m.NextReportQueueMs = nowQueueMs + ReportRetryMs;
                return;
            }
            _reportsWaitingForClock = false;
            RecipientStatus[] about = new RecipientStatus[recipients.Length];
            for (int i = 0; i < recipients.Length; i++) about[i] = m.Recipients[recipients[i]];
            long nowUnixMs = _clock.UnixMs();
            long age = m.AgeMs(nowQueueMs);
            Bounce report = new Bounce(kind, _config.Hostname, m, about, nowUnixMs,
                                       nowUnixMs + (_config.QueueLifetimeMs - age), notify, age);
            Envelope envelope = ReportEnvelope(notify, nowQueueMs);
            MessageWriter writer = null;
            try
            {
                // A bounce after which nothing of m is pending takes over m's space: m is removed
                // right after it, and a full card must not keep m's sender waiting for ever.
                writer = _spool.Begin(envelope, kind == Bounce.Failure && !HasPending(m) ? m.FileBytes : 0);
                if (writer == null)
                {
                    _log.Line(m.QueueId + ": warning: spool full, " + what + " postponed");
                    m.NextReportQueueMs = nowQueueMs + ReportRetryMs;
                    return;
                }
                m.NextReportQueueMs = nowQueueMs + ReportRetryMs; // unless it gets queued below
                report.Begin();
                if (!Drain(report, writer)) return;
                MessageBody original = new MessageBody(_spool.Storage, m.FileName);
                try
                {
                    int n;
                    byte[] scratch = _spool.Scratch; // Drain frames in it too, after the headers are copied out
                    while ((n = original.Next(scratch, 0, scratch.Length)) > 0 && report.AddOriginalHeaders(scratch, 0, n))
                    {
                        if (!Drain(report, writer)) return;
                    }
                }
                finally
                {
                    original.Close();
                }
                report.Finish();
                if (!Drain(report, writer)) return;
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                if (writer != null) _spool.Abort(writer);
                if (!(e is System.IO.IOException)) throw; // a bug: counted by the caller (HOLD)
                _log.Line(m.QueueId + ": warning: could not write the " + what + ": " + e.Message);
                return;
            }
            PendingBounce pending = new PendingBounce();
            pending.Writer = writer;
            pending.Message = m;
            pending.Recipients = recipients;
            pending.Kind = kind;
            pending.What = what;
            writer.Owner = pending;
            _bouncesInFlight.Add(pending);
            _spool.RequestCommit(writer);
        }

        // Moves the report's text into the spool file; false (file abandoned) when it did not fit.
        private bool Drain(Bounce report, MessageWriter writer)
        {
            bool ok = writer.Write(report.Output.Array, report.Output.Start, report.Output.Count);
            report.Output.Clear();
            if (!ok)
            {
                _log.Line(writer.Envelope.QueueId + ": warning: spool full while writing a notification");
                _spool.Abort(writer);
            }
            return ok;
        }

        // ---- Damaged queue files ----------------------------------------------------------------

        // Tells queue.postmaster by mail which damaged files recovery set aside (the originals stay
        // on the card as .BAD); without a postmaster the log is all there is, and says so loudly.
        private void ReportQuarantined(long nowQueueMs)
        {
            string[] lines = _spool.TakeQuarantined();
            if (lines.Length == 0) return;
            if (_config.Postmaster == null)
            {
                _log.Line("error: " + lines.Length.ToString() + " damaged queue file(s) set aside as .BAD at start-up (see above); " +
                          "set queue.postmaster to be told by mail");
                return;
            }
            MessageWriter writer = null;
            try
            {
                writer = _spool.Begin(ReportEnvelope(_config.Postmaster, nowQueueMs));
                if (writer == null)
                {
                    _log.Line("error: spool full: cannot tell the postmaster about " + lines.Length.ToString() + " damaged queue file(s)");
                    return;
                }
                PostmasterNotice notice = new PostmasterNotice(_config.Hostname, _config.Postmaster, writer.Envelope.QueueId, _clock.UnixMs());
                byte[] text = notice.Bytes(lines);
                if (!writer.Write(text, 0, text.Length))
                {
                    _spool.Abort(writer);
                    _log.Line("error: spool full: cannot tell the postmaster about the damaged queue files");
                    return;
                }
            }
            catch (System.IO.IOException e)
            {
                if (writer != null) _spool.Abort(writer);
                _log.Line("error: cannot tell the postmaster about the damaged queue files: " + e.Message);
                return;
            }
            PendingBounce pending = new PendingBounce();
            pending.Writer = writer;
            pending.What = "postmaster notice of " + lines.Length.ToString() + " damaged queue file(s)";
            writer.Owner = pending;
            _bouncesInFlight.Add(pending);
            _spool.RequestCommit(writer);
        }

        /// <summary>
        /// Queues the console's test message to one address (TestMessage); null on success (queueId
        /// names it; the loop commits it in this pass's batch), else why not.
        /// </summary>
        public string QueueTestMessage(string to, string version, out string queueId)
        {
            queueId = null;
            if (!_clock.UnixTimeKnown()) return "the clock is not set yet, and a message needs a date; try again once it is (status says)";
            MessageWriter writer = null;
            try
            {
                writer = _spool.Begin(ReportEnvelope(to, QueueTimeMs(_clock.MonotonicMs())));
                if (writer == null) return "the card is full (spool.max_bytes)";
                byte[] text = TestMessage.Bytes(_config.Hostname, to, writer.Envelope.QueueId, _clock.UnixMs(), version);
                if (!writer.Write(text, 0, text.Length))
                {
                    _spool.Abort(writer);
                    return "the card is full (spool.max_bytes)";
                }
            }
            catch (System.IO.IOException e)
            {
                if (writer != null) _spool.Abort(writer);
                return "cannot write to the card: " + e.Message;
            }
            PendingBounce pending = new PendingBounce();
            pending.Writer = writer;
            pending.What = "test message to <" + to + ">";
            writer.Owner = pending;
            _bouncesInFlight.Add(pending);
            _spool.RequestCommit(writer);
            queueId = writer.Envelope.QueueId;
            return null;
        }

        // The envelope of a report this runner writes: from the null sender, so it is never bounced;
        // to whoever the address stands for (a local alias's targets, like mail from outside).
        private Envelope ReportEnvelope(string to, long nowQueueMs)
        {
            Envelope envelope = new Envelope();
            envelope.ArrivalUnixMs = _clock.UnixMs();
            envelope.ArrivalQueueMs = nowQueueMs;
            envelope.ClientAddress = "127.0.0.1";
            envelope.Helo = _config.Hostname;
            envelope.Protocol = ReportProtocol;
            envelope.Sender = "";
            envelope.Recipients = _recipients != null ? _recipients.Of(to) : new string[] { to };
            return envelope;
        }

        // ---- Helpers ---------------------------------------------------------------------------

        // The wall clock when the platform says it is set, else 0 ("cannot tell"): what is kept on
        // the card beside queue times never records 1970 as if it were a date.
        private long WallMs()
        {
            return _clock.UnixTimeKnown() ? _clock.UnixMs() : 0;
        }

        private static bool AttemptedBefore(QueuedMessage m)
        {
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                if (m.Recipients[i].Attempts > 0) return true;
            }
            return false;
        }

        private static long EarliestPending(QueuedMessage m)
        {
            long earliest = long.MaxValue;
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                RecipientStatus r = m.Recipients[i];
                if (r.State == RecipientStatus.Pending && r.NextAttemptQueueMs < earliest) earliest = r.NextAttemptQueueMs;
            }
            return earliest == long.MaxValue ? 0 : earliest;
        }

        private static bool HasPending(QueuedMessage m)
        {
            return HasState(m, RecipientStatus.Pending);
        }

        private static bool HasState(QueuedMessage m, int state)
        {
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                if (m.Recipients[i].State == state) return true;
            }
            return false;
        }

        private static int[] Select(QueuedMessage m, int state)
        {
            int n = 0;
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                if (m.Recipients[i].State == state) n++;
            }
            int[] result = new int[n];
            n = 0;
            for (int i = 0; i < m.Recipients.Length; i++)
            {
                if (m.Recipients[i].State == state) result[n++] = i;
            }
            return result;
        }

        // Postfix's delay=: seconds with one decimal.
        private static string Seconds(long ms)
        {
            if (ms < 0) ms = 0;
            return (ms / 1000).ToString() + "." + (ms / 100 % 10).ToString();
        }
    }
}
