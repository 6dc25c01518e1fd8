// The real delivery job factory: what every SmtpDeliveryJob shares — the network, the DNS lookups
// (the core's DnsResolver over the platform's UDP/TCP, or the host's resolver), the spool's
// storage for message bodies, the SMTP client settings for MX hosts, routes and the smarthost,
// this gateway's own names and addresses for mail-loop detection, and the connections kept open
// between messages to the same destination (at most delivery.concurrency of them, each for
// delivery.connection_reuse_time; Postfix's connection cache keeps them 2 s).
using MailGateway.Core.Config;
using MailGateway.Core.Dns;
using MailGateway.Core.Runtime;
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Delivery
{
    public sealed class SmtpDeliveries : IDeliveryJobFactory
    {
        /// <summary>How often to look at lookups that finish on another thread (the host resolver).</summary>
        public const long ForeignLookupPollMs = 20;

        internal readonly GatewayConfig Config;
        internal readonly INetwork Network;
        internal readonly IStorage Storage;
        internal readonly IDnsLookups Lookups;
        internal readonly IRandom Random;
        internal readonly ILog Log;
        internal readonly MxSettings MxSettings = new MxSettings();
        internal readonly string[] OwnNames;
        /// <summary>The loop's one scratch buffer: delivery I/O here, and the Gateway borrows it for its own pass work.</summary>
        internal readonly byte[] Scratch;
        /// <summary>limits.tls_sessions, shared with the loop's inbound TLS (the Gateway sets it); null: no limit.</summary>
        internal Runtime.TlsSessions TlsSessions;
        /// <summary>How often a delivery that waits for a free TLS session looks again.</summary>
        public const long TlsWaitPollMs = 100;
        private readonly DnsResolver _resolver;
        private string[] _ownAddresses;
        private long _lastPumpMs;

        /// <summary>
        /// lookups: the DNS to use; when it is the core's DnsResolver the factory pumps it, any other
        /// implementation (the host's) is polled while jobs wait for it.
        /// </summary>
        public SmtpDeliveries(GatewayConfig config, INetwork network, IStorage storage, IDnsLookups lookups, IRandom random, ILog log)
        {
            Config = config;
            Scratch = new byte[Runtime.Gateway.ScratchSize(config)];
            Network = network;
            Storage = storage;
            Lookups = lookups;
            Random = random;
            Log = log;
            _resolver = lookups as DnsResolver;
            if (_resolver != null) _resolver.Scratch = Scratch;
            MxSettings.MaxAddresses = config.MaxAddressesPerAttempt;
            OwnNames = new string[] { config.Hostname };
        }

        /// <summary>The core's resolver over this network, for dns.servers (dns.concurrency, dns.udp_sockets).</summary>
        public static DnsResolver CoreResolver(GatewayConfig config, INetwork network, IRandom random)
        {
            DnsSettings settings = new DnsSettings();
            settings.MaxConcurrentLookups = config.DnsConcurrency;
            settings.UdpSocketsPerFamily = config.DnsUdpSockets;
            settings.MaxTcpMessageBytes = config.DnsMaxTcpAnswer;
            return new DnsResolver(new NetworkDnsTransport(network), config.DnsServers, random, settings);
        }

        // ---- Connection reuse (Postfix's connection cache) -------------------------------------

        /// <summary>An open SMTP connection between messages, waiting for the next job to its destination.</summary>
        internal sealed class Parked
        {
            public string Key;
            public int Connection;
            public SmtpClientSession Session;
            public MxTarget Target;
            public long SinceMs;
            public bool HoldsTls;
        }

        private readonly System.Collections.ArrayList _parked = new System.Collections.ArrayList();

        public int ParkedConnections { get { return _parked.Count; } }

        internal bool CanPark()
        {
            return Config.ConnectionReuseMs > 0 && _parked.Count < Config.MaxDeliveries;
        }

        internal void Park(string key, int connection, SmtpClientSession session, MxTarget target, bool holdsTls, long nowMs)
        {
            Parked p = new Parked();
            p.HoldsTls = holdsTls;
            p.Key = key;
            p.Connection = connection;
            p.Session = session;
            p.Target = target;
            p.SinceMs = nowMs;
            _parked.Add(p);
        }

        internal Parked TakeParked(string key)
        {
            for (int i = 0; i < _parked.Count; i++)
            {
                Parked p = (Parked)_parked[i];
                if (p.Key != key) continue;
                _parked.RemoveAt(i);
                return p;
            }
            return null;
        }

        // Keeps parked connections honest: the server may close or say 421 meanwhile; after the
        // reuse time they are closed with QUIT.
        private void TendParked(long nowMs)
        {
            for (int i = _parked.Count - 1; i >= 0; i--)
            {
                Parked p = (Parked)_parked[i];
                int n = Network.Receive(p.Connection, Scratch, 0, Scratch.Length);
                if (n > 0) p.Session.Receive(Scratch, 0, n, nowMs);
                else if (n < 0) p.Session.ReceiveEof();
                bool expired = nowMs - p.SinceMs >= Config.ConnectionReuseMs;
                if (!p.Session.IsClosed && !expired && p.Session.CanBeginMessage) continue;
                _parked.RemoveAt(i);
                if (!p.Session.IsClosed) p.Session.Quit(nowMs);
                byte[] output;
                int at;
                int quit = p.Session.PeekTransmit(out output, out at);
                if (quit > 0) Network.Send(p.Connection, output, at, quit); // best effort: the connection closes anyway
                Network.Close(p.Connection);
                if (p.HoldsTls) ReleaseTls();
            }
        }

        /// <summary>Closes every parked connection (shutdown).</summary>
        public void Close(long nowMs)
        {
            long farFuture = nowMs + Config.ConnectionReuseMs + 1;
            TendParked(farFuture);
        }

        private Local.MailboxStore _mailboxes;
        private Local.IUserMailboxes _users;

        /// <summary>Delivers mail for local domains (without a route) into local mailboxes.</summary>
        public void EnableLocalDelivery(Local.MailboxStore mailboxes, Local.IUserMailboxes users)
        {
            _mailboxes = mailboxes;
            _users = users;
        }

        public IDeliveryJob Start(Spool.QueuedMessage message, int[] recipients, Destination destination, long nowMs)
        {
            if (destination.Kind == Destination.Local && _mailboxes != null)
            {
                return new LocalDeliveryJob(Storage, Scratch, _mailboxes, _users, message, recipients, Log);
            }
            return new SmtpDeliveryJob(this, message, recipients, destination, nowMs);
        }

        public void Pump(long nowMs)
        {
            _lastPumpMs = nowMs;
            if (_resolver != null) _resolver.Pump(nowMs);
            if (_parked.Count > 0) TendParked(nowMs);
        }

        internal bool TryTakeTls()
        {
            return TlsSessions == null || TlsSessions.TryTake();
        }

        internal void ReleaseTls()
        {
            if (TlsSessions != null) TlsSessions.Release();
        }

        /// <summary>When a job waiting for a free TLS session should look again.</summary>
        internal long TlsWaitDeadline()
        {
            return _lastPumpMs + TlsWaitPollMs;
        }

        /// <summary>When a job waiting for DNS should look again (the core resolver tells by its own deadline).</summary>
        internal long LookupPollDeadline()
        {
            return _resolver != null ? SmtpClientSession.NoDeadline : _lastPumpMs + ForeignLookupPollMs;
        }

        public long PollDeadline()
        {
            long deadline = _resolver != null ? _resolver.PollDeadline() : long.MaxValue;
            for (int i = 0; i < _parked.Count; i++)
            {
                long expires = ((Parked)_parked[i]).SinceMs + Config.ConnectionReuseMs;
                if (expires < deadline) deadline = expires;
            }
            return deadline;
        }

        /// <summary>Our own addresses: the listeners' and the machine's (read once, on first use).</summary>
        internal string[] OwnAddresses()
        {
            if (_ownAddresses != null) return _ownAddresses;
            string[] local = Network.LocalAddresses();
            string[] all = new string[local.Length + Config.SmtpListen.Length];
            for (int i = 0; i < local.Length; i++) all[i] = local[i];
            for (int i = 0; i < Config.SmtpListen.Length; i++) all[local.Length + i] = Config.SmtpListen[i].Address;
            _ownAddresses = all;
            return all;
        }

        /// <summary>Client settings for one destination (RFC 5321 §4.5.3.2 timeouts from the configuration).</summary>
        internal ClientSettings SessionSettings(Destination destination, bool implicitTls)
        {
            ClientSettings s;
            if (destination.Kind == Destination.Smarthost)
            {
                s = ClientSettings.ForSmarthost(Config.Hostname, Config.SmarthostUser, Config.SmarthostPassword);
                s.VerifyCertificate = Config.SmarthostVerify;
                if (implicitTls)
                {
                    s.Tls = ClientTls.Off;          // the connection is TLS already
                    s.AuthWithoutTls = true;        // ... so AUTH is not in clear
                }
                else if (Config.SmarthostTls == TlsMode.None)
                {
                    s.Tls = ClientTls.Off;
                    s.AuthWithoutTls = true;        // the administrator asked for it
                }
            }
            else
            {
                s = ClientSettings.ForMx(Config.Hostname);
            }
            s.BodyOutputLimit = Config.IoBuffer;
            s.ConnectTimeoutMs = Config.ConnectTimeoutMs;
            s.GreetingTimeoutMs = Config.CommandTimeoutMs;
            s.EhloTimeoutMs = Config.CommandTimeoutMs;
            s.MailTimeoutMs = Config.CommandTimeoutMs;
            s.RcptTimeoutMs = Config.CommandTimeoutMs;
            s.CommandTimeoutMs = Config.CommandTimeoutMs;
            s.DataInitTimeoutMs = Config.DataStartTimeoutMs;
            s.DataBlockTimeoutMs = Config.DataBlockTimeoutMs;
            s.DataEndTimeoutMs = Config.DataEndTimeoutMs;
            return s;
        }
    }
}
