// What the spool keeps about a message besides its body: who sent it, to whom, from where, when.
//
// On the card (MessageWriter): one envelope record with the fixed fields and the recipient count,
// then one recipient record per recipient, so that no record grows with the envelope: 100
// recipients of 254 bytes (or more after alias expansion) still make records far below what the
// reader takes (RecordFormat.MaxPayload). Files of the first format carry the recipients inside
// the envelope record; ReadFrom still reads those.
namespace MailGateway.Core.Spool
{
    public sealed class Envelope
    {
        /// <summary>Most recipients one message may have on the card (the count is 16 bits; see Spool).</summary>
        public const int MaxRecipients = 10000;

        public string QueueId;
        /// <summary>The wall clock at arrival, for Received:, Date: and reports (it may have been wrong; nothing is timed by it).</summary>
        public long ArrivalUnixMs;
        /// <summary>The queue clock at arrival (QueueClock): what the message's age counts from; -1 in files written before it was kept.</summary>
        public long ArrivalQueueMs = -1;
        public string ClientAddress;
        public string Helo;
        public string Protocol;
        /// <summary>Sender address without brackets; "" for the null sender.</summary>
        public string Sender;
        public string[] Recipients;
        /// <summary>While reading a file: how many of Recipients were read so far.</summary>
        internal int RecipientsRead;

        /// <summary>The envelope record's payload: the fixed fields and the recipient count (no recipients).</summary>
        public void WriteTo(Text.ByteBuffer payload)
        {
            payload.AppendString16(QueueId);
            payload.AppendInt64(ArrivalUnixMs);
            payload.AppendString16(ClientAddress);
            payload.AppendString16(Helo);
            payload.AppendString16(Protocol);
            payload.AppendString16(Sender);
            payload.Append((byte)Recipients.Length);
            payload.Append((byte)(Recipients.Length >> 8));
        }

        /// <summary>One recipient record's payload.</summary>
        public void WriteRecipientTo(int index, Text.ByteBuffer payload)
        {
            payload.AppendString16(Recipients[index]);
        }

        /// <summary>
        /// Reads an envelope record's payload; null when it does not parse exactly. Recipients has
        /// the full count; RecipientsRead says how many came inside the record (the first format).
        /// </summary>
        public static Envelope ReadFrom(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            Envelope e = new Envelope();
            e.QueueId = RecordFormat.ReadString16(buffer, ref offset, end);
            if (e.QueueId == null || offset + 8 > end) return null;
            e.ArrivalUnixMs = RecordFormat.ReadInt64(buffer, offset);
            offset += 8;
            e.ClientAddress = RecordFormat.ReadString16(buffer, ref offset, end);
            e.Helo = RecordFormat.ReadString16(buffer, ref offset, end);
            e.Protocol = RecordFormat.ReadString16(buffer, ref offset, end);
            e.Sender = RecordFormat.ReadString16(buffer, ref offset, end);
            if (e.Sender == null || offset + 2 > end) return null;
            int n = buffer[offset] | (buffer[offset + 1] << 8);
            offset += 2;
            if (n == 0) return null;
            e.Recipients = new string[n];
            while (offset < end && e.RecipientsRead < n)
            {
                string r = RecordFormat.ReadString16(buffer, ref offset, end);
                if (r == null) return null;
                e.Recipients[e.RecipientsRead++] = r;
            }
            return offset == end && e.ClientAddress != null && e.Helo != null && e.Protocol != null ? e : null;
        }

        /// <summary>Reads one recipient record's payload into the next free place; false when it does not parse.</summary>
        public bool ReadRecipient(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            if (RecipientsRead >= Recipients.Length) return false;
            string r = RecordFormat.ReadString16(buffer, ref offset, end);
            if (r == null || offset != end) return false;
            Recipients[RecipientsRead++] = r;
            return true;
        }
    }
}
