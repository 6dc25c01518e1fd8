// Reads records (RecordFormat) one after another from a spool file through a buffer it is lent
// (the loop's scratch: a reader is made, used and dropped within one call, never kept).
// Next() says what it found: a record whose CRC matches, the clean end of the file, or damage (a
// torn tail, a bad length, a CRC mismatch) — after damage nothing further in a message file is
// trusted. NextSkippingDamage() is for the append-only recipient log instead: it steps over the
// damage to the next record whose CRC matches, so one torn write does not hide later ones.
// A buffer of RecordFormat.BufferBytes holds every record this version writes (body chunks,
// recipient-log records); a bigger record, which only files of earlier versions have (4 KiB body
// chunks, envelopes with their recipients inside), gets a buffer of its own once, up to
// RecordFormat.MaxPayload.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed class RecordReader
    {
        public const int EndOfFile = -1;
        public const int Damaged = -2;

        private readonly IStorage _storage;
        private readonly int _handle;
        private byte[] _buffer;
        private long _position;

        /// <summary>buffer: where records are read to (at least RecordFormat.HeaderBytes long); the reader's own use of it ends with the reader's.</summary>
        public RecordReader(IStorage storage, int handle, byte[] buffer)
        {
            if (buffer == null || buffer.Length < RecordFormat.HeaderBytes) throw new System.ArgumentException("a record buffer is needed", "buffer");
            _storage = storage;
            _handle = handle;
            _buffer = buffer;
        }

        /// <summary>The payload of the last record: Buffer[PayloadOffset .. PayloadOffset + PayloadLength).</summary>
        public byte[] Buffer { get { return _buffer; } }
        public int PayloadOffset { get { return RecordFormat.HeaderBytes; } }
        public int PayloadLength { get; private set; }
        /// <summary>Where the next record starts (after the last good one).</summary>
        public long Position { get { return _position; } }

        /// <summary>
        /// The next good record's type byte, or EndOfFile: damage is stepped over byte by byte until a
        /// record whose CRC matches starts (for append-only logs, where a write torn by a power cut
        /// is followed by the records appended after the restart). Damaged counts what was skipped.
        /// </summary>
        public int NextSkippingDamage()
        {
            bool inDamage = false;
            while (true)
            {
                long at = _position;
                int type = Next();
                if (type != Damaged) return type;
                if (!inDamage) SkippedDamage++;
                inDamage = true;
                _position = at + 1;
            }
        }

        /// <summary>Damaged stretches NextSkippingDamage stepped over.</summary>
        public int SkippedDamage { get; private set; }

        /// <summary>The next record's type byte, EndOfFile, or Damaged.</summary>
        public int Next()
        {
            int got = ReadFully(_position, 0, RecordFormat.HeaderBytes);
            if (got == 0) return EndOfFile;
            if (got < RecordFormat.HeaderBytes) return Damaged;
            uint length = RecordFormat.ReadUInt32(_buffer, 1);
            if (length > RecordFormat.MaxPayload) return Damaged;
            if (RecordFormat.Overhead + length > _buffer.Length)
            {
                byte[] bigger = new byte[RecordFormat.Overhead + length];
                System.Array.Copy(_buffer, bigger, RecordFormat.HeaderBytes);
                _buffer = bigger;
            }
            int rest = (int)length + RecordFormat.TrailerBytes;
            if (ReadFully(_position + RecordFormat.HeaderBytes, RecordFormat.HeaderBytes, rest) < rest) return Damaged;
            int crcAt = RecordFormat.HeaderBytes + (int)length;
            if (Crc32.Compute(_buffer, 0, crcAt) != RecordFormat.ReadUInt32(_buffer, crcAt)) return Damaged;
            PayloadLength = (int)length;
            _position += RecordFormat.Overhead + length;
            return _buffer[0];
        }

        private int ReadFully(long position, int offset, int count)
        {
            return ReadFully(_storage, _handle, position, _buffer, offset, count);
        }

        /// <summary>Reads count bytes at position unless the file ends first; returns how many were read.</summary>
        public static int ReadFully(IStorage storage, int handle, long position, byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = storage.Read(handle, position + total, buffer, offset + total, count - total);
                if (n <= 0) break;
                total += n;
            }
            return total;
        }
    }
}
