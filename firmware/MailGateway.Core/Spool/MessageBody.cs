// Streams the body of a committed message file back out (for delivery, local mailboxes and quoting
// its headers in a bounce) in pieces of any size, into a buffer the caller lends for each read (the
// loop's scratch): the reader keeps no buffer, only its place in the file and the running CRC of
// the record it is in. The records before the body (file header, envelope, recipients, arrival
// clock) are read through and checked the same way.
// A record's CRC (RecordFormat) can only be checked at its end, after its bytes were handed out:
// whoever sends them must be able to take them back, and every caller can — SMTP ends the session
// before the final dot (the receiver discards the message), a mailbox copy is a .TMP file that is
// deleted, a bounce only quotes headers. Read returns Damaged at the record's end then, and from
// then on.
// Read is a look: Consume says how much of it was taken, so a session that takes less than it was
// offered is offered the rest again (read again from the card; nothing is kept meanwhile).
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed class MessageBody
    {
        public const int Damaged = -1;
        /// <summary>The smallest piece a caller may ask for (a record's header and trailer are read through it too).</summary>
        public const int MinRead = RecordFormat.HeaderBytes + RecordFormat.TrailerBytes;

        private readonly IStorage _storage;
        private int _handle;
        private long _position;        // the next byte of the file to read
        private int _left;             // payload bytes of the current body record not yet consumed
        private bool _inRecord;        // a record's header was read; its trailer (CRC) is next once _left is 0
        private uint _crc;             // running CRC of the current record
        private bool _ended;           // the end record was read and checked
        private bool _damaged;
        private int _offered;          // bytes the last Read returned (what Consume may take)

        public MessageBody(IStorage storage, string fileName)
        {
            _storage = storage;
            _handle = storage.OpenRead(fileName);
        }

        /// <summary>
        /// Reads up to max body bytes into buffer[offset..) without taking them: the count, 0 at the
        /// end of the body, Damaged if the file is not whole. max is at least MinRead.
        /// </summary>
        public int Read(byte[] buffer, int offset, int max)
        {
            if (max < MinRead) throw new System.ArgumentOutOfRangeException("max");
            _offered = 0;
            while (!_damaged && !_ended && _left == 0)
            {
                if (!FinishRecord(buffer, offset) || !StartRecord(buffer, offset, max)) _damaged = true;
            }
            if (_damaged) return Damaged;
            if (_ended) return 0;
            int want = _left < max ? _left : max;
            if (ReadFully(_position, buffer, offset, want) < want)
            {
                _damaged = true;
                return Damaged;
            }
            _offered = want;
            return want;
        }

        /// <summary>Takes the first count bytes of what Read just returned (still in buffer[offset..)).</summary>
        public void Consume(byte[] buffer, int offset, int count)
        {
            if (count < 0 || count > _offered) throw new System.ArgumentOutOfRangeException("count");
            Take(buffer, offset, count);
            _offered = 0;
        }

        private void Take(byte[] buffer, int offset, int count)
        {
            _crc = Crc32.Update(_crc, buffer, offset, count);
            _position += count;
            _left -= count;
        }

        /// <summary>Reads and takes up to max body bytes: Read and Consume in one.</summary>
        public int Next(byte[] buffer, int offset, int max)
        {
            int n = Read(buffer, offset, max);
            if (n > 0) Consume(buffer, offset, n);
            return n;
        }

        // The trailer of the record whose payload has been consumed: its CRC must match.
        private bool FinishRecord(byte[] buffer, int offset)
        {
            if (!_inRecord) return true;
            _inRecord = false;
            if (ReadFully(_position, buffer, offset, RecordFormat.TrailerBytes) < RecordFormat.TrailerBytes) return false;
            _position += RecordFormat.TrailerBytes;
            return Crc32.Finish(_crc) == RecordFormat.ReadUInt32(buffer, offset);
        }

        // The next record's header; any record but a body is read through (checked) here. The end
        // record is the last: after its check the body is over.
        private bool StartRecord(byte[] buffer, int offset, int max)
        {
            if (ReadFully(_position, buffer, offset, RecordFormat.HeaderBytes) < RecordFormat.HeaderBytes) return false;
            byte type = buffer[offset];
            uint length = RecordFormat.ReadUInt32(buffer, offset + 1);
            if (length > RecordFormat.MaxPayload) return false;
            _crc = Crc32.Update(Crc32.Initial, buffer, offset, RecordFormat.HeaderBytes);
            _position += RecordFormat.HeaderBytes;
            _inRecord = true;
            _left = (int)length;
            if (type == RecordFormat.Body) return true;
            while (_left > 0)
            {
                int n = _left < max ? _left : max;
                if (ReadFully(_position, buffer, offset, n) < n) return false;
                Take(buffer, offset, n);
            }
            if (type != RecordFormat.End) return true;
            if (!FinishRecord(buffer, offset)) return false;
            _ended = true;
            return true;
        }

        private int ReadFully(long position, byte[] buffer, int offset, int count)
        {
            return RecordReader.ReadFully(_storage, _handle, position, buffer, offset, count);
        }

        public void Close()
        {
            if (_handle < 0) return;
            int handle = _handle;
            _handle = -1; // gone even if Close reports an error (IStorage.Close)
            _storage.Close(handle);
        }
    }
}
