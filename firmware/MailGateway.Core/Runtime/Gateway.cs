// The gateway's one loop pass (DESIGN: one single-threaded loop). The platform calls Start once,
// then RunOnce again and again, sleeping in INetwork.Wait for at most the time RunOnce returns.
//
// One pass: accept new connections (over limits.sessions they get 421 4.7.0 at once); read what
// each socket has; feed the sessions and carry their events to the spool (open a file at DATA,
// append body chunks, abort or request the commit at the end); run the queue (QueueRunner: due
// deliveries, their outcomes, bounces); commit the whole batch of ended messages and bounces with
// one directory sync (Spool.CommitPending) and hand each session its verdict; send replies; run
// due timeouts; close finished connections. Nothing here blocks except the storage
// calls of the commit, which must finish before any 250 may be sent anyway.
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

        // ---- TLS (RFC 3207 STARTTLS, RFC 8314 implicit TLS) -----------------------------------

        /// <summary>How long a client may take to finish the TLS handshake.</summary>
        public const long TlsHandshakeMs = 30 * 1000;

        private void BeginTls(Connection c, long nowMs)
        {
            // The client's read-ahead behind STARTTLS is plaintext it pipelined: never commands
            // after the upgrade (CVE-2011-0411). The network layer drops what it still holds.
            c.InputCount = 0;
            c.InputStart = 0;
            _network.StartTlsServer(c.Handle);
            c.TlsPending = true;
            c.TlsDeadlineMs = nowMs + TlsHandshakeMs;
        }

        // Starts the handshake once the 220 to STARTTLS is out, and finishes it; true if it moved.
        private bool TendTls(Connection c, long nowMs)
        {
            if (c.StartTlsAfterFlush && c.Output.Count == 0 && !c.Server.HasOutput)
            {
                c.StartTlsAfterFlush = false;
                BeginTls(c, nowMs);
                return true;
            }
            if (!c.TlsPending) return false;
            int status = _network.TlsStatus(c.Handle);
            if (status == TlsState.Handshaking && nowMs < c.TlsDeadlineMs) return false;
            c.TlsPending = false;
            bool up = status == TlsState.Up;
            if (up) _log.Line(c.ClientName + ": " + _network.TlsDescription(c.Handle));
            else _log.Line("warning: TLS handshake with " + c.ClientName + " failed: " +
                           (status == TlsState.Handshaking ? "timed out" : _network.TlsDescription(c.Handle)));
            if (c.Pop3 != null && c.Pop3.State == Local.Pop3State.AwaitingTls) c.Pop3.CompleteTls(up);
            else if (c.Session != null && c.Session.State == ServerState.AwaitingTls) c.Session.CompleteTls(up);
            else if (!up) c.Server.ReceiveEof(); // implicit TLS failed before the greeting
            if (!up)
            {
                c.SendFailed = true;
                c.PeerClosed = true;
            }
            HandleEvents(c);
            Flush(c);
            return true;
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

        private void HandleEvents(Connection c)
        {
            if (c.Pop3 != null)
            {
                HandlePop3Events(c);
                return;
            }
            SmtpServerSession s = c.Session;
            int e;
            while ((e = s.PollEvent()) != SessionEvent.None)
            {
                switch (e)
                {
                    case SessionEvent.DataStarting: StartMessage(c); break;
                    case SessionEvent.BodyReady: WriteBody(c); break;
                    case SessionEvent.DataEnded: EndMessage(c); break;
                    case SessionEvent.DataAborted: AbortMessage(c); break;
                    case SessionEvent.AuthRequested: Authenticate(c); break;
                    case SessionEvent.StartTls: c.StartTlsAfterFlush = true; break;
                }
            }
            string line;
            while ((line = s.PollLogLine()) != null) _log.Line(line);
        }

        // SMTP AUTH (RFC 4954): the password against the users file, failures throttled per address.
        private void Authenticate(Connection c)
        {
            SmtpServerSession s = c.Session;
            string address = s.ClientAddress;
            long nowMs = _clock.MonotonicMs();
            if (_logins.IsBlocked(address, nowMs))
            {
                _log.Line("warning: " + c.ClientName + ": too many failed logins, AUTH refused for now");
                s.CompleteAuth(Replies.AuthTemporaryFailure);
                return;
            }
            if (_local != null && _local.Users.Verify(s.AuthUser, s.AuthPassword))
            {
                _logins.Succeeded(address);
                s.CompleteAuth(Replies.AuthSucceeded);
                return;
            }
            _logins.Failed(address, nowMs);
            DelayFailure(c, nowMs);
        }

        // ---- Failed logins are answered late (like Dovecot's auth_failure_delay) ----------------

        /// <summary>How long a wrong password waits for its answer, so guessing is slow.</summary>
        public const long LoginFailureDelayMs = 1000;

        private readonly ArrayList _delayedFailures = new ArrayList();   // connections, in due order
        private readonly ArrayList _delayedDueMs = new ArrayList();

        private void DelayFailure(Connection c, long nowMs)
        {
            _delayedFailures.Add(c);
            _delayedDueMs.Add(nowMs + LoginFailureDelayMs);
        }

        // Answers the failed logins whose delay is over; returns the next due time (or MaxValue).
        private long AnswerDelayedFailures(long nowMs)
        {
            while (_delayedFailures.Count > 0 && (long)_delayedDueMs[0] <= nowMs)
            {
                Connection c = (Connection)_delayedFailures[0];
                _delayedFailures.RemoveAt(0);
                _delayedDueMs.RemoveAt(0);
                if (!_connections.Contains(c)) continue; // the client gave up meanwhile
                if (c.Pop3 != null) c.Pop3.CompleteAuth(false, null, Local.Pop3Replies.LoginFailed);
                else c.Session.CompleteAuth(Replies.AuthFailed);
                HandleEvents(c);
            }
            return _delayedFailures.Count > 0 ? (long)_delayedDueMs[0] : long.MaxValue;
        }

        private void StartMessage(Connection c)
        {
            SmtpServerSession s = c.Session;
            Envelope envelope = new Envelope();
            envelope.ArrivalUnixMs = _clock.UnixMs();
            envelope.ClientAddress = s.ClientAddress;
            envelope.Helo = s.HeloName;
            envelope.Protocol = s.Protocol;
            envelope.Sender = s.Sender.Address;
            envelope.Recipients = ExpandRecipients(s);
            MessageWriter writer;
            try
            {
                writer = _spool.Begin(envelope);
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot create queue file: " + e.Message);
                s.FailDataStart(Replies.SpoolError);
                return;
            }
            if (writer == null)
            {
                s.FailDataStart(Replies.SpoolFull);
                return;
            }
            writer.Owner = c;
            c.Writer = writer;
            s.CompleteDataStart(envelope.QueueId, envelope.ArrivalUnixMs);
        }

        // The envelope recipients as the queue keeps them: aliases of the local domains expanded
        // (their targets may be external), the bare <postmaster> given a local domain.
        private string[] ExpandRecipients(SmtpServerSession s)
        {
            ArrayList result = new ArrayList();
            for (int i = 0; i < s.RecipientCount; i++)
            {
                MailPath r = s.Recipient(i);
                string domain = r.Domain;
                if (r.IsBarePostmaster) domain = _config.LocalDomains.Length > 0 ? _config.LocalDomains[0] : _config.Hostname;
                if (domain != null && _policy.IsLocalDomain(domain)) _aliases.Expand(r.LocalPart, domain, result);
                else if (r.IsBarePostmaster) result.Add("postmaster@" + domain);
                else if (!result.Contains(r.Address)) result.Add(r.Address);
            }
            return (string[])result.ToArray(typeof(string));
        }

        private void WriteBody(Connection c)
        {
            ByteBuffer body = c.Session.Body;
            if (c.Writer == null || body.Count == 0)
            {
                body.Consume(body.Count);
                return;
            }
            bool stored;
            Reply failure = Replies.SpoolFull;
            try
            {
                stored = c.Writer.Write(body.Array, body.Start, body.Count);
            }
            catch (System.IO.IOException e)
            {
                _log.Line(c.Writer.Envelope.QueueId + ": warning: spool write failed: " + e.Message);
                stored = false;
                failure = Replies.SpoolError;
            }
            body.Consume(body.Count);
            if (!stored)
            {
                _spool.Abort(c.Writer);
                c.Writer = null;
                c.Session.FailBody(failure);
            }
        }

        private void EndMessage(Connection c)
        {
            WriteBody(c);
            if (c.Writer == null)
            {
                // The spool failed during the body; FailBody already answered.
                return;
            }
            _spool.RequestCommit(c.Writer);
        }

        private void AbortMessage(Connection c)
        {
            if (c.Writer == null) return;
            _spool.Abort(c.Writer);
            c.Writer = null;
        }

        private void CommitBatch()
        {
            MessageWriter[] batch = _spool.CommitPending();
            for (int i = 0; i < batch.Length; i++)
            {
                if (Delivery.QueueRunner.IsBounceOwner(batch[i].Owner))
                {
                    _queue.BounceCommitted(batch[i]);
                    continue;
                }
                Connection c = (Connection)batch[i].Owner;
                c.Writer = null;
                if (c.Session.State != ServerState.AwaitingSpool) continue; // the client went away
                Reply verdict = Replies.Ok;
                if (batch[i].Outcome != MessageWriter.Committed)
                {
                    verdict = batch[i].OutOfSpace ? Replies.SpoolFull : Replies.SpoolError;
                }
                c.Session.CompleteSpool(verdict);
                HandleEvents(c);
            }
        }

        // Sends what the session has to say; true when the socket took bytes and more are waiting.
        private bool Flush(Connection c)
        {
            IServerSession s = c.Server;
            int n;
            while (c.Output.Count < Connection.OutputBytes && (n = s.PollTransmit(_scratch, 0, _scratch.Length)) > 0)
            {
                c.Output.Append(_scratch, 0, n);
            }
            if (c.Output.Count == 0 || c.SendFailed || c.TlsPending) return false;
            int sent = _network.Send(c.Handle, c.Output.Array, c.Output.Start, c.Output.Count);
            if (sent > 0) c.Output.Consume(sent);
            else if (sent < 0)
            {
                c.Output.Clear();
                c.SendFailed = true;
                c.PeerClosed = true;
            }
            return sent > 0 && c.Output.Count > 0;
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
