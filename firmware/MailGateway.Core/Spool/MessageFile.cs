// Checks a committed message file: Check() validates every record (file header, one envelope and
// its recipient records, the arrival clock if the file has one, body chunks, an end record whose
// counts match, nothing after it) without keeping the body.
// MessageBody streams the body back out.
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

        public static MessageFile Check(IStorage storage, string name)
        {
            MessageFile file = new MessageFile();
            int handle = storage.OpenRead(name);
            try
            {
                file.Problem = file.Validate(new RecordReader(storage, handle));
            }
            finally
            {
                CloseRead(storage, handle);
            }
            file.FileBytes = storage.Length(name);
            return file;
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

        private string Validate(RecordReader reader)
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
            long bodyBytes = 0;
            long bodyRecords = 0;
            type = reader.Next();
            if (type == RecordFormat.ArrivalClock)
            {
                // Files written before the queue clock was kept have none (ArrivalQueueMs stays -1).
                if (reader.PayloadLength != 8) return "bad arrival clock record";
                Envelope.ArrivalQueueMs = RecordFormat.ReadInt64(reader.Buffer, reader.PayloadOffset);
                type = reader.Next();
            }
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
