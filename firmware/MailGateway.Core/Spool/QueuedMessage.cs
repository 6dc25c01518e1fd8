// A committed message as the queue knows it: its envelope and each recipient's progress.
namespace MailGateway.Core.Spool
{
    public sealed class QueuedMessage
    {
        public readonly Envelope Envelope;
        public readonly RecipientStatus[] Recipients;
        public readonly long BodyBytes;
        public long FileBytes;

        public QueuedMessage(Envelope envelope, long bodyBytes, long fileBytes)
        {
            Envelope = envelope;
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
        public string FileName { get { return Envelope.QueueId + SpoolNames.Message; } }
    }
}
