// What the spool keeps about a message besides its body: who sent it, to whom, from where, when.
namespace MailGateway.Core.Spool
{
    public sealed class Envelope
    {
        public string QueueId;
        public long ArrivalUnixMs;
        public string ClientAddress;
        public string Helo;
        public string Protocol;
        /// <summary>Sender address without brackets; "" for the null sender.</summary>
        public string Sender;
        public string[] Recipients;

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
            for (int i = 0; i < Recipients.Length; i++) payload.AppendString16(Recipients[i]);
        }

        /// <summary>Reads an envelope payload; null when it does not parse exactly.</summary>
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
            e.Recipients = new string[n];
            for (int i = 0; i < n; i++)
            {
                e.Recipients[i] = RecordFormat.ReadString16(buffer, ref offset, end);
                if (e.Recipients[i] == null) return null;
            }
            return offset == end && e.ClientAddress != null && e.Helo != null && e.Protocol != null ? e : null;
        }
    }
}
