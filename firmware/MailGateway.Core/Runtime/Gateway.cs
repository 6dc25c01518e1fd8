// The gateway's one loop pass (DESIGN: one single-threaded loop). The platform calls Start once,
// then RunOnce again and again, sleeping in INetwork.Wait for at most the time RunOnce returns.
//
// One pass: accept new connections (over limits.sessions they get 421 4.7.0 at once); read what
// each socket has; feed the sessions and carry their events to the spool (open a file at DATA,
// append body chunks, abort or request the commit at the end); run the queue (QueueRunner: due
// deliveries, their outcomes, bounces); commit the whole batch of ended messages and bounces with
// one directory sync (Spool.CommitPending) and hand each session its verdict; send replies; run
// due timeouts; close finished connections. Nothing here blocks except the storage calls of the
// commit (which must finish before any 250 may be sent anyway) and the password check of a login.
// Protocol details live beside this file: Gateway.Smtp.cs, Gateway.Pop3.cs, Gateway.Tls.cs.
using System.Collections;
using MailGateway.Core.Config;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Runtime
{
    public sealed partial class Gateway
    {
        /// <summary>The longest RunOnce asks the platform to wait when nothing is due.</summary>
        public const long MaxWaitMs = 1000;
        /// <summary>How long a closing connection may take to accept its last reply.</summary>
        public const long CloseLingerMs = 10000;
        /// <summary>Bytes sent to one client per pass at most while its socket keeps taking them.</summary>
        public const int FlushBytesPerPass = 64 * 1024;

        private readonly GatewayConfig _config;
        private readonly INetwork _network;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly ServerSettings _settings;
        private readonly Relay.RelayPolicy _policy;
        private readonly Local.AliasTable _aliases;
        private readonly Local.LocalMail _local;
        private readonly LoginThrottle _logins = new LoginThrottle();
        private readonly Local.Pop3Settings _pop3Settings;
        private readonly Spool.Spool _spool;
        private readonly Delivery.QueueRunner _queue;
        private readonly ArrayList _connections = new ArrayList();
        private readonly byte[] _scratch = new byte[2048];
        private int[] _listeners = new int[0];
        private bool[] _implicitTls = new bool[0];
        private bool[] _pop3Listener = new bool[0];

        /// <summary>local: the users and mailboxes of the local domains; null when the gateway keeps no mailboxes.</summary>
        public Gateway(GatewayConfig config, INetwork network, IStorage storage, IClock clock, ILog log, IRandom random,
                       Delivery.IDeliveryJobFactory deliveries, Local.LocalMail local)
        {
            _local = local;
            _config = config;
            _network = network;
            _clock = clock;
            _log = log;
            _settings = config.ToServerSettings();
            _policy = config.ToRelayPolicy(local);
            _aliases = new Local.AliasTable(config.Aliases);
            _pop3Settings = Pop3Settings();
            _spool = new Spool.Spool(storage, new SpoolSpace(config.SpoolMaxBytes), clock, log, random.Next(4096));
            _queue = new Delivery.QueueRunner(_spool, config, clock, log, random, deliveries);
        }

        public Delivery.QueueRunner Queue { get { return _queue; } }

        public Spool.Spool Spool { get { return _spool; } }
        public int ConnectionCount { get { return _connections.Count; } }
        public int ListenerCount { get { return _listeners.Length; } }
        public int Listener(int index) { return _listeners[index]; }

        /// <summary>Recovers the spool, then opens the listeners. Throws if a listener cannot be opened.</summary>
        public void Start()
        {
            _spool.Recover();
            // SMTP, SMTP with implicit TLS, then (with local mailboxes) POP3 and POP3 with implicit TLS.
            bool tls = _config.ServerTlsAvailable;
            bool pop3 = _local != null;
            ListenEndpoint[][] groups =
            {
                _config.SmtpListen, tls ? _config.SmtpListenTls : new ListenEndpoint[0],
                pop3 ? _config.Pop3Listen : new ListenEndpoint[0], pop3 && tls ? _config.Pop3ListenTls : new ListenEndpoint[0],
            };
            int count = 0;
            for (int g = 0; g < groups.Length; g++) count += groups[g].Length;
            _listeners = new int[count];
            _implicitTls = new bool[count];
            _pop3Listener = new bool[count];
            int i = 0;
            for (int g = 0; g < groups.Length; g++)
            {
                for (int k = 0; k < groups[g].Length; k++, i++)
                {
                    _implicitTls[i] = g == 1 || g == 3;
                    _pop3Listener[i] = g >= 2;
                    ListenEndpoint endpoint = groups[g][k];
                    _listeners[i] = _network.Listen(endpoint.Address, endpoint.Port);
                    _log.Line("listening on " + endpoint + (_pop3Listener[i] ? " (POP3" : " (SMTP") +
                              (_implicitTls[i] ? ", implicit TLS)" : ")") + " as " + _config.Hostname);
                }
            }
        }

        /// <summary>One pass of the loop; returns how long the platform may wait before the next.</summary>
        public long RunOnce()
        {
            long nowMs = _clock.MonotonicMs();
            AcceptNew(nowMs);
            bool progress = false;
            for (int i = 0; i < _connections.Count; i++)
            {
                Connection c = (Connection)_connections[i];
                progress |= ReadSocket(c);
                progress |= Feed(c, nowMs);
            }
            long nextDeadline = _queue.RunOnce(nowMs);
            long failuresDue = AnswerDelayedFailures(nowMs);
            if (failuresDue < nextDeadline) nextDeadline = failuresDue;
            long checksDue = _local != null ? FinishPasswordChecks(nowMs) : long.MaxValue;
            if (checksDue < nextDeadline) nextDeadline = checksDue;
            if (_spool.HasPendingCommits)
            {
                CommitBatch();
                progress = true;
            }
            for (int i = _connections.Count - 1; i >= 0; i--)
            {
                Connection c = (Connection)_connections[i];
                IServerSession s = c.Server;
                s.HandleDeadline(nowMs);
                HandleEvents(c);
                progress |= Flush(c);
                progress |= TendTls(c, nowMs);
                if (s.IsClosed && (c.Output.Count == 0 || c.SendFailed))
                {
                    CloseConnection(c, i);
                    continue;
                }
                // Stop watching a client whose input we cannot take (it sends but does not read).
                bool watch = c.InputCount < c.Input.Length;
                if (watch != c.ReceiveWatched)
                {
                    _network.WatchReceive(c.Handle, watch);
                    c.ReceiveWatched = watch;
                }
                long deadline = s.PollDeadline();
                if (s.IsClosing)
                {
                    // A client that never reads its last reply must not hold a session for ever.
                    if (c.CloseByMs == 0) c.CloseByMs = nowMs + CloseLingerMs;
                    if (nowMs >= c.CloseByMs)
                    {
                        CloseConnection(c, i);
                        continue;
                    }
                    deadline = c.CloseByMs;
                }
                if (deadline < nextDeadline) nextDeadline = deadline;
                if (c.InputCount > 0 && s.CanReceive) progress = true;
            }
            if (progress) return 0;
            if (nextDeadline == long.MaxValue) return MaxWaitMs;
            long wait = nextDeadline - nowMs;
            return wait < 0 ? 0 : (wait > MaxWaitMs ? MaxWaitMs : wait);
        }

        /// <summary>Says 421 to every client, aborts unfinished messages and closes everything.</summary>
        public void Shutdown()
        {
            _queue.AbortAll();
            if (_spool.HasPendingCommits) CommitBatch();
            for (int i = _connections.Count - 1; i >= 0; i--)
            {
                Connection c = (Connection)_connections[i];
                c.Server.Shutdown();
                HandleEvents(c);
                Flush(c);
                CloseConnection(c, i);
            }
            for (int i = 0; i < _listeners.Length; i++) _network.Close(_listeners[i]);
            _listeners = new int[0];
            _log.Line("stopped");
        }

        private void AcceptNew(long nowMs)
        {
            for (int l = 0; l < _listeners.Length; l++)
            {
                int handle;
                while ((handle = _network.Accept(_listeners[l])) >= 0)
                {
                    string address = _network.RemoteAddress(handle);
                    if (_connections.Count >= _config.MaxSessions)
                    {
                        // Like Postfix, with the enhanced code although no EHLO was seen: it says why (RFC 3463 4.7.0).
                        byte[] refusal = Ascii.GetBytes(Replies.TooManySessions.Format(true) + "\r\n");
                        _network.Send(handle, refusal, 0, refusal.Length);
                        _network.Close(handle);
                        _log.Line("warning: too many sessions (limits.sessions = " + _config.MaxSessions.ToString() +
                                  "), refused unknown[" + address + "]");
                        continue;
                    }
                    Connection c = _pop3Listener[l]
                        ? new Connection(handle, new Local.Pop3Session(_pop3Settings, address, _implicitTls[l], nowMs))
                        : new Connection(handle, new SmtpServerSession(_settings, _policy, _spool.Space, address, _implicitTls[l], nowMs));
                    _connections.Add(c);
                    _log.Line("connect from " + c.ClientName);
                    if (c.Session != null && RecentPopLogin(address, nowMs))
                    {
                        c.Session.TrustClient();
                        _log.Line(c.ClientName + ": may relay (POP-before-SMTP)");
                    }
                    if (_implicitTls[l]) BeginTls(c, nowMs); // RFC 8314: TLS first, then the greeting
                    else Flush(c);
                }
            }
        }

        // Reads what the socket has into the connection's input buffer; true if bytes came in.
        private bool ReadSocket(Connection c)
        {
            if (c.PeerClosed || c.TlsPending || c.StartTlsAfterFlush) return false;
            if (c.Server.IsClosing)
            {
                // Nothing more is read as commands; drain so the socket does not stay readable.
                if (_network.Receive(c.Handle, _scratch, 0, _scratch.Length) < 0) c.PeerClosed = true;
                return false;
            }
            if (c.InputStart > 0 && c.InputCount > 0)
            {
                System.Array.Copy(c.Input, c.InputStart, c.Input, 0, c.InputCount);
            }
            c.InputStart = 0;
            int room = c.Input.Length - c.InputCount;
            if (room == 0) return false;
            int n = _network.Receive(c.Handle, c.Input, c.InputCount, room);
            if (n > 0) c.InputCount += n;
            else if (n < 0) c.PeerClosed = true;
            return n > 0;
        }

        // Offers buffered input to the session until it takes no more; true if anything moved.
        private bool Feed(Connection c, long nowMs)
        {
            bool moved = false;
            while (c.InputCount > 0)
            {
                int used = c.Server.Receive(c.Input, c.InputStart, c.InputCount, nowMs);
                c.InputStart += used;
                c.InputCount -= used;
                HandleEvents(c);
                if (used == 0) break;
                moved = true;
            }
            // A verdict being awaited is still sent to a client that half-closed after its message.
            if (c.PeerClosed && c.InputCount == 0 && c.Server.CanReceive)
            {
                c.Server.ReceiveEof();
                HandleEvents(c);
            }
            return moved;
        }

        // Sends what the session has to say for as long as the socket takes it, up to
        // FlushBytesPerPass so that one big transfer (RETR of a 10 MiB message) does not starve the
        // others; true when more is ready and the socket could take it, so the loop comes back at
        // once instead of sleeping. A socket that is full wakes the loop itself when it drains.
        private bool Flush(Connection c)
        {
            IServerSession s = c.Server;
            int budget = FlushBytesPerPass;
            while (true)
            {
                int n;
                while (c.Output.Count < Connection.OutputBytes && (n = s.PollTransmit(_scratch, 0, _scratch.Length)) > 0)
                {
                    c.Output.Append(_scratch, 0, n);
                }
                if (c.Output.Count == 0 || c.SendFailed || c.TlsPending) return false;
                int sent = _network.Send(c.Handle, c.Output.Array, c.Output.Start, c.Output.Count);
                if (sent < 0)
                {
                    c.Output.Clear();
                    c.SendFailed = true;
                    c.PeerClosed = true;
                    return false;
                }
                c.Output.Consume(sent);
                budget -= sent;
                if (c.Output.Count > 0) return sent > 0;
                if (!s.HasOutput) return false;
                if (budget <= 0) return true;
            }
        }

        private void CloseConnection(Connection c, int index)
        {
            if (c.Writer != null && c.Writer.Outcome == MessageWriter.Open)
            {
                _spool.Abort(c.Writer);
                c.Writer = null;
            }
            _network.Close(c.Handle);
            _connections.RemoveAt(index);
            _log.Line("disconnect from " + c.ClientName);
        }
    }
}
