// What one SMTP server session needs to know from the configuration (limits with their defaults).
namespace MailGateway.Core.Smtp
{
    public sealed class ServerSettings
    {
        public string Hostname = "mailgw.local";
        /// <summary>Longest command line including CRLF (RFC 5321 §4.5.3.1.4: at least 512).</summary>
        public int MaxCommandLine = 1000;
        /// <summary>Body is handed to the loop in chunks of about this size (limits.io_buffer).</summary>
        public int BodyChunk = SmtpServerSession.BodyChunk;
        /// <summary>Largest message in bytes, as received (RFC 1870 SIZE).</summary>
        public long MaxMessageBytes = 10 * 1024 * 1024;
        /// <summary>Recipients per message; more get 452 4.5.3 (RFC 5321 §4.5.3.1.8: at least 100).</summary>
        public int MaxRecipients = 100;
        /// <summary>Error replies per session before 421 and close.</summary>
        public int MaxErrors = 10;
        /// <summary>Idle time while waiting for the client before 421 (RFC 5321 §4.5.3.2.7: 5 minutes).</summary>
        public long IdleTimeoutMs = 5 * 60 * 1000;
        /// <summary>More Received fields than this mean a mail loop (554 5.4.6).</summary>
        public int MaxReceived = 50;
        /// <summary>The loop has a certificate: STARTTLS is offered (RFC 3207) until TLS is active.</summary>
        public bool TlsAvailable;
        /// <summary>
        /// AUTH is offered without TLS too (smtp.auth_plaintext = yes, for LAN devices that cannot do
        /// TLS). Otherwise AUTH is offered only once TLS is active (RFC 4954 §4, §14).
        /// </summary>
        public bool AuthPlaintext;
        /// <summary>
        /// A buffer a session may use during one Receive call and that holds nothing afterwards
        /// (the decoded DATA bytes on their way into Body). The loop gives every session the same
        /// one (it is single-threaded); null: each session allocates its own.
        /// </summary>
        public byte[] Scratch;
        /// <summary>The TLS sessions the loop may still start (limits.tls_sessions); null: no limit. STARTTLS at the limit gets 454 4.7.0.</summary>
        public Runtime.TlsSessions TlsSessions;
    }
}
