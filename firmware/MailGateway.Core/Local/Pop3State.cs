// States of the POP3 session, named for what the session waits for. RFC 1939's AUTHORIZATION state
// is AwaitingUser/AwaitingPass/AwaitingAuth/AwaitingTls, TRANSACTION is AwaitingCommand/Sending,
// UPDATE is AwaitingCommit.
namespace MailGateway.Core.Local
{
    public static class Pop3State
    {
        public const int AwaitingUser = 0;    // greeting sent (or TLS up, or a login failed): USER expected
        public const int AwaitingPass = 1;    // USER given: PASS expected
        public const int AwaitingAuth = 2;    // PASS given: the loop checks it (AuthRequested); no input read
        public const int AwaitingTls = 3;     // +OK to STLS queued: the loop does the handshake; input is discarded
        public const int AwaitingCommand = 4; // logged in, the maildrop is locked: TRANSACTION commands expected
        public const int Sending = 5;         // a multi-line reply (LIST, UIDL, RETR, TOP) streams out; no input read
        public const int AwaitingCommit = 6;  // QUIT in TRANSACTION: the loop removes the marked messages (Commit)
        public const int Closing = 7;         // the last reply is queued; nothing more is read
        public const int Closed = 8;
        public const int Count = 9;

        // Enum names print as numbers on nanoFramework; keep the names in a table.
        private static readonly string[] Names =
        {
            "AwaitingUser", "AwaitingPass", "AwaitingAuth", "AwaitingTls", "AwaitingCommand", "Sending",
            "AwaitingCommit", "Closing", "Closed",
        };

        public static string Name(int state)
        {
            return state >= 0 && state < Count ? Names[state] : "?";
        }

        /// <summary>True in the states in which command lines are read.</summary>
        public static bool ReadsCommands(int state)
        {
            return state == AwaitingUser || state == AwaitingPass || state == AwaitingCommand;
        }
    }
}
