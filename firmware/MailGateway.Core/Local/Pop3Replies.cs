// Every fixed status line the POP3 session sends, in one table. Response codes: RFC 2449 §8
// (IN-USE, LOGIN-DELAY) and RFC 3206 (SYS/TEMP, SYS/PERM, AUTH). Replies that carry numbers or
// names are built by the handlers from these texts.
namespace MailGateway.Core.Local
{
    public static class Pop3Replies
    {
        // For the loop's CompleteAuth failure text.
        /// <summary>Another session holds the maildrop's lock (RFC 2449 §8.1.1).</summary>
        public const string MailboxInUse = "[IN-USE] mailbox locked";
        /// <summary>Wrong user name or password (RFC 3206 §4); the same text for both, so users cannot be probed.</summary>
        public const string LoginFailed = "[AUTH] Invalid user name or password";

        // Positive
        public static readonly Pop3Reply Ok = Pop3Reply.Positive("");
        public static readonly Pop3Reply SendPass = Pop3Reply.Positive("Send PASS");
        public static readonly Pop3Reply CapabilityList = Pop3Reply.Positive("Capability list follows");
        public static readonly Pop3Reply BeginTls = Pop3Reply.Positive("Begin TLS negotiation");
        /// <summary>Every TLS session is in use (limits.tls_sessions): try again later (RFC 3206 §4).</summary>
        public static readonly Pop3Reply TlsBusy = Pop3Reply.Negative("[SYS/TEMP] TLS not available now, try again later");
        public static readonly Pop3Reply TopFollows = Pop3Reply.Positive("Top of message follows");
        public static readonly Pop3Reply UidListFollows = Pop3Reply.Positive("Unique-ID listing follows");

        // Negative: syntax and sequence (counted as errors)
        public static readonly Pop3Reply UnknownCommand = Pop3Reply.Negative("Unknown command");
        public static readonly Pop3Reply NotNow = Pop3Reply.Negative("Command not valid in this state");
        public static readonly Pop3Reply LineTooLong = Pop3Reply.Negative("Line too long (RFC 2449: 255 octets)");
        public static readonly Pop3Reply NoArguments = Pop3Reply.Negative("This command takes no arguments");
        public static readonly Pop3Reply UserSyntax = Pop3Reply.Negative("Syntax: USER name");
        public static readonly Pop3Reply PassSyntax = Pop3Reply.Negative("Syntax: PASS password");
        public static readonly Pop3Reply UserFirst = Pop3Reply.Negative("USER first");
        public static readonly Pop3Reply BadMessageNumber = Pop3Reply.Negative("Invalid message number");
        public static readonly Pop3Reply TopSyntax = Pop3Reply.Negative("Syntax: TOP message lines");
        public static readonly Pop3Reply TlsActive = Pop3Reply.Negative("TLS already active");
        public static readonly Pop3Reply TlsUnavailable = Pop3Reply.Negative("TLS not available");
        /// <summary>
        /// USER/PASS without TLS while AllowPlaintextLogin is off. SYS/PERM (RFC 3206 §4): the client
        /// should show the text and not retry the same way; AUTH would make it ask for a new password.
        /// </summary>
        public static readonly Pop3Reply PlaintextRefused = new Pop3Reply(false, "SYS/PERM", "Plaintext login is disabled; use STLS first");
        public static readonly Pop3Reply PlaintextRefusedNoTls = new Pop3Reply(false, "SYS/PERM", "Plaintext login is disabled");

        // Negative: closing
        public static readonly Pop3Reply BareLineEnd = new Pop3Reply(false, null, "Bare CR or LF received; lines must end with CRLF", true);
        public static readonly Pop3Reply NulByte = new Pop3Reply(false, null, "NUL byte received", true);
        public static readonly Pop3Reply TooManyErrors = new Pop3Reply(false, null, "Too many errors, closing connection", true);
        public static readonly Pop3Reply TooManyFailures = new Pop3Reply(false, "AUTH", "Too many failed logins, closing connection", true);
        public static readonly Pop3Reply CommitFailed = new Pop3Reply(false, "SYS/TEMP", "Some deleted messages not removed", true);
        public static readonly Pop3Reply TooManySessions = new Pop3Reply(false, "SYS/TEMP", "Too many connections, try again later", true);
        public static readonly Pop3Reply InternalError = new Pop3Reply(false, "SYS/TEMP", "Internal error, closing connection", true);
        public static readonly Pop3Reply ShuttingDown = new Pop3Reply(false, "SYS/TEMP", "Server shutting down, try again later", true);
    }
}
