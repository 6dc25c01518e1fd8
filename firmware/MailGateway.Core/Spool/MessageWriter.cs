// Writes one incoming message to its temporary spool file (QQQQQQQQ.TMP) as records: file header,
// envelope, one record per recipient, the queue clock at arrival (QueueClock), body chunks of at
// most ChunkBytes, and at commit the end record that makes the file
// complete. Space is taken from SpoolSpace before every append, so a full card is noticed before a
// byte is lost, and is handed back if the message is abandoned.
// One fixed buffer (RecordBytes) holds whatever is not yet on the card: the body chunk being
// filled sits in it behind room for its record header, so a full chunk is framed in place and
// appended without a copy; the envelope's records are framed into it before the body starts, and
// at the end the last chunk and the end record go out together. It never grows.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class MessageWriter
    {
        // Body records of this version are at most this long (files of earlier versions have 4 KiB
        // ones, which RecordReader still reads).
        public const int ChunkBytes = 2048;
        /// <summary>The writer's one buffer: a full body record, and the end record behind it.</summary>
        public const int RecordBytes = ChunkBytes + 2 * RecordFormat.Overhead + 16;

        // Commit outcome, set by Spool.CommitPending
        public const int Open = 0;
        public const int AwaitingCommit = 1;
        public const int Committed = 2;
        public const int Failed = 3;

        private readonly IStorage _storage;
        private readonly SpoolSpace _space;
        private readonly byte[] _buffer = new byte[RecordBytes];
        private int _used;                // framed bytes waiting in _buffer (before the body starts, and at the end)
        private int _chunk;               // body bytes at _buffer[HeaderBytes ..) of the record being filled
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

        // Frames one envelope record into the buffer, appending what is there first when it does not fit.
        private void AddRecord(byte type, ByteBuffer payload)
        {
            int size = payload.Count + RecordFormat.Overhead;
            if (_used + size > _buffer.Length && !Flush()) throw new System.IO.IOException("spool.max_bytes reached");
            if (size > _buffer.Length) throw new System.ArgumentOutOfRangeException("payload", "envelope record larger than the writer's buffer");
            System.Array.Copy(payload.Array, payload.Start, _buffer, _used + RecordFormat.HeaderBytes, payload.Count);
            _used += RecordFormat.Frame(_buffer, _used, type, payload.Count);
        }

        /// <summary>Appends body bytes; false when the spool is out of space (nothing more is written).</summary>
        public bool Write(byte[] buffer, int offset, int count)
        {
            if (OutOfSpace) return false;
            while (count > 0)
            {
                int room = ChunkBytes - _chunk;
                int n = count < room ? count : room;
                System.Array.Copy(buffer, offset, _buffer, RecordFormat.HeaderBytes + _chunk, n);
                _chunk += n;
                offset += n;
                count -= n;
                BodyBytes += n;
                if (_chunk == ChunkBytes && !FlushChunk()) return false;
            }
            return true;
        }

        /// <summary>Appends the last body chunk and the end record, and syncs the file.</summary>
        internal void Finish()
        {
            if (_chunk > 0)
            {
                // The last chunk and the end record go out in one append.
                _used = RecordFormat.Frame(_buffer, 0, RecordFormat.Body, _chunk);
                _chunk = 0;
                _bodyRecords++;
            }
            int at = _used + RecordFormat.HeaderBytes;
            WriteInt64(_buffer, at, BodyBytes);
            WriteInt64(_buffer, at + 8, _bodyRecords);
            _used += RecordFormat.Frame(_buffer, _used, RecordFormat.End, 16);
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

        private static void WriteInt64(byte[] buffer, int at, long value)
        {
            for (int i = 0; i < 8; i++) buffer[at + i] = (byte)(value >> (8 * i));
        }

        private bool FlushChunk()
        {
            _used = RecordFormat.Frame(_buffer, 0, RecordFormat.Body, _chunk);
            _chunk = 0;
            _bodyRecords++;
            return Flush();
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
            if (_used > 0) _storage.Append(_handle, _buffer, 0, _used);
            _used = 0;
            return true;
        }
    }
}
