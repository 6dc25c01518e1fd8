// The memory and socket budget of one configuration: each part's measured size (PartSizes) times
// how many of it the configuration's limits allow at once, summed to the peak, against the board's
// managed heap (board.heap); TLS sessions against the native heap (board.native_heap); and the
// sockets the limits allow against board.sockets. Problems() says what does not fit, naming the
// largest part and the key to change; check-config and run refuse such a configuration.
//
// Counting (README, "Memory budget"):
//   SMTP sessions  limits.smtp_sessions, or limits.sessions when it is 0;
//   POP3 sessions  the sessions left (limits.sessions minus the SMTP ones), and POP3's listeners,
//                  whether or not mailboxes are kept yet (a profile must leave room for them); with
//                  console.listen each of them may be a console session, counted at the larger;
//   recipients     limits.recipients per SMTP session (each measured at PartSizes.RecipientLength);
//   maildrop       pop3.max_messages per POP3 session (what a logged-in session holds per message);
//   deliveries     delivery.concurrency (each the larger of an SMTP delivery and a local one), and as
//                  many parked connections when connections are reused;
//   DNS            one resolver, dns.concurrency lookups, and the answer a TCP connection reads
//                  (dns.max_tcp_answer; one such connection at a time);
//   TLS            limits.tls_sessions, or every session and delivery when it is 0 (native memory);
//   queue index    queue.index_size entries and the card scan's page of names; configuration,
//                  the loop and its shared buffers once;
//                  one transient spool reader (loading the queue, replaying a recipient log);
//                  the client addresses remembered for logins (3 lists of limits.remembered_clients).
//   console        console.log_bytes, in the loop's figure (one ring made at start); with
//                  console.listen, one more queued message (the one a listing is reading);
//   sockets        listeners + sessions + deliveries (+ parked) + DNS (dns.udp_sockets per address
//                  family of dns.servers, one family when none is set, plus one TCP connection).
using System.Collections.Generic;
using MailGateway.Core.Config;

namespace MailGateway.Emulator.Budget
{
    public sealed class MemoryBudget
    {
        /// <summary>The margin every board profile keeps below its heap (a test holds them to it).</summary>
        public const double ProfileMargin = 0.20;

        public readonly GatewayConfig Config;
        public readonly List<BudgetRow> Rows = new List<BudgetRow>();
        public readonly List<BudgetRow> SocketRows = new List<BudgetRow>();

        public MemoryBudget(GatewayConfig config, PartSizes sizes)
        {
            Config = config;
            int smtp = SmtpSessions(config);
            int pop3 = Pop3Sessions(config);
            int deliveries = config.MaxDeliveries;
            int parked = config.ConnectionReuseMs > 0 ? config.MaxDeliveries : 0;
            Rows.Add(new BudgetRow("SMTP session", sizes.SmtpSession, smtp, config.MaxSmtpSessions > 0 ? "limits.smtp_sessions" : "limits.sessions"));
            Rows.Add(new BudgetRow("SMTP recipient", sizes.SmtpRecipient, (long)smtp * config.MaxRecipients, "limits.recipients"));
            // With console.listen, each of those sessions may be a console session instead: counted at the larger.
            if (config.ConsoleListen.Length > 0 && sizes.ConsoleSession.Budget > sizes.Pop3Session.Budget)
                Rows.Add(new BudgetRow("console session", sizes.ConsoleSession, pop3, "limits.sessions, console.listen"));
            else Rows.Add(new BudgetRow("POP3 session", sizes.Pop3Session, pop3, "limits.sessions"));
            // A board's UART (or a host's console.serial) has a console session of its own from the
            // start, beside the sessions above, and with it the shell every console shares.
            bool serial = config.BoardHeapBytes > 0 || config.ConsoleSerial != null;
            Rows.Add(new BudgetRow("serial console session", sizes.ConsoleSession, serial ? 1 : 0, "board.heap (a board's UART), console.serial"));
            Rows.Add(new BudgetRow("console shell", sizes.ConsoleShell, serial || config.ConsoleListen.Length > 0 ? 1 : 0, "console.listen, the serial console"));
            // A board hashes passwords a slice per loop pass (a host on its thread pool): every
            // session that may log in may be doing so at once, and the console may be setting a password.
            bool board = config.BoardHeapBytes > 0;
            Rows.Add(new BudgetRow("login being checked", sizes.PasswordCheck, board ? Logins(config) : 0, "limits.tls_sessions, *.auth_plaintext (on a board)"));
            Rows.Add(new BudgetRow("password being set", sizes.UserChange, board ? 1 : 0, "the console's user commands (on a board)"));
            Rows.Add(new BudgetRow("POP3 message shown", sizes.MaildropMessage, (long)pop3 * config.Pop3MaxMessages, "pop3.max_messages"));
            Rows.Add(new BudgetRow("delivery job", sizes.DeliveryJob, deliveries, "delivery.concurrency"));
            Rows.Add(new BudgetRow("parked connection", sizes.ParkedConnection, parked, "delivery.connection_reuse_time"));
            Rows.Add(new BudgetRow("DNS resolver", sizes.DnsResolver, 1, "dns.udp_sockets"));
            Rows.Add(new BudgetRow("DNS lookup", sizes.DnsLookup, config.DnsConcurrency, "dns.concurrency"));
            Rows.Add(new BudgetRow("DNS answer over TCP", sizes.DnsTcpAnswer, new MailGateway.Core.Dns.DnsSettings().MaxTcpConnections, "dns.max_tcp_answer"));
            Rows.Add(new BudgetRow("queue index entry", sizes.QueueIndexEntry, config.QueueIndexSize, "queue.index_size"));
            Rows.Add(new BudgetRow("queue scan page", sizes.QueueScanPage, 1, "queue.index_size"));
            // A console listing reads one message at a time that the queue may not hold in memory.
            if (config.ConsoleListen.Length > 0 || serial) Rows.Add(new BudgetRow("message being listed", sizes.QueueIndexEntry, 1, "console.listen, the serial console"));
            Rows.Add(new BudgetRow("configuration", sizes.Configuration, 1, "(the file)"));
            Rows.Add(new BudgetRow("loop, shared buffers", sizes.Loop, 1, "-"));
            Rows.Add(new BudgetRow("spool reader (transient)", sizes.SpoolReader, 1, "-"));
            Rows.Add(new BudgetRow("remembered client", sizes.RememberedClient, 3L * config.RememberedClients, "limits.remembered_clients"));
            Rows.Add(new BudgetRow("TLS session (native)", config.BoardTlsSessionBytes, TlsSessions(config), "limits.tls_sessions", native: true));

            // POP3's listeners count like its sessions: whether or not mailboxes are kept yet.
            int listeners = config.SmtpListen.Length + config.SmtpListenTls.Length + config.Pop3Listen.Length + config.Pop3ListenTls.Length +
                            config.ConsoleListen.Length;
            SocketRows.Add(new BudgetRow("listeners", 1, listeners, "smtp.listen, pop3.listen, *_tls, console.listen"));
            SocketRows.Add(new BudgetRow("sessions", 1, smtp + pop3, "limits.sessions"));
            SocketRows.Add(new BudgetRow("deliveries", 1, deliveries, "delivery.concurrency"));
            SocketRows.Add(new BudgetRow("parked connections", 1, parked, "delivery.connection_reuse_time"));
            SocketRows.Add(new BudgetRow("DNS (UDP per family, 1 TCP)", 1, DnsFamilies(config) * config.DnsUdpSockets + 1, "dns.udp_sockets"));
        }

        public static int SmtpSessions(GatewayConfig c) =>
            c.MaxSmtpSessions > 0 && c.MaxSmtpSessions < c.MaxSessions ? c.MaxSmtpSessions : c.MaxSessions;

        // Counted whether or not this configuration keeps mailboxes yet: a board's profile must leave
        // room for POP3 once local.domains is set.
        public static int Pop3Sessions(GatewayConfig c) => c.MaxSessions - SmtpSessions(c);

        // Logins at once: AUTH and POP3's USER/PASS are taken in clear only where *.auth_plaintext
        // allows them, else inside TLS, of which there are at most TlsSessions.
        public static int Logins(GatewayConfig c)
        {
            int smtp = SmtpSessions(c), pop3 = Pop3Sessions(c);
            int plain = (c.SmtpAuthPlaintext ? smtp : 0) + (c.Pop3AuthPlaintext ? pop3 : 0);
            return System.Math.Min(smtp + pop3, plain + TlsSessions(c));
        }

        public static int TlsSessions(GatewayConfig c) =>
            c.MaxTlsSessions > 0 ? c.MaxTlsSessions : c.MaxSessions + c.MaxDeliveries;

        private static int DnsFamilies(GatewayConfig c)
        {
            bool v4 = false, v6 = false;
            foreach (var s in c.DnsServers)
            {
                if (s.ToString().StartsWith("[", System.StringComparison.Ordinal)) v6 = true;
                else v4 = true;
            }
            return v4 && v6 ? 2 : 1;
        }

        public long Peak
        {
            get
            {
                long sum = 0;
                foreach (BudgetRow r in Rows) if (!r.Native) sum += r.Total;
                return sum;
            }
        }

        public long NativePeak
        {
            get
            {
                long sum = 0;
                foreach (BudgetRow r in Rows) if (r.Native) sum += r.Total;
                return sum;
            }
        }

        public int Sockets
        {
            get
            {
                long sum = 0;
                foreach (BudgetRow r in SocketRows) sum += r.Total;
                return (int)sum;
            }
        }

        /// <summary>The share of board.heap left at the peak (1 when there is no limit).</summary>
        public double HeapMargin => Config.BoardHeapBytes > 0 ? 1 - (double)Peak / Config.BoardHeapBytes : 1;

        public double NativeMargin => Config.BoardNativeHeapBytes > 0 ? 1 - (double)NativePeak / Config.BoardNativeHeapBytes : 1;

        public double SocketMargin => Config.BoardSockets > 0 ? 1 - (double)Sockets / Config.BoardSockets : 1;

        /// <summary>What does not fit, each naming the largest part and the key to change; empty when everything fits.</summary>
        public List<string> Problems()
        {
            var problems = new List<string>();
            if (Config.BoardHeapBytes > 0 && Peak > Config.BoardHeapBytes)
            {
                BudgetRow biggest = Largest(false);
                problems.Add("memory: the peak of " + Peak + " bytes does not fit board.heap = " + Config.BoardHeapBytes +
                             "; the largest part is " + biggest.Part + " (" + biggest.Count + " x " + biggest.Each + " bytes): lower " + biggest.Key);
            }
            if (Config.BoardNativeHeapBytes > 0 && NativePeak > Config.BoardNativeHeapBytes)
            {
                problems.Add("TLS memory: " + TlsSessions(Config) + " TLS sessions x " + Config.BoardTlsSessionBytes + " bytes do not fit board.native_heap = " +
                             Config.BoardNativeHeapBytes + ": lower limits.tls_sessions");
            }
            if (Config.BoardSockets > 0 && Sockets > Config.BoardSockets)
            {
                BudgetRow biggest = null;
                foreach (BudgetRow r in SocketRows) if (biggest == null || r.Total > biggest.Total) biggest = r;
                problems.Add("sockets: " + Sockets + " do not fit board.sockets = " + Config.BoardSockets + "; the most go to " + biggest.Part +
                             " (" + biggest.Total + "): lower " + biggest.Key);
            }
            return problems;
        }

        // The largest part a key can still lower (its count is above 1), else the largest of all.
        private BudgetRow Largest(bool native)
        {
            BudgetRow biggest = null;
            foreach (BudgetRow r in Rows)
            {
                if (r.Native != native || r.Count < 2 || !r.Key.Contains('.')) continue;
                if (biggest == null || r.Total > biggest.Total) biggest = r;
            }
            if (biggest != null) return biggest;
            foreach (BudgetRow r in Rows) if (r.Native == native && (biggest == null || r.Total > biggest.Total)) biggest = r;
            return biggest;
        }

        /// <summary>The budget of this configuration, measured now.</summary>
        public static MemoryBudget For(GatewayConfig config) => new MemoryBudget(config, PartSizes.Measure(config));
    }
}
