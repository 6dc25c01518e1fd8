// The SMTP client side of one outbound connection, sans-I/O: reply bytes and time in, command and
// message bytes, events and a deadline out. It never touches a socket, file or clock; the loop
// connects, feeds it, upgrades to TLS when asked, reads the body from the spool and records the
// outcomes.
//
// RFCs: RFC 5321 §3-4 (the dialog; §4.2 replies; §4.5.2 dot-stuffing; §4.5.3.2 timeouts), RFC 2920
// (PIPELINING), RFC 1870 (SIZE), RFC 3207 (STARTTLS), RFC 4954 (AUTH) with RFC 4616 (PLAIN) and
// LOGIN, RFC 3463 (enhanced status codes).
//
// How it works
//   The loop creates the session as it starts to connect, then calls Connected (or
//   ConnectFailed), feeds the server's bytes to Receive and sends what PeekTransmit shows.
//   ReplyReader cuts replies; each complete one goes to the handler of the current state.
//   Greeting phase (SmtpClientSession.Greeting.cs): 220; EHLO, or HELO when EHLO gets a 5xx;
//   STARTTLS when offered (or required): at its 220 the StartTls event asks the loop to upgrade,
//   everything received before the upgrade is discarded, and EHLO is sent again (RFC 3207 §4.2);
//   AUTH PLAIN or LOGIN when configured, never in clear unless allowed (.Auth.cs).
//   Messages (.Transaction.cs): the loop gives one with BeginMessage at any time after creation,
//   and the next after each MessageDone, or calls Quit. Postfix's two cursors walk the commands
//   MAIL, RCPT 1..n, DATA: _sendCursor is the next command to send, _replyCursor the command whose
//   reply comes next. With PIPELINING all are sent at once and replies matched in order; without,
//   one at a time, and nothing is sent that cannot succeed. After 354 the body is pulled from the
//   loop through DotEncoder: NeedBody says there is room, WriteBody takes what fits and says how
//   much, EndBody sends the final dot. RSET comes before a message only when the
//   previous transaction was left open.
//   Timeouts: every wait arms one deadline from ClientSettings (RFC 5321 §4.5.3.2 defaults);
//   HandleDeadline ends the session when it passes.
// Outcomes
//   One per recipient (MessageOutcome): Delivered only on a 2xx to the final dot; Transient for
//   4xx, timeouts, lost connections and protocol errors; Permanent for 5xx, a SIZE the server
//   cannot take (552 5.3.4, RFC 1870) and addresses we must not send. A failure of the session as
//   a whole ends it, and End says what the loop should do with the address (ClientEnd:
//   TryNextAddress, Broken, Refused, Quit). After the final dot, silence is Transient with
//   "end of data sent -- message may be delivered twice": never lost, possibly duplicated.
// Invariants
//   - Receive never throws on any input and always leaves the session in a defined state; misuse
//     of the API (calls out of order) throws.
//   - A finished message has no Pending recipient; no recipient is both delivered and failed.
//   - Nothing read before the TLS upgrade is taken as a reply after it.
//   - The wire never carries a bare CR, bare LF or NUL: addresses are checked with PathParser
//     before they go into a command, the body passes DotEncoder.
//   - Memory is bounded: one reply line; the output holds one pipelined group of commands or at
//     most BodyOutputLimit + 1 bytes of body (WriteBody takes no more); no message
//     is held. The loop must keep reading replies while it sends (RFC 2920 §3.1).
//   - The body API cannot be driven wrong: WriteBody takes any amount and returns what it took,
//     EndBody ends the data; outside the body both do nothing (no exception can reach the loop).
// Deliberately not here: CHUNKING/BINARYMIME, SMTPUTF8, DSN parameters (NOTIFY, ORCPT),
// BODY=8BITMIME declaration, other SASL mechanisms (CRAM-MD5, XOAUTH2), the TLS handshake itself
// and the choice of MX addresses (the loop's), a loop check on the server's name.
using System.Collections;
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpClientSession : Runtime.ITransmitter
    {
        public const long NoDeadline = long.MaxValue;
        /// <summary>Encoded body bytes the session holds before it stops taking more (WantsBody).</summary>
        public const int BodyOutputLimit = 1024; // unless ClientSettings.BodyOutputLimit says otherwise
        // Pipelined commands are queued while less than this waits to be sent; the rest follow as
        // Sending drains the output, so 100 recipients do not grow the buffer (RFC 2920 §3.1
        // lets a group span many writes).
        private const int CommandOutputLimit = 1024;
        // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
        private const int MaxCommandLine = 512;

        // Connection
        private readonly ClientSettings _settings;
        private int _state;
        private long _deadlineMs;
        private bool _tls;
        private bool _quitRequested;
        private int _messagesDone;

        // The end
        private int _end = ClientEnd.Running;
        private Reply _endReply;
        private bool _endFromServer;
        private int _endStage;

        // Server
        private readonly ReplyReader _reader = new ReplyReader();
        private readonly ServerCapabilities _server = new ServerCapabilities();
        private string _greeting;

        // Output: commands, or encoded body up to BodyOutputLimit + 1 bytes.
        // Sized so that it never grows: body up to BodyOutputLimit + 1, or commands up to
        // CommandOutputLimit plus one command line (AUTH PLAIN's may be longer than 512).
        private readonly ByteBuffer _output;
        private readonly int _bodyLimit;    // ClientSettings.BodyOutputLimit
        private readonly ArrayList _events = new ArrayList();

        /// <summary>A session for a connection the loop is about to open; the connect timeout runs from nowMs.</summary>
        public SmtpClientSession(ClientSettings settings, long nowMs)
        {
            if (settings == null) throw new System.ArgumentNullException("settings");
            _bodyLimit = settings.BodyOutputLimit;
            _output = new ByteBuffer(_bodyLimit + 1024);
            if (!IsWord(settings.Hostname)) throw new System.ArgumentException("ClientSettings.Hostname must be one word of printable ASCII");
            if (settings.AuthUser != null && (settings.AuthPassword == null || HasNul(settings.AuthUser) ||
                HasNul(settings.AuthPassword) || HasNul(settings.AuthIdentity)))
            {
                throw new System.ArgumentException("AUTH needs a user and a password without NUL characters");
            }
            _settings = settings;
            _state = ClientState.AwaitingConnect;
            _deadlineMs = nowMs + settings.ConnectTimeoutMs;
        }

        // ---- Reading the state -------------------------------------------------------------

        /// <summary>A ClientState value.</summary>
        public int State { get { return _state; } }
        public bool IsClosed { get { return _state == ClientState.Closed; } }
        /// <summary>A ClientEnd value: Running until the session ends or is asked to quit.</summary>
        public int End { get { return _end; } }
        /// <summary>The reply that ended the session (from the server or made up); null for Running and Quit.</summary>
        public Reply EndReply { get { return _endReply; } }
        /// <summary>True when EndReply is the server's own reply, false when the client made it up.</summary>
        public bool EndReplyFromServer { get { return _endFromServer; } }
        /// <summary>The ClientState in which the session failed.</summary>
        public int EndStage { get { return _endStage; } }
        /// <summary>The text of the server's 220 greeting.</summary>
        public string Greeting { get { return _greeting; } }
        /// <summary>What the server offered in its last EHLO reply.</summary>
        public ServerCapabilities Server { get { return _server; } }
        /// <summary>True after CompleteTls(true).</summary>
        public bool IsTls { get { return _tls; } }
        /// <summary>For the loop at StartTls: whether to verify the server's certificate.</summary>
        public bool VerifyCertificate { get { return _settings.VerifyCertificate; } }
        public bool HasOutput { get { return _output.Count > 0 || CommandsWaiting; } }

        // ---- Driving API ---------------------------------------------------------------------

        /// <summary>The TCP connection is up: wait for the greeting (RFC 5321 §4.5.3.2.1).</summary>
        public void Connected(long nowMs)
        {
            RequireState(ClientState.AwaitingConnect, "Connected");
            _state = ClientState.AwaitingGreeting;
            _deadlineMs = nowMs + _settings.GreetingTimeoutMs;
        }

        /// <summary>The TCP connection could not be made: the session ends TryNextAddress.</summary>
        public void ConnectFailed(string detail)
        {
            RequireState(ClientState.AwaitingConnect, "ConnectFailed");
            Fail(ClientReplies.ConnectFailed(detail), false, DeliveryStatus.Transient, false, 0);
        }

        /// <summary>
        /// Feeds bytes from the server; always consumes all of them. Bytes after the 220 to
        /// STARTTLS and before CompleteTls, and bytes after the session closed, are discarded.
        /// </summary>
        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            if (_state == ClientState.AwaitingConnect) throw new System.InvalidOperationException("Receive called before Connected");
            int used = 0;
            while (used < count && _state != ClientState.Closed && _state != ClientState.AwaitingTls)
            {
                used += _reader.Read(buffer, offset + used, count - used);
                if (_reader.Status == ReplyReader.Malformed)
                {
                    // The replies can no longer be matched to the commands: end without QUIT.
                    Fail(ClientReplies.ProtocolError(_reader.Error, _state), false, DeliveryStatus.Transient, false, nowMs);
                    break;
                }
                if (_reader.Status == ReplyReader.Complete) HandleReply(_reader.Reply, nowMs);
            }
            // RFC 3207 §4.2: nothing the server sent before the TLS upgrade may count after it
            // (the client side of Postfix's CVE-2011-0411), so the rest is dropped.
            return count;
        }

        /// <summary>The server closed its side (or the connection failed).</summary>
        public void ReceiveEof()
        {
            if (_state == ClientState.Closed) return;
            if (_state == ClientState.AwaitingQuit)
            {
                Close();
                return;
            }
            Fail(ClientReplies.ConnectionLost(_state), false, DeliveryStatus.Transient, false, 0);
        }

        /// <summary>The bytes to send, where they are (ITransmitter): the socket takes them straight from the session.</summary>
        public int PeekTransmit(out byte[] buffer, out int offset)
        {
            buffer = _output.Array;
            offset = _output.Start;
            return _output.Count;
        }

        /// <summary>count of the bytes PeekTransmit showed were sent.</summary>
        public void Transmitted(int count)
        {
            if (count < 0 || count > _output.Count) throw new System.ArgumentOutOfRangeException("count");
            _output.Consume(count);
            if (count > 0 && CommandsWaiting) SendCommands();
        }

        /// <summary>The next ClientEvent, or ClientEvent.None.</summary>
        public int PollEvent()
        {
            if (_events.Count > 0)
            {
                int e = (int)_events[0];
                _events.RemoveAt(0);
                return e;
            }
            // Body is asked for only while the output has room, so it stays within
            // BodyOutputLimit and a stalled link stops the reading of the spool.
            if (WantsBody && !_bodyRequested)
            {
                _bodyRequested = true;
                return ClientEvent.NeedBody;
            }
            return ClientEvent.None;
        }

        /// <summary>When HandleDeadline must be called next; NoDeadline while the session waits for the loop only.</summary>
        public long PollDeadline()
        {
            if (_state == ClientState.Closed || _state == ClientState.AwaitingMessage) return NoDeadline;
            return _deadlineMs;
        }

        public void HandleDeadline(long nowMs)
        {
            if (nowMs < PollDeadline()) return;
            switch (_state)
            {
                case ClientState.AwaitingConnect:
                    Fail(ClientReplies.ConnectTimeout, false, DeliveryStatus.Transient, false, nowMs);
                    break;
                case ClientState.AwaitingQuit:
                    Close();
                    break;
                default:
                    // A reply may still be on its way: the conversation is out of step, no QUIT.
                    Fail(ClientReplies.Timeout(_state), false, DeliveryStatus.Transient, false, nowMs);
                    break;
            }
        }

        /// <summary>
        /// The loop finished the TLS handshake it started at StartTls. On success EHLO is sent
        /// again (RFC 3207 §4.2); on failure the session ends TryNextAddress (the connection is
        /// unusable; with opportunistic TLS the loop may retry the address with ClientTls.Off).
        /// </summary>
        public void CompleteTls(bool ok, long nowMs)
        {
            RequireState(ClientState.AwaitingTls, "CompleteTls");
            if (!ok)
            {
                Fail(ClientReplies.TlsFailed, false, DeliveryStatus.Transient, false, nowMs);
                return;
            }
            _tls = true;
            _reader.Reset();
            SendEhlo(nowMs);
        }

        /// <summary>
        /// No more messages: QUIT now, or once the greeting phase is over. Throws while a message
        /// is in progress (wait for MessageDone); does nothing once the session is closing.
        /// </summary>
        public void Quit(long nowMs)
        {
            if (_outcome != null) throw new System.InvalidOperationException("Quit called while a message is in progress");
            if (_state == ClientState.Closed || _state == ClientState.AwaitingQuit) return;
            if (_end == ClientEnd.Running) _end = ClientEnd.Quit;
            if (_state == ClientState.AwaitingMessage) SendQuit(nowMs);
            else if (_state == ClientState.AwaitingConnect || _state == ClientState.AwaitingTls) Close();
            else _quitRequested = true;
        }

        private void RequireState(int expected, string call)
        {
            // Misuse of the API is a bug in the caller, not a protocol error: throw.
            if (_state != expected)
            {
                throw new System.InvalidOperationException(call + " called in state " + ClientState.Name(_state));
            }
        }

        // ---- Replies -------------------------------------------------------------------------

        private void HandleReply(Reply reply, long nowMs)
        {
            if (reply.Code == 421 && _state != ClientState.AwaitingQuit)
            {
                // RFC 5321 §3.8: the server is closing the connection, whatever we asked.
                Fail(reply, true, DeliveryStatus.Transient, false, nowMs);
                return;
            }
            switch (_state)
            {
                case ClientState.AwaitingGreeting: OnGreeting(reply, nowMs); break;
                case ClientState.AwaitingEhlo: OnEhlo(reply, nowMs); break;
                case ClientState.AwaitingHelo: OnHelo(reply, nowMs); break;
                case ClientState.AwaitingStartTls: OnStartTls(reply, nowMs); break;
                case ClientState.AwaitingAuth: OnAuth(reply, nowMs); break;
                case ClientState.AwaitingRset: OnRset(reply, nowMs); break;
                case ClientState.AwaitingMail:
                case ClientState.AwaitingRcpt:
                case ClientState.AwaitingData: OnTransactionReply(reply, nowMs); break;
                case ClientState.AwaitingEndOfData: OnEndOfData(reply, nowMs); break;
                case ClientState.AwaitingQuit: Close(); break;
                default:
                    // AwaitingMessage, SendingBody: nothing was asked. An error reply is kept as
                    // the reason; either way the conversation is out of step.
                    if (reply.Code >= 400) Fail(reply, true, DeliveryStatus.Transient, false, nowMs);
                    else Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
                    break;
            }
        }

        private Reply Unexpected(Reply reply)
        {
            return ClientReplies.ProtocolError("unexpected reply \"" + reply.Format(true) + "\"", _state);
        }

        // ---- Ending ----------------------------------------------------------------------------

        /// <summary>
        /// The session as a whole failed: the current message's undecided recipients take status
        /// and reply, End says what it means for the address, and the session closes — after QUIT
        /// when the conversation is still in step (RFC 5321 §4.1.1.10).
        /// </summary>
        private void Fail(Reply reply, bool fromServer, int status, bool sendQuit, long nowMs)
        {
            if (_state == ClientState.Closed) return;
            if (_state == ClientState.AwaitingQuit)
            {
                // Everything was decided before QUIT; whatever goes wrong now only closes.
                Close();
                return;
            }
            int stage = _state;
            if (status == DeliveryStatus.Permanent) _end = ClientEnd.Refused;
            else if (_outcome != null ? _accepted == 0 : _messagesDone == 0) _end = ClientEnd.TryNextAddress;
            else _end = ClientEnd.Broken;
            _endReply = reply;
            _endFromServer = fromServer;
            _endStage = stage;
            if (_outcome != null)
            {
                bool afterDot = stage == ClientState.AwaitingEndOfData;
                for (int i = 0; i < _outcome.Recipients.Length; i++)
                {
                    RecipientOutcome r = _outcome.Recipients[i];
                    if (r.Status != DeliveryStatus.Pending) continue;
                    Decide(r, status, reply, fromServer, stage);
                    if (afterDot && r.Accepted && !fromServer) _outcome.MayBeDeliveredTwice = true;
                }
                _outcome.TryNextAddress = _end == ClientEnd.TryNextAddress;
                FinishMessage();
            }
            if (sendQuit) SendQuit(nowMs);
            else Close();
        }

        private void SendQuit(long nowMs)
        {
            Queue("QUIT");
            _state = ClientState.AwaitingQuit;
            _deadlineMs = nowMs + _settings.QuitTimeoutMs;
        }

        private void Close()
        {
            if (_state == ClientState.Closed) return;
            _state = ClientState.Closed;
            _deadlineMs = NoDeadline;
            _output.Clear();
            _events.Add(ClientEvent.Closed);
        }

        // ---- Output --------------------------------------------------------------------------

        private void Queue(string line)
        {
            _output.Append(line);
            _output.Append("\r\n");
        }

        private static bool IsWord(string text)
        {
            if (text == null || text.Length == 0) return false;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] <= ' ' || text[i] > '~') return false;
            }
            return true;
        }

        private static bool HasNul(string text)
        {
            return text != null && text.IndexOf('\0') >= 0;
        }
    }
}
