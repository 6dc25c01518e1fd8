// Per-recipient delivery progress in QQQQQQQQ.RCP, next to the message file, so that the body is
// never rewritten (DESIGN, durability). Append-only: each change is one record (recipient index,
// state, attempts, next attempt on the wall clock as it read then, last reply, the host that gave
// it, next attempt on the queue clock — QueueClock, which is what counts); when the file is read back,
// the last good record for each recipient wins. Two indexes are flags of the whole message: a
// delay warning was sent (WarningSentIndex), the message is held or released (HeldIndex).
// A torn record (a power cut mid-append) is stepped over, so the records appended after the
// restart still count; at worst the torn change itself is forgotten: a recipient may be delivered
// twice, never lost (qmail's rule).
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public static class RecipientLog
    {
        /// <summary>The recipient index of the record that says a delay warning was sent.</summary>
        public const int WarningSentIndex = 0xFFFF;
        /// <summary>The recipient index of the record that holds (state 1) or releases (state 0) the message.</summary>
        public const int HeldIndex = 0xFFFE;

        /// <summary>Appends one recipient's state and syncs it. Creates the log on first use.</summary>
        public static void Record(IStorage storage, string queueId, int index, RecipientStatus status)
        {
            string name = queueId + SpoolNames.Recipients;
            bool exists = storage.Exists(name);
            ByteBuffer payload = new ByteBuffer(64 + status.LastReply.Length + status.RemoteHost.Length);
            payload.Append((byte)index);
            payload.Append((byte)(index >> 8));
            payload.Append((byte)status.State);
            payload.AppendUInt32((uint)status.Attempts);
            payload.AppendInt64(status.NextAttemptUnixMs);
            payload.AppendString16(Clip(status.LastReply));
            payload.AppendString16(Clip(status.RemoteHost));
            payload.AppendInt64(status.NextAttemptQueueMs);
            ByteBuffer record = new ByteBuffer(payload.Count + RecordFormat.Overhead);
            RecordFormat.Append(record, RecordFormat.RecipientState, payload.Array, payload.Start, payload.Count);
            int handle = exists ? storage.OpenAppend(name) : storage.Create(name);
            try
            {
                storage.Append(handle, record.Array, record.Start, record.Count);
                storage.Sync(handle);
            }
            finally
            {
                storage.Close(handle);
            }
            if (!exists) storage.SyncDirectory();
        }

        /// <summary>Characters of a reply text (and of the host) kept: plenty for the log and the bounce,
        /// and every record fits RecordFormat.CommonPayload.</summary>
        public const int MaxText = 1000;

        private static string Clip(string text)
        {
            return text.Length > MaxText ? text.Substring(0, MaxText) : text;
        }

        /// <summary>
        /// Applies the log (if any) to the message's recipients and flags. Returns how many damaged
        /// stretches were stepped over (0 for a clean log).
        /// </summary>
        public static int Replay(IStorage storage, QueuedMessage message, byte[] buffer)
        {
            RecipientStatus[] statuses = message.Recipients;
            string name = message.QueueId + SpoolNames.Recipients;
            if (!storage.Exists(name)) return 0;
            int handle = storage.OpenRead(name);
            try
            {
                RecordReader reader = new RecordReader(storage, handle, buffer);
                int type;
                while ((type = reader.NextSkippingDamage()) != RecordReader.EndOfFile)
                {
                    if (type != RecordFormat.RecipientState || reader.PayloadLength < 15) continue;
                    byte[] b = reader.Buffer;
                    int at = reader.PayloadOffset;
                    int end = at + reader.PayloadLength;
                    int index = b[at] | (b[at + 1] << 8);
                    if (index == WarningSentIndex)
                    {
                        message.WarningSent = true;
                        continue;
                    }
                    if (index == HeldIndex)
                    {
                        message.Held = b[at + 2] != 0;
                        continue;
                    }
                    if (index >= statuses.Length) continue;
                    RecipientStatus status = statuses[index];
                    status.State = b[at + 2];
                    status.Attempts = (int)RecordFormat.ReadUInt32(b, at + 3);
                    status.NextAttemptUnixMs = RecordFormat.ReadInt64(b, at + 7);
                    at += 15;
                    string reply = RecordFormat.ReadString16(b, ref at, end);
                    status.LastReply = reply == null ? "" : reply;
                    string host = RecordFormat.ReadString16(b, ref at, end);
                    status.RemoteHost = host == null ? "" : host;
                    // Records from before the queue clock end here: the attempt is due at once.
                    status.NextAttemptQueueMs = host != null && at + 8 <= end ? RecordFormat.ReadInt64(b, at) : -1;
                }
                return reader.SkippedDamage;
            }
            finally
            {
                MessageFile.CloseRead(storage, handle);
            }
        }
    }
}
