// What one POP3 session needs to know from the configuration (limits with their defaults).
namespace MailGateway.Core.Local
{
    public sealed class Pop3Settings
    {
        /// <summary>The name in the greeting and the QUIT reply.</summary>
        public string Hostname = "mailgw.local";
        /// <summary>The loop can upgrade this connection to TLS: CAPA lists STLS and STLS is accepted (RFC 2595).</summary>
        public bool TlsAvailable;
        /// <summary>The TLS sessions the loop may still start (limits.tls_sessions); null: no limit. STLS at the limit gets -ERR [SYS/TEMP].</summary>
        public Runtime.TlsSessions TlsSessions;
        /// <summary>The loop's scratch buffer, which a message's bytes pass through on their way from the maildrop to the output; null: each session has its own.</summary>
        public byte[] Scratch;
        /// <summary>USER/PASS accepted without TLS. Off by default: a password in clear on the LAN is readable by anyone on it.</summary>
        public bool AllowPlaintextLogin;
        /// <summary>Idle time before the session is closed (RFC 1939 §3: at least 10 minutes).</summary>
        public long IdleTimeoutMs = 10 * 60 * 1000;
        /// <summary>Longest command line including CRLF (RFC 2449 §4: 255 octets).</summary>
        public int MaxCommandLine = 255;
        /// <summary>-ERR replies (other than failed logins) per session before the session is closed.</summary>
        public int MaxErrors = 10;
        /// <summary>Failed logins per session before the session is closed.</summary>
        public int MaxAuthFailures = 3;
        /// <summary>The CAPA IMPLEMENTATION argument (RFC 2449 §6.9).</summary>
        public string Implementation = "MailGateway";
    }
}
