// The queue's own clock: how long this gateway has been running, added up over all its starts
// (DESIGN: time may be unknown; ages and lifetimes count observed time). Queue ages
// (queue.lifetime, queue.warn_after) and retry times are kept in it, never in the wall clock, which
// says 1970 on an ESP32 until SNTP answers and may be stepped either way by NTP at any moment: a
// clock that jumps then neither expires nor bounces mail, nor leaves it waiting for days.
//
// How it works: NowMs is the value loaded at start-up plus the monotonic time since. The value is
// written at start-up and then at most every CheckpointMs of running, with the wall clock of that
// moment, as one self-checking record into one of two small files (QCLOCK.A, QCLOCK.B, alternately,
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

        private readonly IStorage _storage;
        private long _baseMs;            // queue time at _baseMonotonicMs
        private long _baseMonotonicMs;
        private long _savedMs;           // the value last on the card
        private long _savedUnixMs;       // the wall clock written with it (0: none)
        private bool _writeToA = true;

        public QueueClock(IStorage storage)
        {
            _storage = storage;
        }

        /// <summary>Goes on from the card's record (both files; a damaged or unreadable one is ignored).</summary>
        public void Load(long monotonicMs)
        {
            long aUnix, bUnix;
            long a = Read(FileA, out aUnix);
            long b = Read(FileB, out bUnix);
            bool useA = a >= b;
            _baseMs = useA ? a : b;
            _savedUnixMs = useA ? aUnix : bUnix;
            if (_baseMs < 0) _baseMs = 0;   // neither is valid: from zero, raised by the card's stamps
            _writeToA = !useA;              // overwrite the other (older or invalid) one next
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
            string name = _writeToA ? FileA : FileB;
            ByteBuffer payload = new ByteBuffer(16);
            payload.AppendInt64(now);
            payload.AppendInt64(nowUnixMs);
            ByteBuffer record = new ByteBuffer(16 + RecordFormat.Overhead);
            RecordFormat.Append(record, RecordFormat.QueueClockMark, payload.Array, payload.Start, payload.Count);
            // FAT has no rename over an existing name, and the record is one small write: replace the file.
            if (_storage.Exists(name)) _storage.Delete(name);
            int handle = _storage.Create(name);
            try
            {
                _storage.Append(handle, record.Array, record.Start, record.Count);
                _storage.Sync(handle);
            }
            finally
            {
                _storage.Close(handle);
            }
            _storage.SyncDirectory();
            _savedMs = now;
            _savedUnixMs = nowUnixMs;
            _writeToA = !_writeToA;
        }

        private void CloseQuietly(int handle)
        {
            try
            {
                _storage.Close(handle);
            }
            catch (System.IO.IOException)
            {
            }
        }

        // The clock in one file, or -1 when it has none that reads.
        private long Read(string name, out long unixMs)
        {
            unixMs = 0;
            try
            {
                if (!_storage.Exists(name)) return -1;
                int handle = _storage.OpenRead(name);
                long value;
                try
                {
                    RecordReader reader = new RecordReader(_storage, handle);
                    if (reader.Next() != RecordFormat.QueueClockMark || reader.PayloadLength != 16) value = -1;
                    else
                    {
                        value = RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset);
                        unixMs = RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset + 8);
                    }
                }
                catch (System.IO.IOException)
                {
                    CloseQuietly(handle);
                    throw;
                }
                // What was read stands even if closing the file reports an error (a full card fails
                // closes): the handle is released all the same (IStorage.Close).
                CloseQuietly(handle);
                return value < 0 ? -1 : value;
            }
            catch (System.IO.IOException)
            {
                return -1; // unreadable: the other file and the stamps on the card decide
            }
        }
    }
}
