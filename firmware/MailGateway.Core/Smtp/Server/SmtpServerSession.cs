// The SMTP server side of one connection (RFC 5321), sans-I/O: bytes and time in, reply bytes,
// events and a deadline out. It never touches a socket, file or clock; the loop (Runtime/Gateway)
// feeds it and carries its events to the spool.
//
// How it works
//   Receive() splits input into command lines (CRLF only; a bare CR, bare LF or NUL closes the
//   session with 521, RFC 5321 §2.3.8) and dispatches each to a handler that checks, updates
//   fields and queues one reply. Commands may be pipelined (RFC 2920): all complete lines are
//   handled in order. After DATA the session stops reading until the loop has opened a spool file
//   (CompleteDataStart), then streams the message through DataDecoder and HeaderFilter into Body in
//   chunks; the loop empties Body into the spool file at each BodyReady (a full chunk, so the
//   spool's records are about a chunk long) and at DataEnded (the rest). At the end of data the
//   session waits, reading nothing, for CompleteSpool: "250" is only sent after the spool says the
//   message is durable.
//   STARTTLS (RFC 3207) and AUTH (RFC 4954) work the same way: the session queues its reply, emits
//   StartTls or AuthRequested, reads nothing more and waits for CompleteTls or CompleteAuth
//   (SmtpServerSession.Security.cs).
// Invariants
//   - Receive never throws on any input and always leaves the session in a defined state.
//   - Input is not consumed while a verdict is awaited, so nothing pipelined behind DATA is read
//     as commands early, nor while Body is full or unsent replies pile up, so memory stays
//     bounded (backpressure to the socket).
//   - A refused message (too big, loop, broken line ends) is never offered to the spool as ended.
//   - Nothing after the STARTTLS line is consumed before the handshake, so nothing the client
//     pipelined in plaintext can be executed inside TLS (CVE-2011-0411).
//   - The password is held only between AuthRequested and CompleteAuth, and never logged.
// Deliberately not here: CHUNKING, SMTPUTF8, DSN parameters, SASL mechanisms other than PLAIN and
// LOGIN, AUTH= on MAIL FROM.
using System.Collections;
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpServerSession : Runtime.IServerSession
    {
        public const long NoDeadline = long.MaxValue;
        /// <summary>Body is handed to the loop in chunks of about this size, unless ServerSettings.BodyChunk says otherwise.</summary>
        public const int BodyChunk = 1024;
        /// <summary>
        /// Room in Body beyond BodyChunk, so that it never grows: one held header line
        /// (HeaderFilter.MaxHeaderLine) and the Message-ID and Date fields added behind it; and, in an
        /// empty Body, the Received field (a HELO name of up to limits.command_line).
        /// </summary>
        public const int BodyHeadroom = 1024;
        // Commands are not read while this many reply bytes wait for the socket: a client that
        // pipelines without reading its replies must not grow our memory (RFC 2920 §3.1 lets the
        // server stop reading). MAIL, RCPT and DATA's replies still go out together. OutputBytes
        // holds this, the longest reply (EHLO's with a 253-character host name, about 380 bytes; a
        // refusal naming a 254-character address) and a closing 421 behind it: it never grows.
        private const int MaxPendingOutput = 64;
        private const int OutputBytes = 512;

        // Verbs allowed per state (bit masks); the 503 text is generated from the same masks.
        private static readonly int[] AllowedVerbs = BuildAllowedVerbs();

        // Connection
        private readonly ServerSettings _settings;
        private readonly Relay.RelayPolicy _policy;
        private readonly Spool.SpoolSpace _space;
        private readonly string _clientAddress;
        private bool _trustedClient;
        private int _state;
        private string _helo;
        private bool _extended;          // EHLO was used: enhanced codes and ESMTP parameters
        private int _errors;
        private long _deadlineMs;

        // Security (STARTTLS, AUTH)
        private bool _tls;               // TLS is active (after STARTTLS or on an implicit-TLS listener)
        private bool _authenticated;
        private string _authMechanism;   // "PLAIN" or "LOGIN" from AUTH until the verdict; kept on success
        private string _authUser;        // kept on success for the log and Received
        private string _authPassword;    // only between AuthRequested and CompleteAuth
        private int _authStep;           // LOGIN: 0 = username expected, 1 = password expected

        // Command line being read
        private readonly CommandLineReader _lines;

        // Transaction
        private MailPath _sender;
        private readonly ArrayList _recipients = new ArrayList();
        private long _declaredSize;
        private string _queueId;
        private long _messageBytes;
        private Reply _skipVerdict;      // reply to send at the end of a message that is being skipped

        // Data
        private readonly DataDecoder _decoder = new DataDecoder();
        private readonly HeaderFilter _headers = new HeaderFilter();
        private readonly int _chunk;        // ServerSettings.BodyChunk
        private readonly byte[] _decoded;   // ServerSettings.Scratch when the loop shares one
        private readonly ByteBuffer _body;   // also the command line reader's buffer (see the constructor)

        // Output
        private readonly ByteBuffer _output = new ByteBuffer(OutputBytes);
        private readonly ArrayList _events = new ArrayList();
        private readonly ArrayList _logLines = new ArrayList();

        public SmtpServerSession(ServerSettings settings, Relay.RelayPolicy policy, Spool.SpoolSpace space,
                                 string clientAddress, long nowMs)
            : this(settings, policy, space, clientAddress, false, nowMs)
        {
        }

        /// <summary>tlsActive: the connection came in on an implicit-TLS listener (port 465); no STARTTLS then.</summary>
        public SmtpServerSession(ServerSettings settings, Relay.RelayPolicy policy, Spool.SpoolSpace space,
                                 string clientAddress, bool tlsActive, long nowMs)
            : this(settings, policy, space, clientAddress, tlsActive, nowMs, null)
        {
        }

        /// <summary>body: the Body of an ended session with the same settings, to use again (null: a new one).</summary>
        public SmtpServerSession(ServerSettings settings, Relay.RelayPolicy policy, Spool.SpoolSpace space,
                                 string clientAddress, bool tlsActive, long nowMs, ByteBuffer body)
        {
            _settings = settings;
            // Commands and message data never come at once: the body buffer holds the command
            // line being read outside DATA (the loop empties it by the end of each message).
            _chunk = settings.BodyChunk;
            int bodyBytes = _chunk + BodyHeadroom > settings.MaxCommandLine ? _chunk + BodyHeadroom : settings.MaxCommandLine;
            if (body != null && body.Array.Length == bodyBytes)
            {
                body.Clear();
                _body = body;
            }
            else
            {
                _body = new ByteBuffer(bodyBytes);
            }
            _lines = new CommandLineReader(_body, settings.MaxCommandLine);
            _decoded = settings.Scratch != null && settings.Scratch.Length >= 16 ? settings.Scratch : new byte[_chunk];
            _tls = tlsActive;
            _policy = policy;
            _space = space;
            _clientAddress = clientAddress;
            _trustedClient = policy.IsTrustedClient(clientAddress);
            _state = ServerState.AwaitingHelo;
            _deadlineMs = nowMs + settings.IdleTimeoutMs;
            // RFC 5321 §4.3.1: the greeting carries no enhanced code.
            QueueLine("220 " + settings.Hostname + " ESMTP MailGateway");
        }

        // ---- Reading the state -------------------------------------------------------------

        public int State { get { return _state; } }
        public string ClientAddress { get { return _clientAddress; } }
        public string HeloName { get { return _helo; } }
        /// <summary>"SMTP" or "ESMTP", as the logs' proto= says it.</summary>
        public string Protocol { get { return _extended ? "ESMTP" : "SMTP"; } }

        /// <summary>The Received field's "with" word (RFC 3848): ESMTP, ESMTPS, ESMTPA, ESMTPSA, or SMTP after HELO.</summary>
        public string ReceivedProtocol
        {
            get
            {
                if (!_extended) return "SMTP";
                return "ESMTP" + (_tls ? "S" : "") + (_authenticated ? "A" : "");
            }
        }
        public MailPath Sender { get { return _sender; } }
        public int RecipientCount { get { return _recipients.Count; } }
        public MailPath Recipient(int index) { return (MailPath)_recipients[index]; }
        public string QueueId { get { return _queueId; } }
        /// <summary>Message bytes as received (after dot-unstuffing, before added headers).</summary>
        public long MessageBytes { get { return _messageBytes; } }
        public bool IsClosed { get { return _state == ServerState.Closed; } }
        public bool IsClosing { get { return _state >= ServerState.Closing; } }

        /// <summary>
        /// The loop vouches for this client although relay.allow does not name it (POP-before-SMTP:
        /// the address logged in over POP3 a short while ago): it may relay like a trusted client.
        /// </summary>
        public void TrustClient()
        {
            _trustedClient = true;
        }

        /// <summary>Message bytes waiting for the spool (at BodyReady and DataEnded); consume what was written.</summary>
        public ByteBuffer Body { get { return _body; } }

        // ---- Driving API ---------------------------------------------------------------------

        /// <summary>
        /// Feeds bytes from the client; returns how many were consumed. Fewer than count are consumed
        /// while a spool verdict is awaited, while Body is full, while replies wait to be sent, or
        /// once the session is closing; the caller keeps the rest and offers it again later.
        /// </summary>
        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            int used = 0;
            while (used < count)
            {
                int before = used;
                if (_state == ServerState.ReadingData || _state == ServerState.SkippingData)
                {
                    if (BodyFull) break;
                    used += ReceiveData(buffer, offset + used, count - used);
                }
                else if (ReadsLines(_state))
                {
                    if (_output.Count >= MaxPendingOutput) break;
                    used += ReceiveCommandBytes(buffer, offset + used, count - used);
                }
                else
                {
                    break;
                }
                if (used == before) break;
            }
            // Only bytes taken count as activity: a client that sends but never reads its
            // replies stalls the session, and then times out like a silent one.
            if (used > 0 && _state < ServerState.Closing) _deadlineMs = nowMs + _settings.IdleTimeoutMs;
            return used;
        }

        /// <summary>The client closed its side. A message not yet acknowledged is dropped.</summary>
        public void ReceiveEof()
        {
            if (_state >= ServerState.Closing) return;
            if (_state == ServerState.ReadingData || _state == ServerState.SkippingData)
            {
                if (_state == ServerState.ReadingData) _events.Add(SessionEvent.DataAborted);
                _logLines.Add(QueueIdOrNone() + ": lost connection after DATA from " + ClientName());
            }
            ForgetCredentials();
            // Replies already queued still go out: a client may half-close after its last command.
            _state = _output.Count > 0 ? ServerState.Closing : ServerState.Closed;
        }

        /// <summary>The reply bytes waiting, where they are (IServerSession.PeekTransmit).</summary>
        public int PeekTransmit(out byte[] buffer, out int offset)
        {
            buffer = _output.Array;
            offset = _output.Start;
            return _output.Count;
        }

        /// <summary>count of the bytes PeekTransmit showed are sent; a closing session is closed once all are.</summary>
        public void Transmitted(int count)
        {
            if (count < 0 || count > _output.Count) throw new System.ArgumentOutOfRangeException("count");
            _output.Consume(count);
            if (_output.Count == 0 && _state == ServerState.Closing) _state = ServerState.Closed;
        }

        public bool HasOutput { get { return _output.Count > 0; } }

        /// <summary>True when Receive would take bytes now (see Receive for when it does not).</summary>
        public bool CanReceive
        {
            get
            {
                if (_state == ServerState.ReadingData || _state == ServerState.SkippingData) return !BodyFull;
                if (ReadsLines(_state)) return _output.Count < MaxPendingOutput;
                return false;
            }
        }

        // Body has a chunk: the decoder needs two bytes of room below BodyChunk (ReceiveData), so a
        // chunk one byte short is full as well.
        private bool BodyFull { get { return _body.Count > _chunk - 2; } }

        // States in which input is read as lines: commands, or the client's half of an AUTH exchange.
        private static bool ReadsLines(int state)
        {
            return state == ServerState.AwaitingHelo || state == ServerState.AwaitingMail ||
                   state == ServerState.AwaitingRcpt || state == ServerState.AwaitingAuthResponse;
        }

        /// <summary>
        /// The next SessionEvent, or SessionEvent.None. BodyReady: a chunk of the message waits in
        /// Body. DataEnded: the message is complete, its last bytes (if any) in Body, so the loop
        /// stores them and may commit at once.
        /// </summary>
        public int PollEvent()
        {
            // Only a full chunk is handed over while the data goes on: a slow client's small reads
            // do not each become a record on the card. The rest goes with DataEnded.
            if (BodyFull && _state == ServerState.ReadingData)
            {
                return SessionEvent.BodyReady;
            }
            if (_events.Count > 0)
            {
                int e = (int)_events[0];
                _events.RemoveAt(0);
                return e;
            }
            return SessionEvent.None;
        }

        /// <summary>The next log line in Postfix's style, or null.</summary>
        public string PollLogLine()
        {
            if (_logLines.Count == 0) return null;
            string line = (string)_logLines[0];
            _logLines.RemoveAt(0);
            return line;
        }

        /// <summary>When HandleDeadline must be called next; NoDeadline when the session waits for nobody.</summary>
        public long PollDeadline()
        {
            if (_state >= ServerState.Closing) return NoDeadline;
            // The loop owes a verdict (spool, TLS handshake, password check): its own timers apply.
            if (_state == ServerState.AwaitingDataStart || _state == ServerState.AwaitingSpool ||
                _state == ServerState.AwaitingTls || _state == ServerState.AwaitingAuthVerdict)
            {
                return NoDeadline;
            }
            return _deadlineMs;
        }

        public void HandleDeadline(long nowMs)
        {
            if (nowMs < PollDeadline()) return;
            if (_state == ServerState.ReadingData) _events.Add(SessionEvent.DataAborted);
            _logLines.Add("timeout after " + ServerState.Name(_state) + " from " + ClientName());
            Send(Replies.IdleTimeout);
        }

        /// <summary>The loop is shutting down: say so and close.</summary>
        public void Shutdown()
        {
            if (_state >= ServerState.Closing) return;
            if (_state == ServerState.AwaitingTls)
            {
                // The client is starting its handshake: a plaintext 421 would only garble it.
                _state = _output.Count > 0 ? ServerState.Closing : ServerState.Closed;
                return;
            }
            if (_state == ServerState.ReadingData || _state == ServerState.AwaitingSpool) _events.Add(SessionEvent.DataAborted);
            Send(Replies.ShuttingDown);
        }

        // ---- Verdicts from the loop ----------------------------------------------------------

        /// <summary>The spool opened a file for the message: send 354 and start reading it.</summary>
        public void CompleteDataStart(string queueId, long unixMs)
        {
            RequireState(ServerState.AwaitingDataStart, "CompleteDataStart");
            _queueId = queueId;
            _messageBytes = 0;
            _skipVerdict = null;
            _decoder.Reset();
            _body.Clear();
            string date = RfcDate.Format(unixMs);
            _headers.Start("Message-ID: <" + queueId + "." + unixMs.ToString() + "@" + _settings.Hostname + ">\r\n",
                           "Date: " + date + "\r\n");
            AppendReceivedField(date);
            string client = queueId + ": client=" + ClientName();
            // Postfix: "client=…, sasl_method=PLAIN, sasl_username=user"
            if (_authenticated) client = client + ", sasl_method=" + _authMechanism + ", sasl_username=" + _authUser;
            _logLines.Add(client);
            _state = ServerState.ReadingData;
            Send(Replies.StartData);
        }

        /// <summary>The spool could not take the message (full card, I/O error): refuse DATA, end the transaction.</summary>
        public void FailDataStart(Reply reply)
        {
            RequireState(ServerState.AwaitingDataStart, "FailDataStart");
            // The transaction is reset below, so the client starts again with MAIL (as after any
            // failed DATA); staying in AwaitingRcpt would take RCPT and DATA without a sender.
            _state = ServerState.AwaitingMail;
            LogReject("DATA", reply, null);
            SendError(reply);
            ResetTransaction();
        }

        /// <summary>The spool's verdict on the ended message: a positive reply once it is durable.</summary>
        public void CompleteSpool(Reply reply)
        {
            RequireState(ServerState.AwaitingSpool, "CompleteSpool");
            if (reply.IsPositive)
            {
                _logLines.Add(_queueId + ": from=" + _sender + ", size=" + _messageBytes.ToString() +
                              ", nrcpt=" + _recipients.Count.ToString() + " (queue active)");
                Send(reply.WithText("Ok: queued as " + _queueId));
            }
            else
            {
                LogReject("END-OF-MESSAGE", reply, null);
                SendError(reply);
            }
            if (_state != ServerState.Closing) _state = ServerState.AwaitingMail;
            ResetTransaction();
        }

        private void RequireState(int expected, string call)
        {
            // Misuse of the API is a bug in the caller, not a protocol error: throw.
            if (_state != expected)
            {
                throw new System.InvalidOperationException(call + " called in state " + ServerState.Name(_state));
            }
        }

        // ---- Output --------------------------------------------------------------------------

        private void Send(Reply reply)
        {
            QueueLine(reply.Format(_extended));
            if (reply.Closes)
            {
                _state = ServerState.Closing;
                ForgetCredentials();
            }
        }

        /// <summary>Sends an error reply and counts it; too many errors end the session.</summary>
        private void SendError(Reply reply)
        {
            Send(reply);
            _errors++;
            if (_errors >= _settings.MaxErrors && _state != ServerState.Closing)
            {
                _logLines.Add("too many errors after " + ServerState.Name(_state) + " from " + ClientName());
                Send(Replies.TooManyErrors);
            }
        }

        private void QueueLine(string line)
        {
            _output.Append(line);
            _output.Append("\r\n");
        }

        private string ClientName()
        {
            return "unknown[" + _clientAddress + "]";
        }

        private string QueueIdOrNone()
        {
            return _queueId != null ? _queueId : "NOQUEUE";
        }

        private void LogReject(string stage, Reply reply, MailPath recipient)
        {
            LogReject(stage, reply, _sender, recipient);
        }

        // Postfix's smtpd: "<queue id or NOQUEUE>: reject: <stage> from <client>: <reply>; from=<…> to=<…> proto=… helo=<…>"
        private void LogReject(string stage, Reply reply, MailPath sender, MailPath recipient)
        {
            string line = QueueIdOrNone() + ": reject: " + stage + " from " + ClientName() + ": " + reply.Format(true) + ";";
            line = line + " from=" + (sender == null ? "<>" : sender.ToString());
            if (recipient != null) line = line + " to=" + recipient;
            line = line + " proto=" + Protocol + " helo=<" + (_helo == null ? "" : _helo) + ">";
            _logLines.Add(line);
        }

        private void ResetTransaction()
        {
            _body.Clear(); // commands are read into it again
            _sender = null;
            _recipients.Clear();
            _declaredSize = 0;
            _queueId = null;
        }

        private static int[] BuildAllowedVerbs()
        {
            int[] allowed = new int[ServerState.Count];
            int greet = SmtpVerb.Bit(SmtpVerb.Ehlo) | SmtpVerb.Bit(SmtpVerb.Helo);
            allowed[ServerState.AwaitingHelo] = SmtpVerb.AlwaysAllowed | greet;
            // STARTTLS and AUTH only between transactions (RFC 3207 §4, RFC 4954 §4); whether they
            // are offered at all is checked before this table (SmtpServerSession.Security.cs).
            allowed[ServerState.AwaitingMail] = SmtpVerb.AlwaysAllowed | greet | SmtpVerb.Bit(SmtpVerb.Mail) |
                                                SmtpVerb.Bit(SmtpVerb.StartTls) | SmtpVerb.Bit(SmtpVerb.Auth);
            allowed[ServerState.AwaitingRcpt] = SmtpVerb.AlwaysAllowed | greet | SmtpVerb.Bit(SmtpVerb.Rcpt) |
                                                SmtpVerb.Bit(SmtpVerb.Data);
            return allowed;
        }
    }
}
