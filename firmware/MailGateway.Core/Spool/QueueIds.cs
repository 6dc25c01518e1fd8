// Queue IDs that never repeat, whatever the clock says (an ESP32 starts at 1970 until SNTP answers;
// a Raspberry Pi without network starts at its last shutdown time). A queue ID names the message's
// files in the spool and its file in every mailbox, so a repeat would make a new message look
// like one already delivered.
//
// How it works: IDs are a 40-bit sequence (8 characters of base 32, SpoolNames.MakeQueueId), handed
// out from blocks reserved on the card. A reservation writes the block's upper bound as one
// self-checking record into one of two small files (QUEUEIDS.A, QUEUEIDS.B, alternately), synced
// before any ID of the block is used. At start the higher valid bound of the two is where the
// sequence goes on, so a crash wastes at most the rest of a block and a write torn by a power cut
// leaves the other file, whose bound is still above every ID handed out before it. The sequence
// also never goes below the IDs already on the card (Raise: the spool's and the mailboxes' file
// names), so a card that lost both files goes on above what it holds.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class QueueIds
    {
        /// <summary>IDs reserved per write to the card.</summary>
        public const long BlockSize = 1024;
        public const string FileA = "QUEUEIDS.A";
        public const string FileB = "QUEUEIDS.B";
        /// <summary>The largest ID (40 bits); the sequence wraps to 1 after it (decades at any rate a gateway sees).</summary>
        public const long MaxId = (1L << 40) - 1;

        private readonly IStorage _storage;
        private long _next = 1;
        private long _reservedUntil;   // IDs below this are safe to hand out
        private bool _writeToA = true;

        public QueueIds(IStorage storage)
        {
            _storage = storage;
        }

        /// <summary>Reads where the sequence stands (both files; a damaged one is ignored).</summary>
        public void Load()
        {
            long a = ReadBound(FileA);
            long b = ReadBound(FileB);
            long bound = a > b ? a : b;
            _writeToA = a <= b; // overwrite the lower (older) one next
            if (bound > _next) _next = bound;
            _reservedUntil = 0;
        }

        /// <summary>The sequence continues above this queue ID (one found on the card).</summary>
        public void Raise(string queueId)
        {
            long value = SpoolNames.ParseQueueId(queueId);
            if (value >= _next) _next = value + 1;
        }

        /// <summary>Reserves the first block now (at start-up), so the first message does not wait for it.</summary>
        public void ReserveNow()
        {
            if (_next > MaxId) _next = 1;
            if (_next >= _reservedUntil) Reserve();
        }

        /// <summary>The next queue ID; throws IOException when the card cannot record a new block.</summary>
        public string Next()
        {
            if (_next > MaxId) _next = 1;
            if (_next >= _reservedUntil) Reserve();
            return SpoolNames.MakeQueueId(_next++);
        }

        private void Reserve()
        {
            long bound = _next + BlockSize;
            string name = _writeToA ? FileA : FileB;
            ByteBuffer payload = new ByteBuffer(8);
            payload.AppendInt64(bound);
            ByteBuffer record = new ByteBuffer(8 + RecordFormat.Overhead);
            RecordFormat.Append(record, RecordFormat.QueueIdBound, payload.Array, payload.Start, payload.Count);
            // FAT has no rename over an existing name, and the record is one small write: replace the file.
            bool existed = _storage.Exists(name);
            if (existed) _storage.Delete(name);
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
            _reservedUntil = bound;
            _writeToA = !_writeToA;
        }

        private long ReadBound(string name)
        {
            try
            {
                if (!_storage.Exists(name)) return 0;
                int handle = _storage.OpenRead(name);
                long bound = 0;
                try
                {
                    RecordReader reader = new RecordReader(_storage, handle);
                    if (reader.Next() == RecordFormat.QueueIdBound && reader.PayloadLength == 8)
                    {
                        bound = RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset);
                    }
                }
                finally
                {
                    // What was read stands even if closing reports an error (a full card fails
                    // closes); the handle is released all the same (IStorage.Close).
                    try
                    {
                        _storage.Close(handle);
                    }
                    catch (System.IO.IOException)
                    {
                    }
                }
                return bound > 0 && bound <= MaxId + BlockSize ? bound : 0;
            }
            catch (System.IO.IOException)
            {
                return 0; // unreadable: the other file and the names on the card decide
            }
        }
    }
}
