// What happened to one message on one connection: one RecipientOutcome per recipient, in the
// order given to BeginMessage, each Delivered, Transient or Permanent once MessageDone is reported.
namespace MailGateway.Core.Smtp
{
    public sealed class MessageOutcome
    {
        public readonly RecipientOutcome[] Recipients;
        /// <summary>The session ended ClientEnd.TryNextAddress during this message: its Transient recipients may go to the next MX address now.</summary>
        public bool TryNextAddress;
        /// <summary>The final dot was sent and no reply came (timeout, lost connection): Transient, but the server may have delivered it.</summary>
        public bool MayBeDeliveredTwice;

        public MessageOutcome(string[] recipients)
        {
            Recipients = new RecipientOutcome[recipients.Length];
            for (int i = 0; i < recipients.Length; i++) Recipients[i] = new RecipientOutcome(recipients[i]);
        }

        /// <summary>How many recipients have this DeliveryStatus.</summary>
        public int Count(int status)
        {
            int n = 0;
            for (int i = 0; i < Recipients.Length; i++)
            {
                if (Recipients[i].Status == status) n++;
            }
            return n;
        }
    }
}
