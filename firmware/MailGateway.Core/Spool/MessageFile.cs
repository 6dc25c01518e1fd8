// Checks a committed message file: Check() validates every record (file header, one envelope and
// its recipient records, the arrival clock if the file has one, body chunks, an end record whose
// counts match, nothing after it) without keeping the body.
// ReadEnvelope() is the light read for a message already checked once since start-up (the card
// scan brings it back into memory): the envelope records at the start, and the end record, found at
// the file's tail, for the body's size; the body itself is not read again.
// Both read through a buffer they are lent (the loop's scratch; RecordReader). MessageBody streams
// the body back out.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed class MessageFile
    {
        public Envelope Envelope;
        public long BodyBytes;
        public long FileBytes;
        /// <summary>Why the file is not valid; null when it is.</summary>
        public string Problem;

        public bool IsValid { get { return Problem == null; } }

        public static MessageFile Check(IStorage storage, string name, byte[] buffer)
        {
            MessageFile file = new MessageFile();
            int handle = storage.OpenRead(name);
            try
            {
                file.Problem = file.Validate(new RecordReader(storage, handle, buffer));
            }
            finally
            {
                CloseRead(storage, handle);
            }
            file.FileBytes = storage.Length(name);
            return file;
        }

        /// <summary>
        /// The envelope and body size of a message checked before (see the header); Problem says
        /// what is wrong when the start or the end of the file no longer reads.
        /// </summary>
        public static MessageFile ReadEnvelope(IStorage storage, string name, byte[] buffer)
        {
            MessageFile file = new MessageFile();
            file.FileBytes = storage.Length(name);
            int handle = storage.OpenRead(name);
            try
            {
                file.Problem = file.ReadStart(new RecordReader(storage, handle, buffer));
                if (file.Problem == null) file.Problem = file.ReadEnd(storage, handle, buffer);
            }
            finally
            {
                CloseRead(storage, handle);
            }
            return file;
        }

        // The end record is the last thing in a committed file: type 'Z', 16 bytes of payload.
        private string ReadEnd(IStorage storage, int handle, byte[] tail)
        {
            const int length = RecordFormat.Overhead + 16;
            long at = FileBytes - length;
            if (at < 0) return "too short for an end record";
            if (RecordReader.ReadFully(storage, handle, at, tail, 0, length) < length) return "end record cannot be read";
            if (tail[0] != RecordFormat.End || RecordFormat.ReadUInt32(tail, 1) != 16 ||
                Crc32.Compute(tail, 0, RecordFormat.HeaderBytes + 16) != RecordFormat.ReadUInt32(tail, RecordFormat.HeaderBytes + 16))
            {
                return "no valid end record";
            }
            BodyBytes = RecordFormat.ReadInt64(tail, RecordFormat.HeaderBytes);
            return null;
        }

        /// <summary>
        /// Closes a file opened for reading: an error there is ignored (the handle is released
        /// all the same, IStorage.Close, and what was read stands). A card that is full fails
        /// closes, and a full card is when the queue most needs to be read and drained.
        /// </summary>
        public static void CloseRead(IStorage storage, int handle)
        {
            try
            {
                storage.Close(handle);
            }
            catch (System.IO.IOException)
            {
            }
        }

        // The file header, the envelope and its recipients, and the arrival clock if there is one.
        private string ReadStart(RecordReader reader)
        {
            int type = reader.Next();
            if (type != RecordFormat.FileHeader || reader.PayloadLength != 4 || reader.Buffer[reader.PayloadOffset] != (byte)'M')
            {
                return "no valid file header";
            }
            if (reader.Next() != RecordFormat.Envelope) return "no valid envelope record";
            Envelope = Envelope.ReadFrom(reader.Buffer, reader.PayloadOffset, reader.PayloadLength);
            if (Envelope == null) return "envelope record does not parse";
            while (Envelope.RecipientsRead < Envelope.Recipients.Length)
            {
                if (reader.Next() != RecordFormat.Recipient) return "recipient " + Envelope.RecipientsRead.ToString() + " missing";
                if (!Envelope.ReadRecipient(reader.Buffer, reader.PayloadOffset, reader.PayloadLength)) return "recipient record does not parse";
            }
            _afterStart = reader.Next();
            if (_afterStart == RecordFormat.ArrivalClock)
            {
                // Files written before the queue clock was kept have none (ArrivalQueueMs stays -1).
                if (reader.PayloadLength != 8) return "bad arrival clock record";
                Envelope.ArrivalQueueMs = RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset);
                _afterStart = reader.Next();
            }
            return null;
        }

        private int _afterStart;   // the record type ReadStart stopped at

        private string Validate(RecordReader reader)
        {
            string problem = ReadStart(reader);
            if (problem != null) return problem;
            long bodyBytes = 0;
            long bodyRecords = 0;
            int type = _afterStart;
            for (; ; type = reader.Next())
            {
                if (type == RecordFormat.Body)
                {
                    bodyBytes += reader.PayloadLength;
                    bodyRecords++;
                    continue;
                }
                if (type == RecordFormat.End) break;
                if (type == RecordReader.EndOfFile) return "no end record (torn write)";
                if (type == RecordReader.Damaged) return "damaged record at byte " + reader.Position.ToString();
                return "unexpected record type " + type.ToString();
            }
            if (reader.PayloadLength != 16) return "bad end record";
            if (RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset) != bodyBytes ||
                RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset + 8) != bodyRecords)
            {
                return "end record does not match the body";
            }
            if (reader.Next() != RecordReader.EndOfFile) return "data after the end record";
            BodyBytes = bodyBytes;
            return null;
        }
    }
}
