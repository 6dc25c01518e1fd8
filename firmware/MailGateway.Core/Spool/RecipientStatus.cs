// Delivery progress of one recipient of a queued message.
namespace MailGateway.Core.Spool
{
    public sealed class RecipientStatus
    {
        public const int Pending = 0;
        public const int Delivered = 1;
        /// <summary>Failed for good, and the sender's bounce is queued (or none was due).</summary>
        public const int Failed = 2;
        /// <summary>Failed for good; the bounce that reports it is not yet safely queued.</summary>
        public const int Bouncing = 3;

        private static readonly string[] Names = { "pending", "delivered", "failed", "bouncing" };

        public static string Name(int state)
        {
            return state >= 0 && state < Names.Length ? Names[state] : "?";
        }

        public string Address;
        public int State;
        public int Attempts;
        /// <summary>When the next attempt is due, on the queue clock (QueueClock); -1: unknown (a record from before it), due at once.</summary>
        public long NextAttemptQueueMs;
        /// <summary>The same on the wall clock as it read when the record was written: for people, never for timing.</summary>
        public long NextAttemptUnixMs;
        public string LastReply = "";
        /// <summary>The host that gave LastReply ("mx.example.com[192.0.2.1]"), "" when none did.</summary>
        public string RemoteHost = "";
    }
}
