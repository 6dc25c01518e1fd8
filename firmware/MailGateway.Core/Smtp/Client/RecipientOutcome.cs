// The result for one recipient of one message on one connection attempt.
namespace MailGateway.Core.Smtp
{
    public sealed class RecipientOutcome
    {
        /// <summary>The address as given to BeginMessage (no angle brackets).</summary>
        public readonly string Address;
        /// <summary>A DeliveryStatus value.</summary>
        public int Status;
        /// <summary>The reply that decided it: the server's last reply for this recipient, or one made up by the client (FromServer false).</summary>
        public Reply Reply;
        /// <summary>False when the client made up Reply (timeout, lost connection, SIZE, bad address).</summary>
        public bool FromServer;
        /// <summary>The ClientState in which it was decided: AwaitingRcpt for a RCPT refusal, AwaitingEndOfData for delivery.</summary>
        public int Stage;
        /// <summary>True once the server accepted this recipient with a 2xx to RCPT TO.</summary>
        public bool Accepted;

        public RecipientOutcome(string address)
        {
            Address = address;
        }

        public override string ToString()
        {
            return "<" + Address + "> " + DeliveryStatus.Name(Status) + " at " + ClientState.Name(Stage) +
                   ": " + (Reply == null ? "(no reply)" : Reply.ToString());
        }
    }
}
