// The gateway's one loop pass (DESIGN: one single-threaded loop). The platform calls Start once,
// then RunOnce again and again, sleeping in INetwork.Wait for at most the time RunOnce returns.
//
// One pass: accept new connections (over limits.sessions they get 421 4.7.0 at once); read what
// each socket has; feed the sessions and carry their events to the spool (open a file at DATA,
// append body chunks, abort or request the commit at the end); run the queue (QueueRunner: due
// deliveries, their outcomes, bounces); commit the whole batch of ended messages and bounces with
// one directory sync (Spool.CommitPending) and hand each session its verdict; make the pass's
// removals of delivered messages durable; send replies; run due timeouts; close finished
// connections. Nothing here blocks except the storage calls of the commit (which must finish before
// any 250 may be sent anyway; a host's storage runs them beside the loop: IBackgroundCommit) and
// the password check of a login.
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
        /// <summary>
        /// Socket reads per connection and pass at most while the session keeps taking what is read
        /// (Connection.InputBytes each): big messages arrive at network speed through a small buffer.
        /// </summary>
        public const int ReadsPerPass = 64;
        /// <summary>The loop's scratch buffer: a spool record as this version writes it fits (RecordFormat.BufferBytes).</summary>
        public const int ScratchBytes = MailGateway.Core.Spool.RecordFormat.BufferBytes;

        /// <summary>The scratch for a configuration: a record, or a body chunk (limits.io_buffer) if that is more.</summary>
        public static int ScratchSize(Config.GatewayConfig config)
        {
            return config.IoBuffer > ScratchBytes ? config.IoBuffer : ScratchBytes;
        }

        private readonly GatewayConfig _config;
        private readonly INetwork _network;
        private readonly IClock _clock;
        private readonly ILog _log;
        private readonly ServerSettings _settings;
        private readonly Relay.RelayPolicy _policy;
        private readonly Local.RecipientExpansion _recipients;
        private readonly Local.LocalMail _local;
        private readonly LoginThrottle _logins;
        private readonly Local.Pop3Settings _pop3Settings;
        private readonly Spool.Spool _spool;
        private readonly Delivery.QueueRunner _queue;
        private readonly ArrayList _connections = new ArrayList();
        // One scratch buffer for all work done within one pass (the loop is single-threaded): reply
        // bytes on their way from a session to its output, DATA being decoded, delivery I/O, spool
        // records framed and read (Spool.Scratch). Every use ends within the call that makes it.
        private readonly byte[] _scratch;
        private readonly TlsSessions _tlsSessions;
        private int[] _listeners = new int[0];
        private int _internalErrors;
        // Which group of ListenerGroups() each listener belongs to (what it speaks).
        private byte[] _listenerGroup = new byte[0];

        /// <summary>local: the users and mailboxes of the local domains; null when the gateway keeps no mailboxes.</summary>
        public Gateway(GatewayConfig config, INetwork network, IStorage storage, IClock clock, ILog log, IRandom random,
                       Delivery.IDeliveryJobFactory deliveries, Local.LocalMail local)
        {
            _recentLog = new Console.RecentLog(log, config.ConsoleLog);
            log = _recentLog; // every line the gateway logs is kept for the console's "log" too
            _local = local;
            _config = config;
            _consoleSettings = ConsoleSettings();
            _network = network;
            _clock = clock;
            _log = log;
            _settings = config.ToServerSettings();
            _logins = new LoginThrottle(config.RememberedClients);
            _recentLogins = new AddressMemory(config.RememberedClients);
            _popBeforeSmtp = new AddressMemory(config.RememberedClients);
            Delivery.SmtpDeliveries smtp = deliveries as Delivery.SmtpDeliveries;
            _scratch = smtp != null ? smtp.Scratch : new byte[ScratchSize(config)];
            _settings.Scratch = _scratch;
            _tlsSessions = new TlsSessions(config.MaxTlsSessions);
            _settings.TlsSessions = _tlsSessions;
            if (smtp != null) smtp.TlsSessions = _tlsSessions;
            _policy = config.ToRelayPolicy(local);
            _recipients = new Local.RecipientExpansion(new Local.AliasTable(config.Aliases), _policy);
            _pop3Settings = Pop3Settings();
            _pop3Settings.Scratch = _scratch;
            _spool = new Spool.Spool(storage, new SpoolSpace(config.SpoolMaxBytes), log);
            _spool.Background = storage as IBackgroundCommit;
            _spool.Scratch = _scratch;
            // Mailboxes share the card with the queue: one budget (spool.max_bytes), and each its own limit.
            if (local != null) local.Mailboxes.Limit(config.MailboxMaxBytes, _spool.Space);
            _queue = new Delivery.QueueRunner(_spool, config, clock, log, random, deliveries, _recipients);
        }

        public Delivery.QueueRunner Queue { get { return _queue; } }

        public Spool.Spool Spool { get { return _spool; } }
        /// <summary>TLS sessions in use, inbound and outbound (limits.tls_sessions).</summary>
        public TlsSessions TlsSessions { get { return _tlsSessions; } }
        public int ConnectionCount { get { return _connections.Count; } }
        public int ListenerCount { get { return _listeners.Length; } }
        public int Listener(int index) { return _listeners[index]; }

        /// <summary>Recovers the spool, then opens the listeners. Throws ListenException naming the listener that cannot be opened.</summary>
        public void Start()
        {
            _spool.Recover();
            if (_local != null) CountMailboxes();
            _queue.Start(_clock.MonotonicMs());
            _startedMs = _clock.MonotonicMs();
            LogHowMailFlows();
            ListenEndpoint[][] groups = ListenerGroups();
            int count = 0;
            for (int g = 0; g < groups.Length; g++) count += groups[g].Length;
            _listeners = new int[count];
            _listenerGroup = new byte[count];
            int i = 0;
            for (int g = 0; g < groups.Length; g++)
            {
                for (int k = 0; k < groups[g].Length; k++, i++)
                {
                    _listenerGroup[i] = (byte)g;
                    ListenEndpoint endpoint = groups[g][k];
                    try
                    {
                        _listeners[i] = _network.Listen(endpoint.Address, endpoint.Port);
                    }
                    catch (System.Exception e)
                    {
                        if (Failures.IsHalt(e)) throw;
                        for (int opened = 0; opened < i; opened++) CloseQuietly(_listeners[opened]);
                        _listeners = new int[0];
                        throw new ListenException(ListenerName(i), endpoint.Port, e);
                    }
                    _log.Line("listening on " + ListenerName(i) + (g < ConsoleGroup ? " as " + _config.Hostname : "") +
                              (g == ConsoleGroup && _config.ConsolePassword == null ? ", no password (loopback only)" : ""));
                }
            }
        }

        // Two lines at start that answer the first questions about a new gateway: how does mail
        // leave, and who may send it anywhere.
        private void LogHowMailFlows()
        {
            string leaves;
            if (_config.Smarthost != null)
            {
                leaves = "through the smarthost " + _config.Smarthost.Host + ":" + _config.Smarthost.Port.ToString() +
                         " (TLS: " + TlsMode.Name(_config.SmarthostTls) +
                         (_config.SmarthostUser != null ? ", as " + _config.SmarthostUser : "") + ")";
            }
            else if (_config.DnsServers.Length > 0)
            {
                string servers = "";
                for (int i = 0; i < _config.DnsServers.Length; i++)
                {
                    servers += (i > 0 ? ", " : "") + _config.DnsServers[i].Address + ":" + _config.DnsServers[i].Port.ToString();
                }
                leaves = "by MX, port " + _config.DeliveryPort.ToString() + ", asking the DNS servers " + servers;
            }
            else leaves = "by MX, port " + _config.DeliveryPort.ToString() + ", through the system's resolver";
            for (int i = 0; i < _config.Routes.Length; i++)
            {
                leaves += "; " + _config.Routes[i].Domain + " to " + _config.Routes[i].Target.Host + ":" + _config.Routes[i].Target.Port.ToString();
            }
            _log.Line("mail leaves " + leaves);
            string relay = "";
            for (int i = 0; i < _config.RelayAllowText.Length; i++) relay += (i > 0 ? ", " : "") + _config.RelayAllowText[i];
            _log.Line("may relay: " + (relay.Length > 0 ? relay + " (relay.allow)" : "no address (relay.allow is empty)") +
                      (_local != null ? ", and users who log in" : "") +
                      "; anyone may send to " + ReceivingDomains());
        }

        private string ReceivingDomains()
        {
            string domains = "";
            for (int i = 0; i < _config.LocalDomains.Length; i++) domains += (domains.Length > 0 ? ", " : "") + _config.LocalDomains[i];
            for (int i = 0; i < _config.RelayDomains.Length; i++) domains += (domains.Length > 0 ? ", " : "") + _config.RelayDomains[i];
            return domains.Length > 0 ? domains : "no domain (local.domains and relay.domains are empty)";
        }

        // The listeners in the order Start opens them: SMTP, SMTP with implicit TLS, then (with local
        // mailboxes) POP3 and POP3 with implicit TLS, then the console.
        private ListenEndpoint[][] ListenerGroups()
        {
            bool tls = _config.ServerTlsAvailable;
            bool pop3 = _local != null;
            ListenEndpoint[] none = new ListenEndpoint[0];
            return new ListenEndpoint[][]
            {
                _config.SmtpListen, tls ? _config.SmtpListenTls : none,
                pop3 ? _config.Pop3Listen : none, pop3 && tls ? _config.Pop3ListenTls : none,
                _config.ConsoleListen,
            };
        }

        private const int ConsoleGroup = 4;

        private bool ImplicitTls(int l) { return _listenerGroup[l] == 1 || _listenerGroup[l] == 3; }
        private bool Pop3Listener(int l) { return _listenerGroup[l] == 2 || _listenerGroup[l] == 3; }
        private bool ConsoleListener(int l) { return _listenerGroup[l] == ConsoleGroup; }
        private static readonly string[] ListenerKinds = { "SMTP", "SMTP, implicit TLS", "POP3", "POP3, implicit TLS", "console" };

        /// <summary>"127.0.0.1:2525 (SMTP)": what listener i is.</summary>
        public string ListenerName(int i)
        {
            ListenEndpoint[][] groups = ListenerGroups();
            for (int g = 0; g < groups.Length; g++)
            {
                if (i < groups[g].Length) return groups[g][i] + " (" + ListenerKinds[g] + ")";
                i -= groups[g].Length;
            }
            return "?";
        }

        // The mailboxes' bytes count against the card before the first message is accepted. A folder
        // that cannot be read is counted when it is first used (and logged now).
        private void CountMailboxes()
        {
            string[] names = _local.Users.Names();
            long total = 0;
            for (int i = 0; i < names.Length; i++)
            {
                string folder = _local.Users.MailboxFolder(names[i]);
                if (folder == null) continue;
                try
                {
                    total += _local.Mailboxes.CountAll(new string[] { folder });
                    // Queue IDs go on above every message kept here, even if the card lost the sequence.
                    string[] ids = _local.Mailboxes.Messages(folder);
                    for (int k = 0; k < ids.Length; k++) _spool.RaiseQueueIds(ids[k]);
                }
                catch (System.IO.IOException e)
                {
                    _log.Line("warning: mailbox " + folder + " of user " + names[i] + " cannot be read: " + e.Message);
                }
            }
            _log.Line("mailboxes: " + names.Length.ToString() + " user(s), " + Text.Sizes.Bytes(total) + "; card " +
                      Text.Sizes.Bytes(_spool.Space.UsedBytes) + " of " + Text.Sizes.Bytes(_spool.Space.MaxBytes) + " used");
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
                try
                {
                    for (int reads = 0; reads < ReadsPerPass; reads++)
                    {
                        bool read = ReadSocket(c);
                        bool fed = Feed(c, nowMs);
                        progress |= read | fed;
                        if (!read || c.InputCount > 0) break; // nothing more now, or the session is full
                    }
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Contain(c, e);
                    i--;
                }
            }
            long nextDeadline = _queue.RunOnce(nowMs);
            long failuresDue = AnswerDelayedFailures(nowMs);
            if (failuresDue < nextDeadline) nextDeadline = failuresDue;
            long checksDue = _local != null ? FinishPasswordChecks(nowMs) : long.MaxValue;
            if (checksDue < nextDeadline) nextDeadline = checksDue;
            if (_spool.HasPendingCommits && CommitBatch()) progress = true;
            // The pass's removals of delivered messages, made durable by the commit's folder sync
            // when there was one (Spool.SyncRemovals).
            _spool.SyncRemovals();
            for (int i = _connections.Count - 1; i >= 0; i--)
            {
                Connection c = (Connection)_connections[i];
                try
                {
                    long deadline = Tend(c, i, nowMs, ref progress);
                    if (deadline < nextDeadline) nextDeadline = deadline;
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Contain(c, e);
                }
            }
            nextDeadline = TendLocalConsoles(nowMs, nextDeadline);
            _nextDeadlineMs = progress ? nowMs : nextDeadline;
            if (progress) return 0;
            if (nextDeadline == long.MaxValue) return MaxWaitMs;
            long wait = nextDeadline - nowMs;
            return wait < 0 ? 0 : (wait > MaxWaitMs ? MaxWaitMs : wait);
        }

        // The second half of a pass for one connection: timeouts, events, replies, TLS, closing,
        // backpressure. Returns when it must be looked at again (long.MaxValue: when I/O happens).
        private long Tend(Connection c, int index, long nowMs, ref bool progress)
        {
            IServerSession s = c.Server;
            s.HandleDeadline(nowMs);
            HandleEvents(c);
            progress |= Flush(c);
            progress |= TendTls(c, nowMs);
            if (s.IsClosed)
            {
                CloseConnection(c, index);
                return long.MaxValue;
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
                    CloseConnection(c, index);
                    return long.MaxValue;
                }
                deadline = c.CloseByMs;
            }
            if (c.InputCount > 0 && s.CanReceive) progress = true;
            return deadline;
        }

        // An exception escaped one session: only that session ends (421, or -ERR for POP3), its
        // unfinished message is abandoned (no 250 was sent for it), its mailbox unlocked, and the
        // loop goes on serving everybody else.
        private void Contain(Connection c, System.Exception e)
        {
            bool pop3 = c.Pop3 != null;
            bool console = c.Console != null;
            string id = c.Writer != null ? c.Writer.Envelope.QueueId + ": " : "";
            _log.Line("warning: " + id + c.ClientName + ": internal error in " + (console ? "console" : pop3 ? "POP3" : "SMTP") + " session: " +
                      Failures.Describe(e) + "; connection closed");
            _internalErrors++;
            try
            {
                if (!c.PartlySent && !c.SendFailed && !c.TlsPending)
                {
                    string bye = console ? "error: internal error; goodbye"
                               : pop3 ? Local.Pop3Replies.InternalError.Format() : Replies.InternalError.Format(true);
                    byte[] bytes = Ascii.GetBytes(bye + "\r\n");
                    _network.Send(c.Handle, bytes, 0, bytes.Length);
                }
            }
            catch (System.Exception sendFailure)
            {
                if (Failures.IsHalt(sendFailure)) throw;
            }
            if (pop3 && c.Pop3.Maildrop != null)
            {
                try
                {
                    c.Pop3.Maildrop.Unlock();
                }
                catch (System.Exception unlockFailure)
                {
                    if (Failures.IsHalt(unlockFailure)) throw;
                }
            }
            ReleaseTls(c);
            int index = _connections.IndexOf(c);
            if (index < 0) return;
            try
            {
                CloseConnection(c, index);
            }
            catch (System.Exception closeFailure)
            {
                if (Failures.IsHalt(closeFailure)) throw;
                if (_connections.Contains(c)) _connections.Remove(c);
            }
        }

        private long _nextDeadlineMs = long.MaxValue;

        /// <summary>
        /// When the last RunOnce wants the next one at the latest, on the monotonic clock, without
        /// the MaxWaitMs cap (long.MaxValue: only when I/O happens). A simulation that moves virtual
        /// time skips idle stretches with it; a platform waiting on sockets uses RunOnce's result.
        /// </summary>
        public long NextDeadlineMs { get { return _nextDeadlineMs; } }

        /// <summary>Sessions ended by an internal error since start (each was logged).</summary>
        public int InternalErrors { get { return _internalErrors; } }

        /// <summary>Says 421 to every client, aborts unfinished messages and closes everything.</summary>
        public void Shutdown()
        {
            _queue.AbortAll();
            if (_spool.HasPendingCommits) CommitBatch(_spool.WaitCommits());
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
                while ((handle = AcceptOne(l)) >= 0)
                {
                    Connection c = null;
                    try
                    {
                        c = Open(l, handle, nowMs);
                    }
                    catch (System.Exception e)
                    {
                        if (Failures.IsHalt(e)) throw;
                        if (c != null) Contain(c, e);
                        else
                        {
                            _log.Line("warning: internal error accepting a connection: " + Failures.Describe(e));
                            CloseQuietly(handle);
                        }
                    }
                }
            }
        }

        // The next connection waiting on listener l, or -1; a failing listener is logged and skipped this pass.
        private int AcceptOne(int l)
        {
            try
            {
                return _network.Accept(_listeners[l]);
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
                _log.Line("warning: cannot accept on listener " + l.ToString() + ": " + Failures.Describe(e));
                return -1;
            }
        }

        // Starts a session on an accepted connection, or refuses it (421 / -ERR) when the sessions
        // are used up for this client; null when refused.
        private Connection Open(int l, int handle, long nowMs)
        {
            string address = _network.RemoteAddress(handle);
            string refusal = SessionRefusal(address, Pop3Listener(l) || ConsoleListener(l), nowMs);
            if (refusal != null)
            {
                // Like Postfix, with the enhanced code although no EHLO was seen: it says why (RFC 3463 4.7.0).
                string reply = Pop3Listener(l) ? Local.Pop3Replies.TooManySessions.Format()
                             : ConsoleListener(l) ? "too many sessions; try again later" : Replies.TooManySessions.Format(true);
                byte[] bytes = Ascii.GetBytes(reply + "\r\n");
                _network.Send(handle, bytes, 0, bytes.Length);
                _network.Close(handle);
                _log.Line("warning: " + refusal + ", refused unknown[" + address + "]");
                return null;
            }
            if (ImplicitTls(l) && !_tlsSessions.HasFree)
            {
                // No plaintext reply can be given on a TLS port; the client tries again later.
                _network.Close(handle);
                _log.Line("warning: every TLS session is in use (limits.tls_sessions = " + _tlsSessions.Limit.ToString() +
                          "), refused unknown[" + address + "]");
                return null;
            }
            Connection c = ConsoleListener(l) ? new Connection(handle, new Console.ConsoleSession(_consoleSettings, address, nowMs))
                         : Pop3Listener(l) ? new Connection(handle, new Local.Pop3Session(_pop3Settings, address, ImplicitTls(l), nowMs))
                         : NewSmtpConnection(handle, address, ImplicitTls(l), nowMs);
            c.Trusted = IsTrusted(address, nowMs);
            _connections.Add(c);
            _log.Line("connect from " + c.ClientName);
            if (c.Session != null && _popBeforeSmtp.Contains(address, nowMs))
            {
                c.Session.TrustClient();
                _log.Line(c.ClientName + ": may relay (POP-before-SMTP)");
            }
            if (ImplicitTls(l))
            {
                TakeTls(c);
                BeginTls(c, nowMs); // RFC 8314: TLS first, then the greeting
            }
            else Flush(c);
            return c;
        }

        // ---- Fair sessions ---------------------------------------------------------------------------

        /// <summary>How long a successful login (SMTP AUTH or POP3) keeps an address trusted for the reserve.</summary>
        public const long LoginTrustMs = 60 * 60 * 1000;

        private readonly AddressMemory _recentLogins;

        private void RememberLogin(string address, long nowMs)
        {
            _recentLogins.Remember(address, nowMs + LoginTrustMs);
        }

        // Why a new connection from address cannot have a session now (null: it can). Every session,
        // SMTP or POP3, counts. No address may hold more than limits.sessions_per_client (one stuck
        // camera cannot take the box), and the last limits.sessions_reserved sessions are kept for
        // clients in relay.allow and addresses that logged in lately, so strangers that connect and
        // say nothing cannot lock out the LAN's devices.
        private string SessionRefusal(string address, bool pop3, long nowMs)
        {
            int total = _connections.Count;
            if (total >= _config.MaxSessions) return "too many sessions (limits.sessions = " + _config.MaxSessions.ToString() + ")";
            int fromClient = 0;
            int strangers = 0;
            int smtp = 0;
            for (int i = 0; i < _connections.Count; i++)
            {
                Connection c = (Connection)_connections[i];
                if (c.Server.ClientAddress == address) fromClient++;
                if (!c.Trusted) strangers++;
                if (c.Session != null) smtp++;
            }
            // limits.smtp_sessions keeps the rest of limits.sessions for POP3 (and the memory budget counts on it).
            if (!pop3 && _config.MaxSmtpSessions > 0 && smtp >= _config.MaxSmtpSessions)
            {
                return "too many SMTP sessions (limits.smtp_sessions = " + _config.MaxSmtpSessions.ToString() + ")";
            }
            int perClient = _config.EffectiveSessionsPerClient;
            if (fromClient >= perClient) return "too many sessions from one client (limits.sessions_per_client = " + perClient.ToString() + ")";
            if (!IsTrusted(address, nowMs) && strangers >= _config.MaxSessions - _config.EffectiveSessionsReserved)
            {
                return "sessions left are reserved for trusted clients (limits.sessions_reserved = " +
                       _config.EffectiveSessionsReserved.ToString() + ")";
            }
            return null;
        }

        private bool IsTrusted(string address, long nowMs)
        {
            return _policy.IsTrustedClient(address) || _recentLogins.Contains(address, nowMs) || _popBeforeSmtp.Contains(address, nowMs);
        }

        private void CloseQuietly(int handle)
        {
            try
            {
                _network.Close(handle);
            }
            catch (System.Exception e)
            {
                if (Failures.IsHalt(e)) throw;
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
        // The socket takes the bytes straight from the session's output (IServerSession.PeekTransmit).
        private bool Flush(Connection c)
        {
            IServerSession s = c.Server;
            int budget = FlushBytesPerPass;
            byte[] output;
            int at;
            while (true)
            {
                if (c.TlsPending && !c.SendFailed) return false;
                int count = s.PeekTransmit(out output, out at);
                if (count == 0) return false;
                if (c.SendFailed)
                {
                    // Nothing reaches a dead socket: what the session still says is dropped, so it can close.
                    s.Transmitted(count);
                    continue;
                }
                int sent = _network.Send(c.Handle, output, at, count);
                if (sent < 0)
                {
                    c.SendFailed = true;
                    c.PeerClosed = true;
                    s.ReceiveEof(); // dead both ways: a stream in progress stops here
                    continue;
                }
                s.Transmitted(sent);
                c.PartlySent = sent < count && sent > 0;
                budget -= sent;
                if (sent < count) return sent > 0;
                if (!s.HasOutput) return false;
                if (budget <= 0) return true;
            }
        }

        private void CloseConnection(Connection c, int index)
        {
            ReleaseTls(c);
            if (c.Console != null) c.Console.Abandon(); // a console command's lookups still out
            if (c.Writer != null && c.Writer.Outcome == MessageWriter.Open)
            {
                _spool.Abort(c.Writer);
                c.Writer = null;
            }
            _network.Close(c.Handle);
            _connections.RemoveAt(index);
            _log.Line("disconnect from " + c.ClientName);
            if (c.Session != null && _spareInputs.Count < _config.MaxSessions)
            {
                _spareInputs.Add(c.Input);
                _spareBodies.Add(c.Session.Body);
            }
        }

        // The buffers of ended SMTP connections, for the next ones: at most limits.sessions of them,
        // live and spare together, so the budget's peak holds; a busy host then allocates no buffer
        // per connection, and a board's small heap does not fragment.
        private readonly ArrayList _spareInputs = new ArrayList();
        private readonly ArrayList _spareBodies = new ArrayList();

        private Connection NewSmtpConnection(int handle, string address, bool implicitTls, long nowMs)
        {
            int last = _spareInputs.Count - 1;
            if (last < 0)
            {
                return new Connection(handle, new SmtpServerSession(_settings, _policy, _spool.Space, address, implicitTls, nowMs),
                                      new byte[_config.IoBuffer]);
            }
            byte[] input = (byte[])_spareInputs[last];
            ByteBuffer body = (ByteBuffer)_spareBodies[last];
            _spareInputs.RemoveAt(last);
            _spareBodies.RemoveAt(last);
            return new Connection(handle, new SmtpServerSession(_settings, _policy, _spool.Space, address, implicitTls, nowMs, body), input);
        }
    }
}
