// Queue IDs that never repeat, whatever the clock says (an ESP32 starts at 1970 until SNTP answers;
// a Raspberry Pi without network starts at its last shutdown time). A queue ID names the message's
// files in the spool and its file in every mailbox, so a repeat would make a new message look
// like one already delivered.
//
// How it works: IDs are a 40-bit sequence (8 characters of base 32, SpoolNames.MakeQueueId), handed
// out from blocks reserved on the card. A reservation writes the block's upper bound as one
// self-checking record into one of two small files (QUEUEIDS.A, QUEUEIDS.B, alternately:
// RecordPair), synced before any ID of the block is used. At start the higher valid bound of the two is where the
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

        private readonly RecordPair _files;
        private long _next = 1;
        private long _reservedUntil;   // IDs below this are safe to hand out

        public QueueIds(IStorage storage)
        {
            _files = new RecordPair(storage, FileA, FileB, RecordFormat.QueueIdBound, 8);
        }

        /// <summary>Load found a valid record of the sequence on the card.</summary>
        public bool Found { get; private set; }

        /// <summary>The next ID's number: every ID handed out from now on is at least this.</summary>
        public long NextValue { get { return _next; } }

        /// <summary>Reads where the sequence stands (both files; a damaged or unreadable one is ignored).</summary>
        public void Load()
        {
            byte[] record = _files.Load();
            long bound = record == null ? 0 : RecordFormat.ReadInt64(record, 0);
            Found = bound > 0 && bound <= MaxId + BlockSize;
            if (Found && bound > _next) _next = bound;
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
            ByteBuffer payload = new ByteBuffer(8);
            payload.AppendInt64(bound);
            _files.Write(payload);
            _reservedUntil = bound;
        }
    }
}
