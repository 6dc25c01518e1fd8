// A committed message as the queue knows it: its envelope and each recipient's progress. Times are
// on the queue clock (QueueClock): the message's age is the queue clock now minus its arrival.
namespace MailGateway.Core.Spool
{
    public sealed class QueuedMessage
    {
        public readonly Envelope Envelope;
        public readonly RecipientStatus[] Recipients;
        public readonly long BodyBytes;
        public long FileBytes;
        /// <summary>A delay warning went to the sender (recorded in the recipient log).</summary>
        public bool WarningSent;
        /// <summary>Kept on the card but never tried, expired or bounced until released (recorded in the recipient log).</summary>
        public bool Held;
        /// <summary>In memory only: delivery attempts in a row that ended in an internal error.</summary>
        public int InternalErrors;
        /// <summary>In memory only: the recipient log's name is known to be durable (see Spool.AppendLog).</summary>
        public bool LogNameDurable;
        /// <summary>In memory only: a recipient log may exist (one was written, or the message came from the card); Remove looks for one only then.</summary>
        public bool MayHaveLog;
        /// <summary>In memory only: recipients whose last change could not be written to the card yet.</summary>
        public bool[] Unsaved;
        /// <summary>In memory only: when storage work that failed (saving progress, removal) is tried again (queue clock).</summary>
        public long StorageRetryQueueMs;
        /// <summary>In memory only: when the queue may try this message next (queue clock).</summary>
        public long NextAttemptQueueMs;
        /// <summary>In memory only: when a bounce that could not be queued is tried again (queue clock).</summary>
        public long NextReportQueueMs;
        /// <summary>In memory only: recipients a delivery attempt is working on now.</summary>
        public int InFlight;

        /// <summary>The queue ID's number (QueueIds): which of two messages came first.</summary>
        public readonly long Sequence;

        public QueuedMessage(Envelope envelope, long bodyBytes, long fileBytes)
        {
            Envelope = envelope;
            Sequence = SpoolNames.ParseQueueId(envelope.QueueId);
            BodyBytes = bodyBytes;
            FileBytes = fileBytes;
            Recipients = new RecipientStatus[envelope.Recipients.Length];
            for (int i = 0; i < Recipients.Length; i++)
            {
                Recipients[i] = new RecipientStatus();
                Recipients[i].Address = envelope.Recipients[i];
            }
        }

        public string QueueId { get { return Envelope.QueueId; } }

        /// <summary>How long the queue has held the message, by the queue clock.</summary>
        public long AgeMs(long nowQueueMs) { return nowQueueMs - Envelope.ArrivalQueueMs; }
        public string FileName { get { return Envelope.QueueId + SpoolNames.Message; } }
    }
}
