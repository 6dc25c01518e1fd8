// States of the SMTP client session, named for what the session waits for. A state is also the
// "stage" an outcome names: the step at which a recipient's fate was decided.
namespace MailGateway.Core.Smtp
{
    public static class ClientState
    {
        public const int AwaitingConnect = 0;   // the loop is opening the TCP connection
        public const int AwaitingGreeting = 1;  // connected; the server's 220 is expected
        public const int AwaitingEhlo = 2;      // EHLO sent
        public const int AwaitingHelo = 3;      // EHLO was refused; HELO sent
        public const int AwaitingStartTls = 4;  // STARTTLS sent; 220 expected
        public const int AwaitingTls = 5;       // the loop performs the TLS handshake (nothing is read)
        public const int AwaitingAuth = 6;      // AUTH sent; 334 or 235 expected
        public const int AwaitingMessage = 7;   // greeted; the loop gives the next message or asks to quit
        public const int AwaitingRset = 8;      // RSET sent before the next message
        public const int AwaitingMail = 9;      // the reply to MAIL FROM is next
        public const int AwaitingRcpt = 10;     // the reply to a RCPT TO is next
        public const int AwaitingData = 11;     // the reply to DATA is next
        public const int SendingBody = 12;      // 354 received; body bytes flow from the loop
        public const int AwaitingEndOfData = 13;// final dot sent; the message may be delivered from here on
        public const int AwaitingQuit = 14;     // QUIT sent
        public const int Closed = 15;
        public const int Count = 16;

        // Enum names print as numbers on nanoFramework; keep the names in a table.
        private static readonly string[] Names =
        {
            "AwaitingConnect", "AwaitingGreeting", "AwaitingEhlo", "AwaitingHelo", "AwaitingStartTls",
            "AwaitingTls", "AwaitingAuth", "AwaitingMessage", "AwaitingRset", "AwaitingMail", "AwaitingRcpt",
            "AwaitingData", "SendingBody", "AwaitingEndOfData", "AwaitingQuit", "Closed",
        };

        // What the client was doing, for reply texts: "lost connection while <this>" (Postfix's wording).
        private static readonly string[] Doing =
        {
            "connecting", "receiving the initial server greeting", "performing the EHLO handshake",
            "performing the HELO handshake", "sending STARTTLS", "performing the TLS handshake",
            "authenticating", "waiting between messages", "sending RSET", "sending MAIL FROM",
            "sending RCPT TO", "sending DATA", "sending the message body", "waiting for the reply to end of data",
            "sending QUIT", "closed",
        };

        public static string Name(int state)
        {
            return state >= 0 && state < Count ? Names[state] : "?";
        }

        /// <summary>"sending RCPT TO": what the client was doing in this state, for reply texts.</summary>
        public static string Describe(int state)
        {
            return state >= 0 && state < Count ? Doing[state] : "?";
        }
    }
}
