// What one outbound SMTP session needs to know: our name, timeouts (RFC 5321 §4.5.3.2 defaults),
// TLS and AUTH. The router builds one per destination: opportunistic TLS towards MX hosts,
// required and verified TLS with AUTH towards a smarthost.
namespace MailGateway.Core.Smtp
{
    public sealed class ClientSettings
    {
        private const long Minute = 60 * 1000;

        /// <summary>Our name in EHLO/HELO.</summary>
        public string Hostname = "mailgw.local";

        // Timeouts: how long to wait for each reply (RFC 5321 §4.5.3.2 gives the minimums).
        /// <summary>TCP connect (Postfix smtp_connect_timeout: 30 s).</summary>
        public long ConnectTimeoutMs = 30 * 1000;
        /// <summary>RFC 5321 §4.5.3.2.1: initial 220 message, 5 minutes.</summary>
        public long GreetingTimeoutMs = 5 * Minute;
        /// <summary>EHLO/HELO reply (not in the RFC; Postfix smtp_helo_timeout: 5 minutes).</summary>
        public long EhloTimeoutMs = 5 * Minute;
        /// <summary>RFC 5321 §4.5.3.2.2: MAIL command, 5 minutes.</summary>
        public long MailTimeoutMs = 5 * Minute;
        /// <summary>RFC 5321 §4.5.3.2.3: RCPT command, 5 minutes.</summary>
        public long RcptTimeoutMs = 5 * Minute;
        /// <summary>RFC 5321 §4.5.3.2.4: DATA initiation (the 354), 2 minutes.</summary>
        public long DataInitTimeoutMs = 2 * Minute;
        /// <summary>RFC 5321 §4.5.3.2.5: data block, 3 minutes without the message moving on.</summary>
        public long DataBlockTimeoutMs = 3 * Minute;
        /// <summary>RFC 5321 §4.5.3.2.6: DATA termination (the reply to the final dot), 10 minutes.</summary>
        public long DataEndTimeoutMs = 10 * Minute;
        /// <summary>STARTTLS, the TLS handshake, AUTH and RSET (Postfix smtp_starttls_timeout: 5 minutes).</summary>
        public long CommandTimeoutMs = 5 * Minute;
        /// <summary>The reply to QUIT; every outcome is known by then, so waiting long only holds a socket.</summary>
        public long QuitTimeoutMs = 30 * 1000;

        // TLS (RFC 3207)
        /// <summary>A ClientTls value.</summary>
        public int Tls = ClientTls.Opportunistic;
        /// <summary>For the loop at StartTls: verify the server's certificate (smarthost), or take any (opportunistic MX).</summary>
        public bool VerifyCertificate;

        // AUTH (RFC 4954 with PLAIN, RFC 4616, or LOGIN)
        /// <summary>Null: no AUTH. Otherwise the authentication identity (user name).</summary>
        public string AuthUser;
        public string AuthPassword;
        /// <summary>Authorization identity for PLAIN (RFC 4616 §2); null or empty: act as AuthUser.</summary>
        public string AuthIdentity;
        /// <summary>Send credentials without TLS. Off by default: passwords never cross the network in clear.</summary>
        public bool AuthWithoutTls;

        /// <summary>Encoded body bytes the session holds for the socket at most (limits.io_buffer).</summary>
        public int BodyOutputLimit = SmtpClientSession.BodyOutputLimit;

        /// <summary>EHLO keywords to ignore (Postfix smtp_discard_ehlo_keywords), e.g. "PIPELINING" for a broken server.</summary>
        public string[] DiscardEhloKeywords;

        /// <summary>Settings for delivery to an MX host: opportunistic TLS, no certificate check, no AUTH.</summary>
        public static ClientSettings ForMx(string hostname)
        {
            ClientSettings s = new ClientSettings();
            s.Hostname = hostname;
            return s;
        }

        /// <summary>Settings for a smarthost: TLS required and verified, AUTH when a user is given.</summary>
        public static ClientSettings ForSmarthost(string hostname, string user, string password)
        {
            ClientSettings s = new ClientSettings();
            s.Hostname = hostname;
            s.Tls = ClientTls.Required;
            s.VerifyCertificate = true;
            s.AuthUser = user;
            s.AuthPassword = password;
            return s;
        }
    }
}
