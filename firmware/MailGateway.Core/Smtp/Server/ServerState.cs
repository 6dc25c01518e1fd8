// States of the SMTP server session, named for what the session waits for.
namespace MailGateway.Core.Smtp
{
    public static class ServerState
    {
        public const int AwaitingHelo = 0;      // greeting sent; EHLO or HELO expected
        public const int AwaitingMail = 1;      // greeted; MAIL FROM expected
        public const int AwaitingRcpt = 2;      // sender given; RCPT TO or DATA expected
        public const int AwaitingDataStart = 3; // DATA received; the spool is opening a file (no input read)
        public const int ReadingData = 4;       // 354 sent; message bytes stream to the spool
        public const int SkippingData = 5;      // message refused already (too big); read to its end, store nothing
        public const int AwaitingSpool = 6;     // end of data seen; waiting for the spool's commit verdict
        public const int AwaitingTls = 7;       // "220 Ready to start TLS" sent; waiting for the loop's handshake (no input read)
        public const int AwaitingAuthResponse = 8; // "334" sent; the client's next SASL line expected
        public const int AwaitingAuthVerdict = 9;  // credentials complete; waiting for the loop's check (no input read)
        // Closing and Closed stay last: "state >= Closing" means the session reads nothing more.
        public const int Closing = 10;          // a closing reply is queued; nothing more is read
        public const int Closed = 11;
        public const int Count = 12;

        // Enum names print as numbers on nanoFramework; keep the names in a table.
        private static readonly string[] Names =
        {
            "AwaitingHelo", "AwaitingMail", "AwaitingRcpt", "AwaitingDataStart", "ReadingData",
            "SkippingData", "AwaitingSpool", "AwaitingTls", "AwaitingAuthResponse", "AwaitingAuthVerdict",
            "Closing", "Closed",
        };

        public static string Name(int state)
        {
            return state >= 0 && state < Count ? Names[state] : "?";
        }
    }
}
