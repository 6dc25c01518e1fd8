// Writes one incoming message to its temporary spool file (QQQQQQQQ.TMP) as records: file header,
// envelope, one record per recipient, the queue clock at arrival (QueueClock), body chunks of at
// most ChunkBytes, and at commit the end record that makes the file
// complete. Space is taken from SpoolSpace before every append, so a full card is noticed before a
// byte is lost, and is handed back if the message is abandoned.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class MessageWriter
    {
        public const int ChunkBytes = 4096;

        // Commit outcome, set by Spool.CommitPending
        public const int Open = 0;
        public const int AwaitingCommit = 1;
        public const int Committed = 2;
        public const int Failed = 3;

        private readonly IStorage _storage;
        private readonly SpoolSpace _space;
        private readonly ByteBuffer _chunk = new ByteBuffer(ChunkBytes);
        private readonly ByteBuffer _record = new ByteBuffer(ChunkBytes + RecordFormat.Overhead);
        private int _handle = -1;
        private long _bodyRecords;

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

        internal MessageWriter(IStorage storage, SpoolSpace space, Envelope envelope)
        {
            _storage = storage;
            _space = space;
            Envelope = envelope;
        }

        public string TemporaryName { get { return Envelope.QueueId + SpoolNames.Temporary; } }
        public string FinalName { get { return Envelope.QueueId + SpoolNames.Message; } }
        internal int Handle { get { return _handle; } }

        internal void Begin()
        {
            _handle = _storage.Create(TemporaryName);
            ByteBuffer payload = new ByteBuffer(256);
            payload.Append("MGW1");
            _record.Clear();
            RecordFormat.Append(_record, RecordFormat.FileHeader, payload.Array, payload.Start, payload.Count);
            payload.Clear();
            Envelope.WriteTo(payload);
            RecordFormat.Append(_record, RecordFormat.Envelope, payload.Array, payload.Start, payload.Count);
            for (int i = 0; i < Envelope.Recipients.Length; i++)
            {
                payload.Clear();
                Envelope.WriteRecipientTo(i, payload);
                RecordFormat.Append(_record, RecordFormat.Recipient, payload.Array, payload.Start, payload.Count);
                if (_record.Count >= ChunkBytes && !Flush()) throw new System.IO.IOException("spool.max_bytes reached");
            }
            if (Envelope.ArrivalQueueMs >= 0)
            {
                payload.Clear();
                payload.AppendInt64(Envelope.ArrivalQueueMs);
                RecordFormat.Append(_record, RecordFormat.ArrivalClock, payload.Array, payload.Start, payload.Count);
            }
            if (!Flush()) throw new System.IO.IOException("spool.max_bytes reached");
        }

        /// <summary>Appends body bytes; false when the spool is out of space (nothing more is written).</summary>
        public bool Write(byte[] buffer, int offset, int count)
        {
            if (OutOfSpace) return false;
            while (count > 0)
            {
                int room = ChunkBytes - _chunk.Count;
                int n = count < room ? count : room;
                _chunk.Append(buffer, offset, n);
                offset += n;
                count -= n;
                BodyBytes += n;
                if (_chunk.Count == ChunkBytes && !FlushChunk()) return false;
            }
            return true;
        }

        /// <summary>Appends the last body chunk and the end record, and syncs the file.</summary>
        internal void Finish()
        {
            if (_chunk.Count > 0)
            {
                // The last chunk and the end record go out in one append.
                RecordFormat.Append(_record, RecordFormat.Body, _chunk.Array, _chunk.Start, _chunk.Count);
                _chunk.Clear();
                _bodyRecords++;
            }
            ByteBuffer payload = new ByteBuffer(16);
            payload.AppendInt64(BodyBytes);
            payload.AppendInt64(_bodyRecords);
            RecordFormat.Append(_record, RecordFormat.End, payload.Array, payload.Start, payload.Count);
            if (!Flush()) throw new System.IO.IOException("spool.max_bytes reached");
            _storage.Sync(_handle);
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

        private bool FlushChunk()
        {
            RecordFormat.Append(_record, RecordFormat.Body, _chunk.Array, _chunk.Start, _chunk.Count);
            _chunk.Clear();
            _bodyRecords++;
            return Flush();
        }

        private bool Flush()
        {
            if (!_space.TryTake(_record.Count, AllowanceBytes))
            {
                OutOfSpace = true;
                _record.Clear();
                return false;
            }
            FileBytes += _record.Count;
            _storage.Append(_handle, _record.Array, _record.Start, _record.Count);
            _record.Clear();
            return true;
        }
    }
}
