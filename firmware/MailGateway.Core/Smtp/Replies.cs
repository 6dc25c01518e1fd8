// Every fixed reply the SMTP server sends, in one table (Postfix keeps a status map the same way).
// Codes follow RFC 5321 §4.2.2/§4.3.2, enhanced codes RFC 3463 and RFC 5248's registry.
namespace MailGateway.Core.Smtp
{
    public static class Replies
    {
        // Positive
        public static readonly Reply Ok = new Reply(250, "2.0.0", "Ok");
        public static readonly Reply SenderOk = new Reply(250, "2.1.0", "Ok");
        public static readonly Reply RecipientOk = new Reply(250, "2.1.5", "Ok");
        public static readonly Reply ResetOk = new Reply(250, "2.0.0", "Ok");
        public static readonly Reply Bye = new Reply(221, "2.0.0", "Bye", true);
        public static readonly Reply StartData = new Reply(354, null, "End data with <CR><LF>.<CR><LF>");
        public static readonly Reply CannotVerify = new Reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
        public static readonly Reply Help = new Reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
        public static readonly Reply ReadyToStartTls = new Reply(220, "2.0.0", "Ready to start TLS");            // RFC 3207 §4
        public static readonly Reply TlsBusy = new Reply(454, "4.7.0", "TLS not available due to temporary reason"); // RFC 3207 §4 (limits.tls_sessions)
        public static readonly Reply AuthSucceeded = new Reply(235, "2.7.0", "Authentication successful");      // RFC 4954 §6
        // RFC 4954 §4: "334" SP [base64]; no enhanced code, the text is the Base64 challenge.
        public static readonly Reply AuthEmptyChallenge = new Reply(334, null, "");
        public static readonly Reply AuthUsernameChallenge = new Reply(334, null, "VXNlcm5hbWU6");               // "Username:"
        public static readonly Reply AuthPasswordChallenge = new Reply(334, null, "UGFzc3dvcmQ6");               // "Password:"

        // Transient
        public static readonly Reply TooManySessions = new Reply(421, "4.7.0", "Too many connections, try again later", true);
        public static readonly Reply IdleTimeout = new Reply(421, "4.4.2", "Timeout, closing connection", true);
        public static readonly Reply TooManyErrors = new Reply(421, "4.7.0", "Too many errors, closing connection", true);
        public static readonly Reply ShuttingDown = new Reply(421, "4.3.2", "Shutting down, try again later", true);
        public static readonly Reply InternalError = new Reply(421, "4.3.0", "Internal error, closing connection", true);
        public static readonly Reply SpoolFull = new Reply(452, "4.3.1", "Insufficient system storage");
        public static readonly Reply SpoolError = new Reply(451, "4.3.0", "Could not store the message, try again later");
        public static readonly Reply ClockNotSet = new Reply(451, "4.3.0", "Clock not set yet, try again in a minute");
        public static readonly Reply TooManyRecipients = new Reply(452, "4.5.3", "Too many recipients");
        public static readonly Reply TooManyExpandedRecipients = new Reply(452, "4.5.3", "Too many recipients after alias expansion");
        public static readonly Reply AuthTemporaryFailure = new Reply(454, "4.7.0", "Temporary authentication failure"); // RFC 4954 §6 (throttled, no user table)

        // Permanent: syntax and sequence
        public static readonly Reply NotImplemented = new Reply(502, "5.5.1", "Command not implemented");
        public static readonly Reply UnknownCommand = new Reply(500, "5.5.2", "Command not recognized");
        public static readonly Reply LineTooLong = new Reply(500, "5.5.2", "Line too long");
        public static readonly Reply SyntaxError = new Reply(501, "5.5.4", "Syntax error in parameters");
        public static readonly Reply HeloSyntax = new Reply(501, "5.5.4", "Syntax: EHLO hostname");
        public static readonly Reply MailSyntax = new Reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
        public static readonly Reply RcptSyntax = new Reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
        public static readonly Reply NoParameters = new Reply(501, "5.5.4", "This command takes no parameters");
        public static readonly Reply BadSenderAddress = new Reply(501, "5.1.7", "Bad sender address syntax");
        public static readonly Reply BadRecipientAddress = new Reply(501, "5.1.3", "Bad recipient address syntax");
        public static readonly Reply NonAsciiAddress = new Reply(553, "5.6.7", "Non-ASCII addresses are not supported");
        public static readonly Reply UnknownParameter = new Reply(555, "5.5.4", "Unsupported MAIL or RCPT parameter");
        public static readonly Reply BadSequence = new Reply(503, "5.5.1", "Bad sequence of commands");
        public static readonly Reply NestedMail = new Reply(503, "5.5.1", "Sender already given");
        public static readonly Reply NoValidRecipients = new Reply(554, "5.5.1", "No valid recipients");
        public static readonly Reply HttpCommand = new Reply(521, "5.7.0", "This is an SMTP server, not a web server", true);
        public static readonly Reply BareLineEnd = new Reply(521, "5.5.2", "Bare CR or LF received; lines must end with CRLF (RFC 5321 2.3.8)", true);
        public static readonly Reply NulByte = new Reply(521, "5.5.2", "NUL byte received", true);

        // Permanent: STARTTLS (RFC 3207) and AUTH (RFC 4954)
        public static readonly Reply AlreadyTls = new Reply(503, "5.5.1", "TLS already active");
        public static readonly Reply AuthNotEnabled = new Reply(503, "5.5.1", "Authentication not enabled");
        public static readonly Reply AlreadyAuthenticated = new Reply(503, "5.5.1", "Already authenticated");
        public static readonly Reply EncryptionRequired = new Reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
        public static readonly Reply AuthSyntax = new Reply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        public static readonly Reply AuthMechanismUnknown = new Reply(504, "5.5.4", "Unrecognized authentication type");
        public static readonly Reply AuthCancelled = new Reply(501, "5.7.0", "Authentication cancelled");
        public static readonly Reply AuthBadBase64 = new Reply(501, "5.5.2", "Cannot decode Base64 response");
        public static readonly Reply AuthMalformed = new Reply(501, "5.5.2", "Malformed authentication response");
        public static readonly Reply AuthLineTooLong = new Reply(500, "5.5.6", "Authentication exchange line is too long");
        public static readonly Reply AuthFailed = new Reply(535, "5.7.8", "Authentication credentials invalid");

        // Permanent: policy and content
        public static readonly Reply RelayDenied = new Reply(554, "5.7.1", "Relay access denied");
        public static readonly Reply MailboxFull = new Reply(552, "5.2.2", "Mailbox full");                       // RFC 3463 X.2.2
        public static readonly Reply UserUnknown = new Reply(550, "5.1.1", "Recipient address rejected: User unknown in local recipient table");
        public static readonly Reply MessageTooBig = new Reply(552, "5.3.4", "Message size exceeds fixed limit");
        public static readonly Reply MailLoop = new Reply(554, "5.4.6", "Too many Received headers: mail forwarding loop");
    }
}
