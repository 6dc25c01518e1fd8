// Which queued messages the runner keeps in memory (issue "the queue on the card, a bounded index
// in memory"): at most queue.index_size, the rest wait on the card (Spool.Scan walks it).
//
// How it works, once per loop pass (ScanCard):
//   - Over the bound (new mail arrived while memory was full), idle messages that are not due go
//     back to the card, the latest due first (Evict; idle: no job, no report or storage work
//     pending, no internal error being counted).
//   - A scan cycle walks the card in queue ID (arrival) order, ScanWorkPerPass names per pass.
//     Each message it finds that is not in memory is adopted (its times put on the queue clock).
//     A due message takes a free place, or the place of an idle one due later; a message not due
//     yet takes a free place only if nothing passed over in this cycle is due before it. When it
//     cannot, a message due now or within PauseHorizonMs holds the cycle there until there is
//     room or it falls due (so mail goes in the order it is due); one due later is left on the
//     card, and the earliest such time is when the next cycle starts. The recovery cycle after
//     start-up never pauses: it must count the whole card, and what it leaves the next cycle finds.
//   - Nothing on the card is forgotten: every message left there or sent back there makes
//     _cardHasMore true, and a cycle that ends without leaving anything makes it false.
// Cost: a cycle reads each message's envelope and recipient log once; with memory for C messages
// and N on the card, draining the card takes about N/C cycles only when every message is due at
// once and delivery is slower than the scan — in the usual case one cycle per retry round.
using MailGateway.Core.Spool;

namespace MailGateway.Core.Delivery
{
    public sealed partial class QueueRunner
    {
        /// <summary>Names of the card the scan looks at per loop pass.</summary>
        public const int ScanWorkPerPass = 64;
        /// <summary>A message due within this long holds the scan's place rather than be passed over (keeps due order).</summary>
        public const long PauseHorizonMs = 60 * 1000;

        private readonly int _capacity;
        private long _downtimeMs;          // how long the gateway was off, as far as the wall clock can tell
        private bool _cardHasMore;         // messages may be on the card that are not in memory
        private long _nextCycleQueueMs;    // when the next scan cycle starts (queue clock)
        private bool _paused;              // the cycle waits for room for a due message
        private long _pausedDueMs;
        private bool _flushCard;           // FlushNow: the next cycle makes everything it finds due
        private bool _flushThisCycle;
        private long _startQueueMs;        // the queue clock when this run started

        /// <summary>Names the card scan lists at a time for this queue.index_size (8 to 256).</summary>
        public static int ScanPageSize(int indexSize)
        {
            return indexSize < 8 ? 8 : indexSize > 256 ? 256 : indexSize;
        }

        /// <summary>Queued messages kept in memory now (at most about queue.index_size).</summary>
        public int InMemory { get { return _spool.Count; } }

        /// <summary>Every queued message is in memory: no scan under way and none left on the card.</summary>
        public bool AllInMemory { get { return !_cardHasMore && !_spool.CycleActive; } }

        /// <summary>
        /// Runs the recovery cycle to its end now (Start's work at once, without starting
        /// deliveries): for a caller that must see the whole queue before it goes on (tests, tools).
        /// </summary>
        public void CompleteRecovery(long nowMs)
        {
            if (!_clockLoaded) Start(nowMs);
            while (_spool.Recovering && !_spool.ListingFailed) ScanCard(nowMs, _queueClock.NowMs(nowMs));
        }

        // One pass of the scan (see the header); returns the queue clock now (finding a message
        // may raise it: a card that lost the clock's files).
        private long ScanCard(long nowMs, long nowQueueMs)
        {
            while (_spool.Count > _capacity && EvictOne(nowQueueMs, nowQueueMs))
            {
            }
            if (!_spool.CycleActive)
            {
                if (!_cardHasMore || nowQueueMs < _nextCycleQueueMs || !HasRoomFor(nowQueueMs, nowQueueMs)) return nowQueueMs;
                _spool.StartCycle();
                _cardHasMore = false;
                _nextCycleQueueMs = long.MaxValue;
                _flushThisCycle = _flushCard;
                _flushCard = false;
                _paused = false;
            }
            // Paused: go on once there is a free place, or once the message is due and one not due takes less.
            if (_paused && _spool.Count >= _capacity && !(_pausedDueMs <= nowQueueMs && HasRoomFor(_pausedDueMs, nowQueueMs))) return nowQueueMs;
            _paused = false;
            int work = ScanWorkPerPass;
            while (work > 0 && _spool.CycleActive)
            {
                QueuedMessage m = _spool.NextFromCard(ref work);
                if (m == null) continue;
                bool recovery = _spool.Recovering;
                nowQueueMs = AdoptFromCard(m, nowMs, nowQueueMs, recovery);
                long due = DueQueueMs(m, nowQueueMs);
                // Not due yet, it may take a free place only if nothing passed over in this cycle
                // is due before it: memory then holds the next due, in order.
                bool isDue = due <= nowQueueMs;
                if ((_spool.Count < _capacity && (isDue || due <= _nextCycleQueueMs)) || (isDue && EvictOne(nowQueueMs, due)))
                {
                    _spool.Admit(m);
                    continue;
                }
                _cardHasMore = true;
                if (!recovery && due - nowQueueMs <= PauseHorizonMs)
                {
                    _paused = true;    // due now or soon: offered again once there is room or it is due
                    _pausedDueMs = due;
                    break;
                }
                _spool.Skip();
                if (due < _nextCycleQueueMs) _nextCycleQueueMs = due;
            }
            if (!_spool.CycleActive && _spool.CycleUnread > 0)
            {
                _cardHasMore = true;    // messages the card would not give now: the next cycle tries again
                long retry = nowQueueMs + ReportRetryMs;
                if (retry < _nextCycleQueueMs) _nextCycleQueueMs = retry;
            }
            return nowQueueMs;
        }

        // When the loop should come back for the scan (monotonic), long.MaxValue when only an event can help.
        private long ScanDueMs(long nowMs, long nowQueueMs)
        {
            if (_spool.CycleActive)
            {
                if (!_paused) return nowMs;
                // Waiting for room (an event), or for the message it stopped at to fall due.
                return _pausedDueMs > nowQueueMs ? nowMs + (_pausedDueMs - nowQueueMs) : long.MaxValue;
            }
            if (!_cardHasMore || _nextCycleQueueMs == long.MaxValue) return long.MaxValue;
            if (_nextCycleQueueMs <= nowQueueMs) return HasRoomFor(nowQueueMs, nowQueueMs) ? nowMs : long.MaxValue;
            return nowMs + (_nextCycleQueueMs - nowQueueMs);
        }

        // A message read from the card put on the queue clock (see Start). In the recovery cycle,
        // retries come earlier by the time the gateway was off (as far as the wall clock can tell;
        // a message read again later keeps the card's times: at worst it goes a little later).
        // Retries overdue at the start are spread over StartupSpreadMs, a tenth of it first, the
        // longest overdue first: a function of the time each was due alone, so that a message read
        // again after an eviction keeps its place (ties go by arrival).
        private long AdoptFromCard(QueuedMessage m, long nowMs, long nowQueueMs, bool recovery)
        {
            long arrival = m.Envelope.ArrivalQueueMs;
            if (arrival > nowQueueMs)
            {
                _queueClock.Raise(arrival, nowMs);
                nowQueueMs = _queueClock.NowMs(nowMs);
            }
            if (arrival < 0 || arrival > nowQueueMs) m.Envelope.ArrivalQueueMs = nowQueueMs;
            for (int r = 0; r < m.Recipients.Length; r++)
            {
                RecipientStatus s = m.Recipients[r];
                if (s.NextAttemptQueueMs < 0) s.NextAttemptQueueMs = _startQueueMs;
                else if (recovery) s.NextAttemptQueueMs -= _downtimeMs;
            }
            m.NextAttemptQueueMs = EarliestPending(m);
            if (m.NextAttemptQueueMs < _startQueueMs && HasState(m, RecipientStatus.Pending) && AttemptedBefore(m))
            {
                long lifetime = _config.QueueLifetimeMs > 0 ? _config.QueueLifetimeMs : 1;
                long sooner = m.NextAttemptQueueMs - (_startQueueMs - lifetime);   // below lifetime; larger: less overdue
                if (sooner < 0) sooner = 0;
                m.NextAttemptQueueMs = _startQueueMs + StartupSpreadMs / 10 + StartupSpreadMs * 9 / 10 * sooner / lifetime;
            }
            if (_flushThisCycle && !m.Held) DueNow(m, nowQueueMs);
            return nowQueueMs;
        }

        // When the runner next has work on m (queue clock): an attempt, its expiry, its delay
        // warning, or now (reports or removal); never for a held message.
        private long DueQueueMs(QueuedMessage m, long nowQueueMs)
        {
            if (m.Held) return long.MaxValue;
            if (!HasPending(m) || HasState(m, RecipientStatus.Bouncing)) return nowQueueMs;
            long due = m.NextAttemptQueueMs;
            long expires = m.Envelope.ArrivalQueueMs + _config.QueueLifetimeMs;
            if (expires < due) due = expires;
            if (_config.WarnAfterMs > 0 && !m.WarningSent && m.Envelope.Sender.Length > 0)
            {
                long warn = m.Envelope.ArrivalQueueMs + _config.WarnAfterMs;
                if (warn < due) due = warn;
            }
            return due;
        }

        // Memory has room for a message due at dueMs: a free place, or an idle message due later.
        private bool HasRoomFor(long dueMs, long nowQueueMs)
        {
            return _spool.Count < _capacity || IdleDueAfter(dueMs, nowQueueMs) != null;
        }

        // Sends the idle message due latest back to the card, if it is due after dueMs.
        private bool EvictOne(long nowQueueMs, long dueMs)
        {
            QueuedMessage victim = IdleDueAfter(dueMs, nowQueueMs);
            if (victim == null) return false;
            long victimDue = DueQueueMs(victim, nowQueueMs);
            _spool.Evict(victim);
            _cardHasMore = true;
            if (victimDue < _nextCycleQueueMs) _nextCycleQueueMs = victimDue;
            return true;
        }

        // The idle message in memory due latest, if it is due after dueMs; else null.
        private QueuedMessage IdleDueAfter(long dueMs, long nowQueueMs)
        {
            QueuedMessage latest = null;
            long latestDue = dueMs;
            for (int i = 0; i < _spool.Count; i++)
            {
                QueuedMessage m = _spool.Message(i);
                if (!IsIdle(m)) continue;
                long due = DueQueueMs(m, nowQueueMs);
                if (due > latestDue)
                {
                    latest = m;
                    latestDue = due;
                }
            }
            return latest;
        }

        // Nothing of m lives only in memory: it can go back to the card and be read again later.
        private bool IsIdle(QueuedMessage m)
        {
            if (m.InFlight > 0 || IsBouncing(m) || m.StorageRetryQueueMs > 0) return false;
            if (m.InternalErrors > 0 && !m.Held) return false;
            if (m.Unsaved != null)
            {
                for (int i = 0; i < m.Unsaved.Length; i++)
                {
                    if (m.Unsaved[i]) return false;
                }
            }
            return m.Held || (HasPending(m) && !HasState(m, RecipientStatus.Bouncing));
        }
    }
}
