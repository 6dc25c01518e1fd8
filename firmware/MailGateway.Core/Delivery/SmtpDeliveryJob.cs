// One real delivery attempt (DESIGN step 3): some recipients of one message to one destination,
// over SMTP. Driven by the loop through Step; it never blocks.
//
// How it works
//   1. Resolve: for an MX destination the MxPlanner finds the addresses (or a failure: NXDOMAIN,
//      null MX, no MX host, DNS temporarily unusable, a loop to ourselves); for a route or the
//      smarthost the configured host's A/AAAA records (an address literal needs no lookup). A local
//      domain reaches this job only when the gateway keeps no mailboxes (SmtpDeliveries hands
//      local recipients to LocalDeliveryJob otherwise): its recipients stay queued (451 4.3.0).
//   2. Each address in turn (delivery.max_addresses at most): connect, then run an
//      SmtpClientSession: bytes between socket and session, STARTTLS when it asks (implicit TLS for
//      relay.smarthost_tls = implicit), body chunks from the spool file when it asks.
//      ClientEnd.TryNextAddress (unreachable, 421, timeout before any recipient was accepted) moves
//      on to the next address with every recipient still open (DESIGN 3a).
//   3. Outcomes: one per recipient, from the session (250 → Delivered, 4xx → Transient, 5xx →
//      Permanent) or, when no address worked, Transient with the last error.
//   4. The connection is then parked with SmtpDeliveries for the next message to the same
//      destination (delivery.connection_reuse_time), or closed with QUIT; a job that finds a
//      parked connection starts with it and skips DNS, connect and greeting.
//   A card that cannot give the message (an IOException reading the spool file) ends the attempt
//   before the final dot, deferred: a card error, not an internal error.
// Reply texts follow Postfix: "host mx.example[192.0.2.1] said: 550 5.1.1 … (in reply to RCPT TO
// command)", "connect to mx.example[192.0.2.1]:25: connection failed".
using MailGateway.Core.Config;
using MailGateway.Core.Dns;
using MailGateway.Core.Runtime;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public sealed class SmtpDeliveryJob : IDeliveryJob
    {
        // Where the job is
        private const int Resolving = 0;
        private const int Connecting = 1;
        private const int Handshaking = 2;   // implicit TLS before the SMTP greeting
        private const int Talking = 3;
        private const int Done = 4;

        /// <summary>Bytes sent per Step at most while the socket keeps taking them (then the loop serves the others).</summary>
        public const int BytesPerStep = 64 * 1024;

        private readonly SmtpDeliveries _owner;
        private readonly QueuedMessage _message;
        private readonly int[] _recipients;
        private readonly Destination _destination;
        private int _state = Resolving;

        // Resolving
        private MxPlanner _planner;
        private int _lookupA = -1;
        private int _lookupAaaa = -1;
        private DnsResult _resultA;
        private DnsResult _resultAaaa;
        private MxTarget[] _targets;
        private int _nextTarget;

        // The current connection
        private MxTarget _target;
        private int _connection = -1;
        private SmtpClientSession _session;
        private MessageBody _body;
        private bool _moreNow;            // the socket took everything and the body goes on: step again at once
        private bool _tlsRequested;
        private bool _again;              // the state is the same but has more to do now (next address)
        private string _tlsFailure;       // why STARTTLS's handshake failed, for the log
        private bool _withoutTls;         // this address is being tried again in plaintext
        private bool _holdsTls;           // this connection holds one of limits.tls_sessions
        private bool _waitingForTls;      // required TLS, and every TLS session is in use

        // Results
        private string _lastError = "";
        private string _lastHost = "";
        private AttemptOutcome[] _outcomes;

        internal SmtpDeliveryJob(SmtpDeliveries owner, QueuedMessage message, int[] recipients, Destination destination, long nowMs)
        {
            _owner = owner;
            _message = message;
            _recipients = recipients;
            _destination = destination;
            if (!Reuse(nowMs)) StartResolving();
        }

        // A connection to the same destination left open by an earlier job (SmtpDeliveries.Park):
        // no DNS, no connect, no greeting — the next MAIL FROM goes out at once.
        private bool Reuse(long nowMs)
        {
            if (_destination.Kind == Destination.Local) return false;
            SmtpDeliveries.Parked parked;
            while ((parked = _owner.TakeParked(_destination.Key)) != null)
            {
                if (parked.Session.BeginMessage(_message.Envelope.Sender, Addresses(), _message.BodyBytes, nowMs))
                {
                    _connection = parked.Connection;
                    _holdsTls = parked.HoldsTls;
                    _session = parked.Session;
                    _target = parked.Target;
                    _targets = new MxTarget[] { parked.Target };
                    _nextTarget = 1;
                    _state = Talking;
                    _moreNow = true; // its MAIL FROM waits to go out: no socket event will say so
                    return true;
                }
                _owner.Network.Close(parked.Connection);
                if (parked.HoldsTls) _owner.ReleaseTls();
            }
            return false;
        }

        public AttemptOutcome[] Outcomes { get { return _outcomes; } }

        public bool Step(long nowMs)
        {
            _moreNow = false;
            try
            {
                // Each state may finish within one Step and hand over to the next.
                for (int guard = 0; guard < 8 && _state != Done; guard++)
                {
                    int before = _state;
                    switch (_state)
                    {
                        case Resolving: StepResolving(nowMs); break;
                        case Connecting: StepConnecting(nowMs); break;
                        case Handshaking: StepHandshaking(nowMs); break;
                        case Talking: StepTalking(nowMs); break;
                    }
                    if (_state == before && !_again) break;
                    _again = false;
                }
            }
            catch (System.IO.IOException e)
            {
                // The card could not give the message (only the spool file is read here): a card
                // error, not a bug. The body is read before the final dot is sent, so ending the
                // connection now leaves nothing half delivered; the message waits for the next try.
                _owner.Log.Line(_message.QueueId + ": warning: cannot read the queue file: " + e.Message + "; will try again");
                CloseConnection();
                if (_planner != null) _planner.Abandon(_owner.Lookups);
                _planner = null;
                CancelHostLookups();
                FinishAll(AttemptOutcome.Transient, "4.3.0", "451 4.3.0 cannot read the queue file: " + e.Message, "");
            }
            return _state == Done;
        }

        public long PollDeadline()
        {
            if (_state == Done || _moreNow) return 0;
            if (_state == Resolving) return _owner.LookupPollDeadline();
            if (_waitingForTls) return _owner.TlsWaitDeadline();
            if (_session != null) return _session.PollDeadline();
            return SmtpClientSession.NoDeadline;
        }

        public void Abort()
        {
            if (_state == Done) return;
            CloseConnection();
            if (_planner != null) _planner.Abandon(_owner.Lookups);
            CancelHostLookups();
            FinishAll(AttemptOutcome.Transient, "4.3.2", "delivery stopped: mail system shutting down", "");
        }

        // ---- 1. Resolve ------------------------------------------------------------------------

        private void StartResolving()
        {
            if (_destination.Kind == Destination.Local)
            {
                FinishAll(AttemptOutcome.Transient, "4.3.0", "451 4.3.0 this gateway keeps no mailboxes for local domain " + _destination.Domain +
                          "; set route." + _destination.Domain + " to forward its mail", "");
                return;
            }
            if (_destination.Kind == Destination.Mx)
            {
                _planner = new MxPlanner(_destination.Domain, _owner.OwnNames, _owner.OwnAddresses(), _owner.Random, _owner.MxSettings);
                return;
            }
            HostPort target = _destination.Target;
            if (target.IsAddress)
            {
                _targets = new MxTarget[] { new MxTarget(target.Host, target.Host, 0) };
                _state = Connecting;
                return;
            }
            _lookupA = _owner.Lookups.Begin(target.Host, DnsType.A);
            _lookupAaaa = _owner.Lookups.Begin(target.Host, DnsType.AAAA);
        }

        private void StepResolving(long nowMs)
        {
            if (_planner != null)
            {
                _planner.Step(_owner.Lookups);
                if (!_planner.IsDone) return;
                MxPlan plan = _planner.Plan;
                _planner = null;
                if (!plan.Succeeded)
                {
                    int result = plan.IsPermanentFailure ? AttemptOutcome.Permanent : AttemptOutcome.Transient;
                    FinishAll(result, plan.Failure.Enhanced, plan.Failure.Format(true), "");
                    return;
                }
                _targets = plan.Targets;
                _state = Connecting;
                return;
            }
            if (_resultA == null && _lookupA >= 0) _resultA = _owner.Lookups.Poll(_lookupA);
            if (_resultAaaa == null && _lookupAaaa >= 0) _resultAaaa = _owner.Lookups.Poll(_lookupAaaa);
            if (_resultA == null || _resultAaaa == null) return;
            _lookupA = -1;
            _lookupAaaa = -1;
            string host = _destination.Target.Host;
            int count = _resultA.Records.Length + _resultAaaa.Records.Length;
            if (count == 0)
            {
                // A configured relay host that does not resolve is a setup problem, not the
                // recipient's: keep the mail and retry (Postfix defers on relayhost lookup errors).
                FinishAll(AttemptOutcome.Transient, "4.4.3", "451 4.4.3 cannot find the address of " + host + " (" +
                          DnsStatusName(_resultA) + ")", "");
                return;
            }
            int max = _owner.Config.MaxAddressesPerAttempt;
            MxTarget[] targets = new MxTarget[count < max ? count : max];
            int n = 0;
            for (int i = 0; i < _resultA.Records.Length && n < targets.Length; i++) targets[n++] = new MxTarget(host, _resultA.Records[i].Address, 0);
            for (int i = 0; i < _resultAaaa.Records.Length && n < targets.Length; i++) targets[n++] = new MxTarget(host, _resultAaaa.Records[i].Address, 0);
            _targets = targets;
            _state = Connecting;
        }

        private static string DnsStatusName(DnsResult result)
        {
            return result.Detail != null && result.Detail.Length > 0 ? result.Detail : "no address records";
        }

        private void CancelHostLookups()
        {
            if (_lookupA >= 0) _owner.Lookups.Cancel(_lookupA);
            if (_lookupAaaa >= 0) _owner.Lookups.Cancel(_lookupAaaa);
            _lookupA = -1;
            _lookupAaaa = -1;
        }

        // ---- 2. Connect and talk ---------------------------------------------------------------

        private int Port
        {
            get { return _destination.Kind == Destination.Mx ? _owner.Config.DeliveryPort : _destination.Target.Port; }
        }

        private bool ImplicitTls
        {
            get { return _destination.Kind == Destination.Smarthost && _owner.Config.SmarthostTls == TlsMode.Implicit; }
        }

        private string HostName
        {
            get { return _target.Host + "[" + _target.Address + "]:" + Port.ToString(); }
        }

        private void StepConnecting(long nowMs)
        {
            if (_connection < 0)
            {
                if (_nextTarget >= _targets.Length)
                {
                    FinishAll(AttemptOutcome.Transient, "4.4.1", _lastError, _lastHost);
                    return;
                }
                ClientSettings settings = _owner.SessionSettings(_destination, ImplicitTls);
                if (_withoutTls) settings.Tls = ClientTls.Off;
                if ((ImplicitTls || settings.Tls != ClientTls.Off) && !_holdsTls)
                {
                    // limits.tls_sessions: a TLS session is reserved before connecting, for the
                    // connection's life. Required TLS waits for one; opportunistic TLS goes without.
                    if (_owner.TryTakeTls()) _holdsTls = true;
                    else if (ImplicitTls || settings.Tls == ClientTls.Required)
                    {
                        if (!_waitingForTls) _owner.Log.Line(_message.QueueId + ": waiting for a free TLS session (limits.tls_sessions)");
                        _waitingForTls = true;
                        return;
                    }
                    else
                    {
                        settings.Tls = ClientTls.Off;
                        _owner.Log.Line(_message.QueueId + ": every TLS session is in use (limits.tls_sessions); this attempt goes without TLS");
                    }
                }
                _waitingForTls = false;
                _target = _targets[_nextTarget++];
                _session = new SmtpClientSession(settings, nowMs);
                _session.BeginMessage(_message.Envelope.Sender, Addresses(), _message.BodyBytes, nowMs);
                _tlsRequested = false;
                try
                {
                    _connection = _owner.Network.Connect(_target.Address, Port);
                }
                catch (System.Exception)
                {
                    _connection = -1;
                }
                if (_connection < 0)
                {
                    ConnectFailed("connect to " + HostName + ": cannot open a connection");
                    return;
                }
            }
            int status = _owner.Network.ConnectStatus(_connection);
            if (status == 0)
            {
                _session.HandleDeadline(nowMs); // the connect timeout
                if (_session.IsClosed) ConnectFailed("connect to " + HostName + ": connection timed out");
                return;
            }
            if (status < 0)
            {
                ConnectFailed("connect to " + HostName + ": connection refused or unreachable");
                return;
            }
            if (ImplicitTls)
            {
                _owner.Network.StartTlsClient(_connection, _target.Host, _owner.Config.SmarthostVerify);
                _state = Handshaking;
                return;
            }
            _session.Connected(nowMs);
            _state = Talking;
        }

        private void ConnectFailed(string detail)
        {
            _again = true; // go on to the next address in the same Step
            _lastError = detail;
            _lastHost = "";
            CloseConnection();
            _session = null;
            _owner.Log.Line(_message.QueueId + ": " + detail);
        }

        private void StepHandshaking(long nowMs)
        {
            int tls = _owner.Network.TlsStatus(_connection);
            if (tls == TlsState.Handshaking)
            {
                _session.HandleDeadline(nowMs);
                if (!_session.IsClosed) return;
                ConnectFailed("TLS handshake with " + HostName + " timed out");
            }
            else if (tls != TlsState.Up)
            {
                ConnectFailed("TLS handshake with " + HostName + " failed: " + _owner.Network.TlsDescription(_connection));
            }
            else
            {
                _owner.Log.Line(_message.QueueId + ": TLS connection established to " + HostName + ": " + _owner.Network.TlsDescription(_connection));
                _session.Connected(nowMs);
            }
            _state = _session == null ? Connecting : Talking;
        }

        private void StepTalking(long nowMs)
        {
            INetwork net = _owner.Network;
            byte[] buffer = _owner.Scratch;
            if (_tlsRequested)
            {
                int tls = net.TlsStatus(_connection);
                if (tls == TlsState.Handshaking)
                {
                    _session.HandleDeadline(nowMs);
                }
                else
                {
                    _tlsRequested = false;
                    bool up = tls == TlsState.Up;
                    if (up) _owner.Log.Line(_message.QueueId + ": TLS connection established to " + HostName + ": " + net.TlsDescription(_connection));
                    else _tlsFailure = net.TlsDescription(_connection);
                    _session.CompleteTls(up, nowMs);
                }
            }
            else
            {
                for (int reads = 0; reads < 16 && !_session.IsClosed; reads++)
                {
                    int n = net.Receive(_connection, buffer, 0, buffer.Length);
                    if (n == 0) break;
                    if (n < 0)
                    {
                        _session.ReceiveEof();
                        break;
                    }
                    _session.Receive(buffer, 0, n, nowMs);
                }
                _session.HandleDeadline(nowMs);
            }
            HandleEvents(nowMs);
            if (_state == Done) return; // parked for the next message
            _moreNow = Transmit(nowMs) && (_session.WantsBody || _session.HasOutput);
            HandleEvents(nowMs); // what sending raised (a damaged file or a dead socket ends the session)
            if (_state == Done) return;
            // Only QUIT may still be waiting to go out of a closed session; a stalled peer is not waited for.
            if (_session.IsClosed) EndOfSession();
        }

        private void HandleEvents(long nowMs)
        {
            int e;
            while (_session != null && (e = _session.PollEvent()) != ClientEvent.None)
            {
                switch (e)
                {
                    case ClientEvent.StartTls:
                        Transmit(nowMs);
                        _owner.Network.StartTlsClient(_connection, _target.Host, _session.VerifyCertificate);
                        _tlsRequested = true;
                        break;
                    case ClientEvent.NeedBody:
                        FeedBody(nowMs);
                        break;
                    case ClientEvent.MessageDone:
                        CloseBody();
                        if (_session.CanBeginMessage && !_session.HasOutput &&
                            _owner.CanPark())
                        {
                            // Keep the connection for the next message to this destination.
                            RecordOutcomes();
                            _owner.Park(_destination.Key, _connection, _session, _target, _holdsTls, nowMs);
                            _holdsTls = false;
                            _connection = -1;
                            _session = null;
                            _state = Done;
                            return;
                        }
                        if (_session.CanBeginMessage) _session.Quit(nowMs);
                        break;
                }
            }
        }

        // Moves the body from the spool file into the session, through the loop's scratch, until the
        // session or the socket is full: as much is read as the session has room for, and what it
        // did not take (a dot or a line end added) is read again next time.
        private void FeedBody(long nowMs)
        {
            byte[] scratch = _owner.Scratch;
            int room;
            while (_session != null && (room = _session.BodyRoom) > 0)
            {
                if (_body == null) _body = new MessageBody(_owner.Storage, _message.FileName);
                if (room < MessageBody.MinRead) room = MessageBody.MinRead;
                int n = _body.Read(scratch, 0, room < scratch.Length ? room : scratch.Length);
                if (n < 0)
                {
                    // The spool file is damaged: nothing half is ever sent — the session is
                    // ended before the final dot, so the receiver discards what it got.
                    _owner.Log.Line(_message.QueueId + ": error: queue file damaged while sending; message kept");
                    CloseConnection();
                    _session.ReceiveEof();
                    return;
                }
                if (n == 0)
                {
                    CloseBody();
                    _session.EndBody(nowMs);
                    return;
                }
                int taken = _session.WriteBody(scratch, 0, n, nowMs);
                _body.Consume(scratch, 0, taken);
                if (taken == 0) return;
            }
        }

        // Sends what the session has, straight from its output (what the socket does not take
        // stays there); while the socket takes everything, the body (or a long pipelined group of
        // commands) keeps flowing, up to BytesPerStep; then the loop comes back at once
        // (PollDeadline says so). True when the socket took all it was given.
        private bool Transmit(long nowMs)
        {
            if (_connection < 0) return false;
            int budget = BytesPerStep;
            while (true)
            {
                FeedBody(nowMs);
                if (_connection < 0) return false;
                byte[] output;
                int at;
                int count = _session.PeekTransmit(out output, out at);
                if (count == 0) return true;
                int sent = _owner.Network.Send(_connection, output, at, count);
                if (sent < 0)
                {
                    _session.ReceiveEof();
                    return false;
                }
                _session.Transmitted(sent);
                budget -= sent;
                if (sent < count) return false; // the socket is full: wait until it can take more
                if (budget <= 0 || (!_session.WantsBody && !_session.HasOutput)) return true;
            }
        }

        private void EndOfSession()
        {
            CloseConnection();
            MessageOutcome outcome = _session.Outcome;
            int end = _session.End;
            if (end == ClientEnd.TryNextAddress || outcome == null)
            {
                Reply reply = _session.EndReply;
                bool fromServer = _session.EndReplyFromServer;
                _lastError = _tlsFailure != null ? "TLS handshake with " + HostName + " failed: " + _tlsFailure
                           : reply == null ? "lost connection with " + HostName
                           : Describe(reply, _session.EndStage, fromServer);
                _lastHost = HostName;
                if (_tlsFailure != null && _destination.Kind != Destination.Smarthost && !_withoutTls)
                {
                    // Opportunistic TLS towards an MX or a route: a broken TLS stack on the other
                    // side must not stop mail for ever; try the same address once in plaintext,
                    // as Postfix does.
                    _owner.Log.Line(_message.QueueId + ": " + _lastError + "; trying again without TLS");
                    _withoutTls = true;
                    _nextTarget--;
                }
                else
                {
                    _withoutTls = false;
                }
                _tlsFailure = null;
                _session = null;
                _state = Connecting;
                _again = true;
                return;
            }
            RecordOutcomes();
            _session = null;
            _state = Done;
        }

        // One AttemptOutcome per recipient from the session's message outcome.
        private void RecordOutcomes()
        {
            MessageOutcome outcome = _session.Outcome;
            _outcomes = new AttemptOutcome[_recipients.Length];
            for (int i = 0; i < _recipients.Length; i++)
            {
                RecipientOutcome r = outcome.Recipients[i];
                int result = r.Status == DeliveryStatus.Delivered ? AttemptOutcome.Delivered
                           : r.Status == DeliveryStatus.Permanent ? AttemptOutcome.Permanent : AttemptOutcome.Transient;
                // A refused login is our configuration's fault, not the recipient's: keep the mail
                // until relay.smarthost_user/password are fixed (Postfix's smtp_sasl_auth_soft_bounce).
                bool loginRefused = result == AttemptOutcome.Permanent && r.Stage == ClientState.AwaitingAuth;
                if (loginRefused) result = AttemptOutcome.Transient;
                string text = r.Reply == null ? "lost connection with " + HostName
                            : result == AttemptOutcome.Delivered ? r.Reply.Format(true)
                            : Describe(r.Reply, r.Stage, r.FromServer);
                string status = r.Reply != null && r.Reply.Enhanced != null ? r.Reply.Enhanced
                              : result == AttemptOutcome.Delivered ? "2.0.0"
                              : Bounce.StatusOf(text, result == AttemptOutcome.Permanent);
                if (loginRefused) status = "4" + status.Substring(1); // 5.7.8 → 4.7.8: deferred, as the log says
                _outcomes[i] = new AttemptOutcome(_recipients[i], result, status, text, HostName);
            }
        }

        // Postfix's wording: "host mx[ip] said: 550 5.1.1 … (in reply to RCPT TO command)".
        private string Describe(Reply reply, int stage, bool fromServer)
        {
            if (!fromServer) return reply.Format(true);
            return "host " + _target.Host + "[" + _target.Address + "] said: " + reply.Format(true) +
                   " (in reply to " + CommandOf(stage) + ")";
        }

        private static string CommandOf(int stage)
        {
            switch (stage)
            {
                case ClientState.AwaitingGreeting: return "initial greeting";
                case ClientState.AwaitingEhlo: return "EHLO command";
                case ClientState.AwaitingHelo: return "HELO command";
                case ClientState.AwaitingStartTls: return "STARTTLS command";
                case ClientState.AwaitingAuth: return "AUTH command";
                case ClientState.AwaitingMail: return "MAIL FROM command";
                case ClientState.AwaitingRcpt: return "RCPT TO command";
                case ClientState.AwaitingData: return "DATA command";
                case ClientState.SendingBody:
                case ClientState.AwaitingEndOfData: return "end of DATA command";
                default: return ClientState.Describe(stage);
            }
        }

        // ---- Helpers ---------------------------------------------------------------------------

        private string[] Addresses()
        {
            string[] addresses = new string[_recipients.Length];
            for (int i = 0; i < addresses.Length; i++) addresses[i] = _message.Recipients[_recipients[i]].Address;
            return addresses;
        }

        private void CloseConnection()
        {
            CloseBody();
            if (_connection >= 0) _owner.Network.Close(_connection);
            _connection = -1;
            if (_holdsTls)
            {
                _holdsTls = false;
                _owner.ReleaseTls();
            }
        }

        // A read handle that fails to close holds nothing (and is released anyway, IStorage.Close).
        private void CloseBody()
        {
            MessageBody body = _body;
            _body = null;
            if (body == null) return;
            try
            {
                body.Close();
            }
            catch (System.IO.IOException)
            {
            }
        }

        private void FinishAll(int result, string status, string reply, string remoteHost)
        {
            _outcomes = new AttemptOutcome[_recipients.Length];
            for (int i = 0; i < _recipients.Length; i++)
            {
                _outcomes[i] = new AttemptOutcome(_recipients[i], result, status == null ? "" : status, reply, remoteHost);
            }
            _state = Done;
        }
    }
}
