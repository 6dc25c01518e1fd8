// How a client session ended, as a whole (SmtpClientSession.End). Per-recipient results are in
// MessageOutcome; this says what the loop should do with the server address.
namespace MailGateway.Core.Smtp
{
    public static class ClientEnd
    {
        /// <summary>Not ended.</summary>
        public const int Running = 0;
        /// <summary>The loop asked to quit; every message given had its outcome.</summary>
        public const int Quit = 1;
        /// <summary>
        /// This server could not be used, and had taken nothing of the current message: the connect
        /// failed or timed out, the greeting was not 220 (4xx or 5xx), a 4xx/421, a timeout, a lost
        /// connection or a protocol error came before any recipient of the current message was
        /// accepted (greeting, EHLO/HELO, STARTTLS, TLS handshake, AUTH 4xx, RSET, MAIL, RCPT), or
        /// TLS/AUTH was required and not possible. Pending recipients are Transient: try the next
        /// MX address now (DESIGN 3a).
        /// </summary>
        public const int TryNextAddress = 2;
        /// <summary>
        /// The connection failed (timeout, lost connection, 421, protocol error) after the server
        /// had accepted recipients of the current message, or between messages. Pending recipients
        /// are Transient and wait for the retry schedule; after the final dot they "may be
        /// delivered twice".
        /// </summary>
        public const int Broken = 3;
        /// <summary>The server refused us as a whole with a 5xx (HELO after EHLO, AUTH): pending recipients are Permanent.</summary>
        public const int Refused = 4;
        public const int Count = 5;

        private static readonly string[] Names = { "Running", "Quit", "TryNextAddress", "Broken", "Refused" };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }
    }
}
