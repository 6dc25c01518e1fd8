// Every setting of the gateway with its embedded default: what `mailgw run` uses with no file,
// and what each key of a configuration file overrides (see ConfigParser and the README's table).
using MailGateway.Core.Relay;
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Config
{
    public sealed class GatewayConfig
    {
        public string Hostname = "mailgw.local";
        /// <summary>Listen endpoints; each entry is an address literal and a port.</summary>
        public ListenEndpoint[] SmtpListen = { new ListenEndpoint("127.0.0.1", 2525) };
        public string[] RelayAllowText = { "127.0.0.0/8", "::1" };
        public CidrRange[] RelayAllow = { CidrRange.Parse("127.0.0.0/8"), CidrRange.Parse("::1") };
        public string[] RelayDomains = new string[0];
        public string[] LocalDomains = new string[0];
        public long MessageSizeBytes = 10 * 1024 * 1024;
        public int MaxRecipients = 100;
        public int MaxSessions = 20;
        /// <summary>limits.smtp_sessions: the most of limits.sessions that may be SMTP at once; 0: any.</summary>
        public int MaxSmtpSessions;
        /// <summary>limits.remembered_clients: client addresses each login list keeps (failed logins, POP-before-SMTP, recent logins).</summary>
        public int RememberedClients = 64;
        /// <summary>
        /// limits.io_buffer: what a connection reads from its socket, a message moves to the spool and a
        /// delivery writes to its socket in one step; 0: DefaultIoBufferBytes (a board's). Bigger means
        /// fewer system calls per message and more memory per session (mailgw budget shows it).
        /// </summary>
        public int IoBufferBytes;
        public const int DefaultIoBufferBytes = 1024;
        public int IoBuffer { get { return IoBufferBytes > 0 ? IoBufferBytes : DefaultIoBufferBytes; } }
        /// <summary>limits.tls_sessions: TLS sessions at once, inbound and outbound (TlsSessions); 0: no limit of its own.</summary>
        public int MaxTlsSessions;
        /// <summary>limits.sessions_per_client: sessions one client address may hold at once.</summary>
        public int SessionsPerClient = 5;
        /// <summary>limits.sessions_reserved: sessions only trusted clients may use; -1: a quarter of limits.sessions.</summary>
        public int SessionsReserved = -1;
        public long IdleTimeoutMs = 300 * 1000;
        public int MaxErrors = 10;
        public int MaxCommandLine = 1000;
        /// <summary>smtp.listen_tls: listeners where TLS starts at once (port 465, RFC 8314).</summary>
        public ListenEndpoint[] SmtpListenTls = new ListenEndpoint[0];
        /// <summary>pop3.listen: where users fetch their mail (RFC 1939), when the gateway keeps mailboxes.</summary>
        public ListenEndpoint[] Pop3Listen = { new ListenEndpoint("127.0.0.1", 1110) };
        /// <summary>console.listen: the console over TCP (mailgw console, mailgw queue); none by default.</summary>
        public ListenEndpoint[] ConsoleListen = new ListenEndpoint[0];
        /// <summary>console.serial as given ("/dev/ttyUSB0, 115200", checked): a serial port for the console on a host; null: none (ConfigParser.SerialPort reads it).</summary>
        public string ConsoleSerial;
        /// <summary>console.password: asked before any console command; null: none, and console.listen must then be loopback.</summary>
        public string ConsolePassword;
        /// <summary>console.log_bytes: the ring of recent log lines the console's "log" shows; 0: DefaultConsoleLogBytes (a board's).</summary>
        public int ConsoleLogBytes;
        public const int DefaultConsoleLogBytes = 1024;
        public int ConsoleLog { get { return ConsoleLogBytes > 0 ? ConsoleLogBytes : DefaultConsoleLogBytes; } }

        /// <summary>A console.listen address that is not loopback while console.password is unset, else null.</summary>
        public string ConsoleOpenWithoutPassword()
        {
            if (ConsolePassword != null) return null;
            CidrRange loopback4 = CidrRange.Parse("127.0.0.0/8"), loopback6 = CidrRange.Parse("::1");
            for (int i = 0; i < ConsoleListen.Length; i++)
            {
                byte[] a = IpAddress.Parse(ConsoleListen[i].Address);
                if (a == null || !(loopback4.Contains(a) || loopback6.Contains(a))) return ConsoleListen[i].ToString();
            }
            return null;
        }
        /// <summary>pop3.listen_tls: POP3 with implicit TLS (port 995, RFC 8314).</summary>
        public ListenEndpoint[] Pop3ListenTls = new ListenEndpoint[0];
        /// <summary>relay.pop_before_smtp: how long a POP3 login lets its address relay; 0: never.</summary>
        public long PopBeforeSmtpMs;
        /// <summary>pop3.auth_plaintext: allow USER/PASS without TLS.</summary>
        /// <summary>pop3.max_messages: the most messages one POP3 session is shown, the oldest first (the rest after these are deleted).</summary>
        public int Pop3MaxMessages = 1000;
        public bool Pop3AuthPlaintext;
        /// <summary>tls.cert / tls.key: PEM files; empty: a self-signed certificate kept in the data folder.</summary>
        public string TlsCertFile;
        public string TlsKeyFile;
        /// <summary>Set by the platform once it has a server certificate: STARTTLS is offered.</summary>
        public bool ServerTlsAvailable;
        /// <summary>smtp.auth_plaintext: offer AUTH without TLS (LAN devices that cannot do TLS).</summary>
        public bool SmtpAuthPlaintext;
        public string SpoolDir = "mailgw-data";
        public long SpoolMaxBytes = 1024L * 1024 * 1024;

        // Delivery
        /// <summary>DNS servers for MX lookups; empty: the platform's own resolver configuration.</summary>
        public Dns.DnsServer[] DnsServers = new Dns.DnsServer[0];
        /// <summary>dns.concurrency: lookups the gateway's own resolver runs at once; more wait their turn.</summary>
        public int DnsConcurrency = 8;
        /// <summary>dns.udp_sockets: UDP sockets that resolver shares among its lookups, per address family.</summary>
        public int DnsUdpSockets = 2;
        /// <summary>dns.max_tcp_answer: the largest answer taken over TCP (after a truncated one over UDP); it is held whole while it is read.</summary>
        public int DnsMaxTcpAnswer = 16384;
        /// <summary>Static routes: mail for Routes[i].Domain goes to Routes[i].Target.</summary>
        public Route[] Routes = new Route[0];
        /// <summary>The provider's relay all other mail goes through; null: deliver by MX.</summary>
        public HostPort Smarthost;
        public int SmarthostTls = TlsMode.StartTls;
        public bool SmarthostVerify = true;
        public string SmarthostUser;
        public string SmarthostPassword;
        public int DeliveryPort = 25;
        public int MaxAddressesPerAttempt = 5;
        /// <summary>Delivery attempts (outbound connections) at the same time.</summary>
        public int MaxDeliveries = 4;
        /// <summary>How long an outbound connection stays open for the next message to the same place; 0: never reused.</summary>
        public long ConnectionReuseMs = 2000;
        // RFC 5321 §4.5.3.2 timeouts
        public long ConnectTimeoutMs = 30 * 1000;
        public long CommandTimeoutMs = 5 * 60 * 1000;
        public long DataStartTimeoutMs = 2 * 60 * 1000;
        public long DataBlockTimeoutMs = 3 * 60 * 1000;
        public long DataEndTimeoutMs = 10 * 60 * 1000;

        // Local mail
        /// <summary>local.mailbox_format: "files" (one file per message, any platform) or "maildir" (host only).</summary>
        public string MailboxFormat = "files";
        /// <summary>local.mailbox_max_bytes: the most one mailbox may hold (0: no limit but the card's).</summary>
        public long MailboxMaxBytes = 50L * 1024 * 1024;
        /// <summary>alias.&lt;name&gt; = target, …: local users or external addresses, for every local domain.</summary>
        public Alias[] Aliases = new Alias[0];

        // Queue
        public long[] RetryWaitsMs = Delivery.RetrySchedule.DefaultWaitsMs;
        public long QueueLifetimeMs = 4 * 86400 * 1000L;
        /// <summary>When a delay warning goes to the sender; 0: never.</summary>
        public long WarnAfterMs = 4 * 3600 * 1000L;
        /// <summary>Where copies of undeliverable bounces go; null: only logged.</summary>
        public string Postmaster;
        /// <summary>queue.index_size: queued messages kept in memory (the next due); the rest wait on the card.</summary>
        public int QueueIndexSize = 1000;

        // Board (the memory budget: mailgw budget, check-config, run)
        /// <summary>board.heap: the managed heap in bytes that every fixed buffer must fit in; 0: no limit (a host).</summary>
        public long BoardHeapBytes;
        /// <summary>board.native_heap: native memory left for TLS sessions (mbedTLS on the device); 0: not counted.</summary>
        public long BoardNativeHeapBytes;
        /// <summary>board.tls_session_bytes: native memory one TLS session takes on this board; 0: not counted.</summary>
        public long BoardTlsSessionBytes;
        /// <summary>board.sockets: sockets the network stack has for everything (lwIP: about 10); 0: no limit.</summary>
        public int BoardSockets;

        /// <summary>limits.sessions_per_client, never above limits.sessions.</summary>
        public int EffectiveSessionsPerClient
        {
            get { return SessionsPerClient < MaxSessions ? SessionsPerClient : MaxSessions; }
        }

        /// <summary>limits.sessions_reserved as set, or a quarter of limits.sessions; always below it.</summary>
        public int EffectiveSessionsReserved
        {
            get
            {
                int reserved = SessionsReserved >= 0 ? SessionsReserved : MaxSessions / 4;
                return reserved < MaxSessions ? reserved : MaxSessions - 1;
            }
        }

        public ServerSettings ToServerSettings()
        {
            ServerSettings s = new ServerSettings();
            s.AuthPlaintext = SmtpAuthPlaintext;
            s.TlsAvailable = ServerTlsAvailable;
            s.Hostname = Hostname;
            s.MaxCommandLine = MaxCommandLine;
            s.MaxMessageBytes = MessageSizeBytes;
            s.MaxRecipients = MaxRecipients;
            s.MaxErrors = MaxErrors;
            s.IdleTimeoutMs = IdleTimeoutMs;
            s.BodyChunk = IoBuffer;
            return s;
        }

        public RelayPolicy ToRelayPolicy()
        {
            return ToRelayPolicy(null);
        }

        /// <summary>
        /// The relay policy; localRecipients (null: anyone) judges local parts of the local domains.
        /// A local domain with a route.&lt;domain&gt; is relayed to its mailbox host, which knows its
        /// users: for the policy it is a relay domain.
        /// </summary>
        public RelayPolicy ToRelayPolicy(ILocalRecipients localRecipients)
        {
            int routed = 0;
            for (int i = 0; i < LocalDomains.Length; i++)
            {
                if (HasRoute(LocalDomains[i])) routed++;
            }
            string[] local = new string[LocalDomains.Length - routed];
            string[] relay = new string[RelayDomains.Length + routed];
            System.Array.Copy(RelayDomains, relay, RelayDomains.Length);
            int l = 0;
            int r = RelayDomains.Length;
            for (int i = 0; i < LocalDomains.Length; i++)
            {
                if (HasRoute(LocalDomains[i])) relay[r++] = LocalDomains[i];
                else local[l++] = LocalDomains[i];
            }
            return new RelayPolicy(local, relay, RelayAllow, localRecipients);
        }

        public bool HasRoute(string domain)
        {
            for (int i = 0; i < Routes.Length; i++)
            {
                if (Routes[i].Domain == domain) return true;
            }
            return false;
        }

        /// <summary>True when some local domain has no route: this gateway is its mailbox host.</summary>
        public bool KeepsMailboxes()
        {
            for (int i = 0; i < LocalDomains.Length; i++)
            {
                if (!HasRoute(LocalDomains[i])) return true;
            }
            return false;
        }
    }

    public sealed class ListenEndpoint
    {
        public readonly string Address;
        public readonly int Port;

        public ListenEndpoint(string address, int port)
        {
            Address = address;
            Port = port;
        }

        public override string ToString()
        {
            return Address.IndexOf(':') >= 0 ? "[" + Address + "]:" + Port.ToString() : Address + ":" + Port.ToString();
        }

        /// <summary>Where a client on this machine reaches the listener: loopback for "every address" (0.0.0.0, ::).</summary>
        public string LocalAddress
        {
            get { return Address == "0.0.0.0" ? "127.0.0.1" : Address == "::" ? "::1" : Address; }
        }
    }

    /// <summary>A host name or IP literal and a port ("smtp.provider.example:587", "[2001:db8::1]:25").</summary>
    public sealed class HostPort
    {
        public readonly string Host;
        public readonly int Port;

        public HostPort(string host, int port)
        {
            Host = host;
            Port = port;
        }

        public bool IsAddress { get { return Relay.IpAddress.Parse(Host) != null; } }

        public override string ToString()
        {
            return Host.IndexOf(':') >= 0 ? "[" + Host + "]:" + Port.ToString() : Host + ":" + Port.ToString();
        }
    }

    /// <summary>route.&lt;domain&gt; = host[:port]: where mail for one domain goes instead of its MX.</summary>
    public sealed class Route
    {
        public readonly string Domain;
        public readonly HostPort Target;

        public Route(string domain, HostPort target)
        {
            Domain = domain;
            Target = target;
        }
    }

    /// <summary>alias.&lt;name&gt; = targets: mail for name@(any local domain) goes to the targets.</summary>
    public sealed class Alias
    {
        public readonly string Name;
        /// <summary>Local user names (no '@') or full external addresses.</summary>
        public readonly string[] Targets;

        public Alias(string name, string[] targets)
        {
            Name = name;
            Targets = targets;
        }
    }

    /// <summary>relay.smarthost_tls values.</summary>
    public static class TlsMode
    {
        public const int None = 0;
        public const int StartTls = 1;
        public const int Implicit = 2;

        private static readonly string[] Names = { "none", "starttls", "implicit" };

        public static string Name(int mode) { return mode >= 0 && mode < Names.Length ? Names[mode] : "?"; }

        public static int Parse(string text)
        {
            for (int i = 0; i < Names.Length; i++)
            {
                if (Text.Ascii.EqualsIgnoreCase(Names[i], text)) return i;
            }
            return -1;
        }
    }
}
