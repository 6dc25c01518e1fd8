// What one delivery attempt found out about one recipient.
namespace MailGateway.Core.Delivery
{
    public sealed class AttemptOutcome
    {
        public const int Delivered = 0;
        public const int Transient = 1;   // 4xx, connection lost, timeout, DNS temporarily failing: retry
        public const int Permanent = 2;   // 5xx, NXDOMAIN, null MX: bounce

        private static readonly string[] Names = { "sent", "deferred", "bounced" };

        /// <summary>Postfix's word for the outcome in "status=…".</summary>
        public static string StatusWord(int result) { return result >= 0 && result < Names.Length ? Names[result] : "?"; }

        /// <summary>Index of the recipient in the message's envelope.</summary>
        public int Recipient;
        public int Result;
        /// <summary>The reply or the reason, as an operator reads it ("550 5.1.1 User unknown").</summary>
        public string Reply = "";
        /// <summary>"mx.example.com[192.0.2.1]:25", or "" when no server was reached.</summary>
        public string RemoteHost = "";
        /// <summary>The RFC 3463 code for the log's dsn= field.</summary>
        public string Status = "";

        public AttemptOutcome(int recipient, int result, string status, string reply, string remoteHost)
        {
            Recipient = recipient;
            Result = result;
            Status = status;
            Reply = reply;
            RemoteHost = remoteHost;
        }
    }
}
