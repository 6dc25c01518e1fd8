// What the POP3 session asks of the loop (PollEvent); the answers come back as Complete… calls.
namespace MailGateway.Core.Local
{
    public static class Pop3Event
    {
        public const int None = 0;
        /// <summary>
        /// PASS given: check User/Password, open and lock the maildrop, then CompleteAuth. The loop may
        /// delay a failure verdict (throttling); the session reads nothing meanwhile.
        /// </summary>
        public const int AuthRequested = 1;
        /// <summary>STLS accepted: send the queued +OK in clear, do the TLS handshake, then CompleteTls.</summary>
        public const int StartTls = 2;
        /// <summary>QUIT in TRANSACTION (RFC 1939 §6 UPDATE): Maildrop.CommitDeletions(), then CompleteCommit.</summary>
        public const int Commit = 3;
        public const int Count = 4;

        private static readonly string[] Names = { "None", "AuthRequested", "StartTls", "Commit" };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }
    }
}
