// What the server session asks of the loop (PollEvent); the answers come back as Complete… calls.
namespace MailGateway.Core.Smtp
{
    public static class SessionEvent
    {
        public const int None = 0;
        /// <summary>DATA accepted by the session: open a spool file, then CompleteDataStart or FailDataStart.</summary>
        public const int DataStarting = 1;
        /// <summary>Message bytes are waiting in Body: write them to the spool file and consume them.</summary>
        public const int BodyReady = 2;
        /// <summary>The message ended and is acceptable: commit it, then CompleteSpool.</summary>
        public const int DataEnded = 3;
        /// <summary>The message is refused (too big, loop, broken line ends): discard the spool file.</summary>
        public const int DataAborted = 4;
        /// <summary>
        /// "220 Ready to start TLS" is queued and nothing more is read: send every byte PeekTransmit
        /// gives, discard whatever the client sent that the session has not consumed (RFC 3207 §5,
        /// CVE-2011-0411), run the TLS handshake, then CompleteTls.
        /// </summary>
        public const int StartTls = 5;
        /// <summary>
        /// Credentials are in AuthMechanism/AuthUser/AuthPassword: check them, then CompleteAuth
        /// (Replies.AuthSucceeded, Replies.AuthFailed, Replies.AuthTemporaryFailure). If the session
        /// closed before the loop got to it (EOF, Shutdown) they are null and CompleteAuth is ignored.
        /// </summary>
        public const int AuthRequested = 6;
        public const int Count = 7;

        private static readonly string[] Names =
        {
            "None", "DataStarting", "BodyReady", "DataEnded", "DataAborted", "StartTls", "AuthRequested",
        };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }
    }
}
