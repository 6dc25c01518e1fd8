// Writes one incoming message to its temporary spool file (QQQQQQQQ.TMP) as records: file header,
// envelope, one record per recipient, the queue clock at arrival (QueueClock), one body record per
// Write (split at ChunkBytes; the SMTP session hands its body over in chunks of about 1 KiB), and
// at commit the end record that makes the file complete. Space is taken from SpoolSpace before
// every append, so a full card is noticed before a byte is lost, and is handed back if the message
// is abandoned.
// The writer keeps no buffer of its own: each record is framed in the loop's scratch (Spool.Scratch)
// and appended before the call returns, so a session receiving a message holds nothing for it here.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class MessageWriter
    {
        // Body records of this version are at most this long (files of earlier versions have 4 KiB
        // ones, which RecordReader still reads).
        public const int ChunkBytes = 2048;

        // Commit outcome, set by Spool.CommitPending
        public const int Open = 0;
        public const int AwaitingCommit = 1;
        public const int Committed = 2;
        public const int Failed = 3;

        private readonly IStorage _storage;
        private readonly SpoolSpace _space;
        private readonly byte[] _scratch; // the loop's: framed records wait in it only within a call
        private int _used;                // framed bytes waiting in _scratch (while Begin frames the envelope)
        private int _handle = -1;
        private long _bodyRecords;
        private bool _ended;              // the end record is written (WriteLast)

        public readonly Envelope Envelope;
        /// <summary>Whoever the loop wants to tell about the outcome (the SMTP session).</summary>
        public object Owner;
        public int Outcome;
        /// <summary>Bytes on the card for this file, all taken from SpoolSpace.</summary>
        public long FileBytes { get; private set; }
        public long BodyBytes { get; private set; }
        /// <summary>True once a write did not fit in spool.max_bytes.</summary>
        public bool OutOfSpace { get; private set; }
        /// <summary>Bytes this file may go past spool.max_bytes (a report that ends its message: SpoolSpace).</summary>
        internal long AllowanceBytes;

        internal MessageWriter(IStorage storage, SpoolSpace space, Envelope envelope, byte[] scratch)
        {
            _storage = storage;
            _space = space;
            Envelope = envelope;
            _scratch = scratch;
        }

        public string TemporaryName { get { return Envelope.QueueId + SpoolNames.Temporary; } }
        public string FinalName { get { return Envelope.QueueId + SpoolNames.Message; } }
        internal int Handle { get { return _handle; } }

        internal void Begin()
        {
            _handle = _storage.Create(TemporaryName);
            ByteBuffer payload = new ByteBuffer(256);
            payload.Append("MGW1");
            AddRecord(RecordFormat.FileHeader, payload);
            payload.Clear();
            Envelope.WriteTo(payload);
            AddRecord(RecordFormat.Envelope, payload);
            for (int i = 0; i < Envelope.Recipients.Length; i++)
            {
                payload.Clear();
                Envelope.WriteRecipientTo(i, payload);
                AddRecord(RecordFormat.Recipient, payload);
            }
            if (Envelope.ArrivalQueueMs >= 0)
            {
                payload.Clear();
                payload.AppendInt64(Envelope.ArrivalQueueMs);
                AddRecord(RecordFormat.ArrivalClock, payload);
            }
            if (!Flush()) throw new System.IO.IOException("spool.max_bytes reached");
        }

        // Frames one envelope record into the scratch, appending what is there first when it does not fit.
        private void AddRecord(byte type, ByteBuffer payload)
        {
            int size = payload.Count + RecordFormat.Overhead;
            if (_used + size > _scratch.Length && !Flush()) throw new System.IO.IOException("spool.max_bytes reached");
            if (size > _scratch.Length) throw new System.ArgumentOutOfRangeException("payload", "envelope record larger than a record buffer");
            System.Array.Copy(payload.Array, payload.Start, _scratch, _used + RecordFormat.HeaderBytes, payload.Count);
            _used += RecordFormat.Frame(_scratch, _used, type, payload.Count);
        }

        /// <summary>Appends body bytes as one record (more past ChunkBytes); false when the spool is out of space (nothing more is written).</summary>
        public bool Write(byte[] buffer, int offset, int count)
        {
            return Write(buffer, offset, count, false);
        }

        /// <summary>
        /// Appends the body's last bytes and the end record, in one append when they fit the
        /// scratch together (the end of a received message: one write, then the commit's sync).
        /// </summary>
        public bool WriteLast(byte[] buffer, int offset, int count)
        {
            return Write(buffer, offset, count, true);
        }

        private bool Write(byte[] buffer, int offset, int count, bool last)
        {
            if (OutOfSpace || _ended) return false;
            int most = _scratch.Length - RecordFormat.Overhead;
            if (most > ChunkBytes) most = ChunkBytes;
            while (count > 0)
            {
                int n = count < most ? count : most;
                System.Array.Copy(buffer, offset, _scratch, RecordFormat.HeaderBytes, n);
                _used = RecordFormat.Frame(_scratch, 0, RecordFormat.Body, n);
                _bodyRecords++;
                offset += n;
                count -= n;
                BodyBytes += n;
                if (count == 0 && last && _used + EndRecordBytes <= _scratch.Length) break; // the end record joins it
                if (!Flush()) return false;
            }
            if (!last) return true;
            FrameEnd();
            return Flush();
        }

        private const int EndRecordBytes = RecordFormat.Overhead + 16;

        // Frames the end record behind what waits in the scratch (the body's size and record count).
        private void FrameEnd()
        {
            WriteInt64(_scratch, _used + RecordFormat.HeaderBytes, BodyBytes);
            WriteInt64(_scratch, _used + RecordFormat.HeaderBytes + 8, _bodyRecords);
            _used += RecordFormat.Frame(_scratch, _used, RecordFormat.End, 16);
            _ended = true;
        }

        /// <summary>Appends the end record unless WriteLast did; the file is then synced (Spool.CommitPending) and closed (Close).</summary>
        internal void End()
        {
            if (_ended) return;
            _used = 0;
            FrameEnd();
            if (!Flush()) throw new System.IO.IOException("spool.max_bytes reached");
        }

        /// <summary>Gives the open file to the storage's background commit (IBackgroundCommit), which closes it.</summary>
        internal int HandOver()
        {
            int handle = _handle;
            _handle = -1;
            return handle;
        }

        /// <summary>Closes the synced file.</summary>
        internal void Close()
        {
            int handle = _handle;
            _handle = -1; // gone even if Close reports an error (IStorage.Close)
            _storage.Close(handle);
        }

        /// <summary>Closes the file if open (after an error or abort); the caller deletes it.</summary>
        internal void CloseQuietly()
        {
            if (_handle < 0) return;
            int handle = _handle;
            _handle = -1;
            try
            {
                _storage.Close(handle);
            }
            catch (System.IO.IOException)
            {
                // The file is abandoned and deleted anyway.
            }
        }

        private static void WriteInt64(byte[] buffer, int at, long value)
        {
            for (int i = 0; i < 8; i++) buffer[at + i] = (byte)(value >> (8 * i));
        }

        private bool Flush()
        {
            if (!_space.TryTake(_used, AllowanceBytes))
            {
                OutOfSpace = true;
                _used = 0;
                return false;
            }
            FileBytes += _used;
            if (_used > 0) _storage.Append(_handle, _scratch, 0, _used);
            _used = 0;
            return true;
        }
    }
}
