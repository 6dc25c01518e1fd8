// One recipient's result on one connection attempt (RecipientOutcome.Status).
namespace MailGateway.Core.Smtp
{
    public static class DeliveryStatus
    {
        /// <summary>Not decided yet; never left in a finished MessageOutcome.</summary>
        public const int Pending = 0;
        /// <summary>The server answered 2xx to the end of data for this recipient.</summary>
        public const int Delivered = 1;
        /// <summary>4xx, a timeout, a lost connection or a protocol error: retry later.</summary>
        public const int Transient = 2;
        /// <summary>5xx (or an address or size we must not send): bounce.</summary>
        public const int Permanent = 3;
        public const int Count = 4;

        private static readonly string[] Names = { "pending", "delivered", "transient", "permanent" };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }

        /// <summary>Transient for a 4xx reply, Permanent for 5xx (RFC 5321 §4.2.1).</summary>
        public static int OfFailure(Reply reply)
        {
            return reply.Code >= 500 ? Permanent : Transient;
        }
    }
}
