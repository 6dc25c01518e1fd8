// The queue's own clock: how long this gateway has been running, added up over all its starts
// (DESIGN: time may be unknown; ages and lifetimes count observed time). Queue ages
// (queue.lifetime, queue.warn_after) and retry times are kept in it, never in the wall clock, which
// says 1970 on an ESP32 until SNTP answers and may be stepped either way by NTP at any moment: a
// clock that jumps then neither expires nor bounces mail, nor leaves it waiting for days.
//
// How it works: NowMs is the value loaded at start-up plus the monotonic time since. The value is
// written at start-up and then at most every CheckpointMs of running, with the wall clock of that
// moment, as one self-checking record into one of two small files (QCLOCK.A, QCLOCK.B, alternately: RecordPair,
// like QueueIds): a restart goes on from the higher valid one, so it forgets at most CheckpointMs
// of running, and a write torn by a power cut leaves the other. Raise keeps the clock above every
// stamp found on the card (a card that lost both files). Time the gateway was off is not counted:
// mail ages while the gateway watches it. The wall clock kept with the record only lets the queue
// know, at the next start, how long the gateway was off as far as that clock can tell
// (DowntimeMs), so that retries that fell due meanwhile go at once — the wall clock may make
// mail go sooner, never expire.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class QueueClock
    {
        /// <summary>Running time between two records of the clock on the card (what a restart may forget).</summary>
        public const long CheckpointMs = 5 * 60 * 1000;
        public const string FileA = "QCLOCK.A";
        public const string FileB = "QCLOCK.B";

        private readonly RecordPair _files;
        private long _baseMs;            // queue time at _baseMonotonicMs
        private long _baseMonotonicMs;
        private long _savedMs;           // the value last on the card
        private long _savedUnixMs;       // the wall clock written with it (0: none)

        public QueueClock(IStorage storage)
        {
            _files = new RecordPair(storage, FileA, FileB, RecordFormat.QueueClockMark, 16);
        }

        /// <summary>Goes on from the card's record (both files; a damaged or unreadable one is ignored).</summary>
        public void Load(long monotonicMs)
        {
            byte[] record = _files.Load();
            _baseMs = record == null ? 0 : RecordFormat.ReadInt64(record, 0);
            _savedUnixMs = record == null ? 0 : RecordFormat.ReadInt64(record, 8);
            if (_baseMs < 0) _baseMs = 0;   // neither is valid: from zero, raised by the card's stamps
            _baseMonotonicMs = monotonicMs;
            _savedMs = _baseMs;
        }

        /// <summary>
        /// How long the gateway was off before this start by the wall clock (from the record loaded,
        /// when it was written, to nowUnixMs); 0 when that clock cannot tell (no record, or it reads
        /// earlier than the record: 1970 before SNTP, or set back). Call after Load, before a checkpoint.
        /// </summary>
        public long DowntimeMs(long nowUnixMs)
        {
            return _savedUnixMs > 0 && nowUnixMs > _savedUnixMs ? nowUnixMs - _savedUnixMs : 0;
        }

        /// <summary>Queue time now: milliseconds this gateway has run, over all its starts.</summary>
        public long NowMs(long monotonicMs)
        {
            return _baseMs + (monotonicMs - _baseMonotonicMs);
        }

        /// <summary>The clock goes on at or above stampMs (a queue time found on the card).</summary>
        public void Raise(long stampMs, long monotonicMs)
        {
            long now = NowMs(monotonicMs);
            if (stampMs > now) _baseMs += stampMs - now;
        }

        /// <summary>When (monotonic) the clock should next be written.</summary>
        public long CheckpointDueMs()
        {
            return _baseMonotonicMs + (_savedMs + CheckpointMs - _baseMs);
        }

        /// <summary>
        /// Writes the clock (and the wall clock beside it) when CheckpointMs of running went by
        /// since it was last written, or now when force; throws IOException.
        /// </summary>
        public void Checkpoint(long monotonicMs, long nowUnixMs, bool force)
        {
            long now = NowMs(monotonicMs);
            if (!force && now - _savedMs < CheckpointMs) return;
            ByteBuffer payload = new ByteBuffer(16);
            payload.AppendInt64(now);
            payload.AppendInt64(nowUnixMs);
            _files.Write(payload);
            _savedMs = now;
            _savedUnixMs = nowUnixMs;
        }
    }
}
