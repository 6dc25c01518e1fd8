// The POP3 server side of one connection (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS), sans-I/O:
// bytes and time in, reply bytes, events and a deadline out. It never touches a socket, clock or
// password file; the loop (Runtime) feeds it, checks logins, locks maildrops and does TLS.
//
// How it works
//   Receive() splits input into command lines (CRLF only; a bare CR, bare LF or NUL gets -ERR and
//   closes; RFC 2449 §4: at most 255 octets with CRLF) and dispatches each to a handler that checks,
//   updates fields and queues one status line (.Commands.cs). Pipelined commands (RFC 2449 §6.6) are
//   handled in order: input is read only while the session waits for a command and fewer than
//   MaxPendingOutput reply bytes wait, so a client that never reads cannot grow our memory.
//   AUTHORIZATION: USER, then PASS raises AuthRequested; the loop answers CompleteAuth with a locked
//   maildrop or a failure text ("[IN-USE] mailbox locked", "[AUTH] …"), as slowly as it likes.
//   STLS queues +OK and raises StartTls; every byte received after the STLS line and before
//   CompleteTls was sent in clear and is discarded (the STARTTLS command injection, CVE-2011-0411).
//   TRANSACTION: message numbers are fixed at login; DELE only marks; multi-line replies (LIST,
//   UIDL, RETR, TOP) are streamed (.Transfer.cs): PeekTransmit pulls more listing lines or message
//   bytes, byte-stuffed, only while less than TransmitLimit bytes wait. QUIT raises Commit (UPDATE,
//   RFC 1939 §6); the loop removes the marked messages and answers CompleteCommit.
// Invariants
//   - Receive never throws on any input and always leaves the session in a defined state; misuse
//     of the API (a verdict nobody asked for) throws.
//   - Messages are removed only after QUIT in TRANSACTION: EOF, timeouts, errors and Shutdown never
//     commit (RFC 1939 §6).
//   - The session unlocks the maildrop exactly once, when it ends; after QUIT only once the commit
//     verdict is in. The loop never unlocks a maildrop it handed over.
//   - The password is dropped when the verdict comes (CompleteAuth); it is never logged.
//   - Memory is bounded: one command line, TransmitLimit plus one stuffed read chunk of output, the
//     per-message deleted flags. No message is held whole.
// Deliberately not here: APOP, AUTH (SASL), the EXPIRE and LOGIN-DELAY capabilities, implicit TLS
// on port 995 (the loop creates the session with tls = true), the maildrop's storage.
using System.Collections;
using MailGateway.Core.Text;

namespace MailGateway.Core.Local
{
    public sealed partial class Pop3Session : Runtime.IServerSession
    {
        public const long NoDeadline = long.MaxValue;
        /// <summary>Message bytes and listing lines are pulled only while fewer than this many reply bytes wait.</summary>
        public const int TransmitLimit = 1024;
        // Commands are not read while this many reply bytes wait for the socket.
        private const int MaxPendingOutput = 1024;
        // Message bytes read from the maildrop at a time.
        private const int ReadChunk = 512;

        // Commands allowed per state (bit masks); the "not valid" text is generated from the same masks.
        private static readonly int[] AllowedVerbs = BuildAllowedVerbs();

        // Connection
        private readonly Pop3Settings _settings;
        private readonly string _clientAddress;
        private int _state;
        private bool _tls;
        private int _errors;
        private int _authFailures;
        private long _deadlineMs;
        private bool _sentWhileStreaming;   // stream bytes were sent since the last deadline check
        private int _pendingVerdict;        // the Pop3Event whose Complete… call is due, or None
        private long _discardedAfterStls;

        // Command line being read
        private readonly CommandLineReader _lines;

        // Authorization
        private string _user;
        private string _password;

        // Transaction
        private IMaildrop _maildrop;
        private bool _unlocked;
        private int _count;
        private bool[] _deleted;
        private int _deletedCount;
        private int _retrieved;
        private long _retrievedBytes;
        private int _topCount;

        // Output
        // Never grows: TransmitLimit plus one read chunk, doubled by byte-stuffing at worst.
        private readonly ByteBuffer _output = new ByteBuffer(TransmitLimit + 2 * ReadChunk + 16);
        private readonly ArrayList _events = new ArrayList();
        private readonly ArrayList _logLines = new ArrayList();

        /// <param name="tls">True when the connection is TLS from the start (port 995).</param>
        public Pop3Session(Pop3Settings settings, string clientAddress, bool tls, long nowMs)
        {
            _settings = settings;
            _lines = new CommandLineReader(settings.MaxCommandLine);
            _clientAddress = clientAddress;
            _tls = tls;
            _state = Pop3State.AwaitingUser;
            _deadlineMs = nowMs + settings.IdleTimeoutMs;
            QueueLine("+OK " + settings.Hostname + " POP3 ready");
        }

        // ---- Reading the state -------------------------------------------------------------

        public int State { get { return _state; } }
        public string ClientAddress { get { return _clientAddress; } }
        public bool IsTls { get { return _tls; } }
        public bool IsClosed { get { return _state == Pop3State.Closed; } }
        public bool IsClosing { get { return _state >= Pop3State.Closing; } }
        /// <summary>The name given with USER (for AuthRequested and the logs).</summary>
        public string User { get { return _user; } }
        /// <summary>The password given with PASS; only between AuthRequested and CompleteAuth, otherwise null.</summary>
        public string Password { get { return _password; } }
        /// <summary>The locked maildrop after a successful login (the loop commits through it at Commit); null before.</summary>
        public IMaildrop Maildrop { get { return _maildrop; } }
        /// <summary>Messages marked with DELE and not restored by RSET.</summary>
        public int DeletedCount { get { return _deletedCount; } }
        /// <summary>Reply bytes waiting for the socket.</summary>
        public int PendingOutput { get { return _output.Count; } }

        // ---- Driving API ---------------------------------------------------------------------

        /// <summary>
        /// Feeds bytes from the client; returns how many were consumed. Fewer than count are consumed
        /// while a verdict is awaited, while a multi-line reply streams, while replies wait to be sent,
        /// or once the session is closing; the caller keeps the rest and offers it again later.
        /// Between STLS and CompleteTls everything is consumed and discarded.
        /// </summary>
        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            int used = 0;
            while (used < count)
            {
                if (_state == Pop3State.AwaitingTls)
                {
                    // RFC 2595 §4 / RFC 3207 §6: plaintext behind STLS must not be read as commands after TLS.
                    _discardedAfterStls += count - used;
                    used = count;
                    break;
                }
                if (!Pop3State.ReadsCommands(_state) || _output.Count >= MaxPendingOutput) break;
                int n = ReceiveCommandBytes(buffer, offset + used, count - used);
                if (n == 0) break;
                used += n;
            }
            // Only bytes taken count as activity: a client that sends but never reads its replies
            // stalls the session, and then times out like a silent one.
            if (used > 0 && Pop3State.ReadsCommands(_state)) _deadlineMs = nowMs + _settings.IdleTimeoutMs;
            return used;
        }

        /// <summary>True when Receive would take bytes now (see Receive for when it does not).</summary>
        public bool CanReceive
        {
            get
            {
                if (_state == Pop3State.AwaitingTls) return true;
                return Pop3State.ReadsCommands(_state) && _output.Count < MaxPendingOutput;
            }
        }

        /// <summary>
        /// The client closed its side, or the connection broke. Nothing is deleted (RFC 1939 §6: no
        /// UPDATE without QUIT); replies already queued still go out.
        /// </summary>
        public void ReceiveEof()
        {
            if (_state >= Pop3State.Closing) return;
            if (_state != Pop3State.AwaitingCommit)
            {
                _logLines.Add("disconnected in " + Pop3State.Name(_state) + " " + Who() +
                              (_maildrop != null ? ", nothing deleted" : ""));
            }
            // A stream cut short must not look finished: drop what is queued of it.
            if (_state == Pop3State.Sending) _output.Clear();
            End(_output.Count > 0 ? Pop3State.Closing : Pop3State.Closed);
        }

        /// <summary>
        /// The reply bytes waiting, where they are (IServerSession.PeekTransmit); while a multi-line
        /// reply streams, this is what pulls more of it from the maildrop.
        /// </summary>
        public int PeekTransmit(out byte[] buffer, out int offset)
        {
            if (_output.Count == 0 && _state == Pop3State.Sending) Stream();
            buffer = _output.Array;
            offset = _output.Start;
            return _output.Count;
        }

        /// <summary>count of the bytes PeekTransmit showed are sent; a closing session is closed once all are.</summary>
        public void Transmitted(int count)
        {
            if (count < 0 || count > _output.Count) throw new System.ArgumentOutOfRangeException("count");
            _output.Consume(count);
            if (count > 0 && _state == Pop3State.Sending) _sentWhileStreaming = true;
            if (_output.Count == 0 && _state == Pop3State.Closing) _state = Pop3State.Closed;
        }

        public bool HasOutput { get { return _output.Count > 0 || _state == Pop3State.Sending; } }

        /// <summary>The next Pop3Event, or Pop3Event.None.</summary>
        public int PollEvent()
        {
            if (_events.Count == 0) return Pop3Event.None;
            int e = (int)_events[0];
            _events.RemoveAt(0);
            return e;
        }

        /// <summary>The next log line, or null. Passwords never appear in them.</summary>
        public string PollLogLine()
        {
            if (_logLines.Count == 0) return null;
            string line = (string)_logLines[0];
            _logLines.RemoveAt(0);
            return line;
        }

        /// <summary>
        /// When HandleDeadline must be called next; NoDeadline while the loop owes a verdict or does the
        /// TLS handshake (its own timers apply), and once the session is closing.
        /// </summary>
        public long PollDeadline()
        {
            if (_state >= Pop3State.Closing) return NoDeadline;
            if (_state == Pop3State.AwaitingAuth || _state == Pop3State.AwaitingTls ||
                _state == Pop3State.AwaitingCommit)
            {
                return NoDeadline;
            }
            return _deadlineMs;
        }

        /// <summary>
        /// The idle timer (RFC 1939 §3): after IdleTimeoutMs without a byte from the client the session
        /// closes without a reply and without UPDATE. While a multi-line reply streams, bytes taken by
        /// sent since the last call also count as activity (so the idle time there is between
        /// one and two timeouts: sending has no clock).
        /// </summary>
        public void HandleDeadline(long nowMs)
        {
            if (nowMs < PollDeadline()) return;
            if (_sentWhileStreaming)
            {
                _sentWhileStreaming = false;
                _deadlineMs = nowMs + _settings.IdleTimeoutMs;
                return;
            }
            _logLines.Add("timeout in " + Pop3State.Name(_state) + " " + Who() +
                          (_maildrop != null ? ", nothing deleted" : ""));
            // RFC 1939 §3: "close the TCP connection without removing any messages or sending any response".
            _output.Clear();
            End(Pop3State.Closed);
        }

        /// <summary>The loop is shutting down: say so and close; nothing is deleted.</summary>
        public void Shutdown()
        {
            if (_state >= Pop3State.Closing) return;
            _logLines.Add("shutdown in " + Pop3State.Name(_state) + " " + Who());
            if (_state == Pop3State.Sending)
            {
                // Mid-message a status line would read as message text: cut the stream, unterminated.
                _output.Clear();
                End(Pop3State.Closed);
                return;
            }
            Send(Pop3Replies.ShuttingDown);
        }

        // ---- Verdicts from the loop ----------------------------------------------------------

        /// <summary>
        /// The loop's answer to AuthRequested. ok: maildrop is open and locked by the loop, and from
        /// now on the session's to unlock. Not ok: maildrop is null and failureText is the reply text
        /// after "-ERR " (Pop3Replies.MailboxInUse, Pop3Replies.LoginFailed; null means LoginFailed).
        /// Allowed after the session closed (EOF while the loop checked): a maildrop is then unlocked at once.
        /// </summary>
        public void CompleteAuth(bool ok, IMaildrop maildrop, string failureText)
        {
            RequireVerdict(Pop3Event.AuthRequested, "CompleteAuth");
            if (ok && maildrop == null) throw new System.ArgumentNullException("maildrop");
            _password = null;
            if (_state >= Pop3State.Closing)
            {
                if (ok) Unlock(maildrop);
                return;
            }
            if (!ok)
            {
                string text = failureText == null || failureText.Length == 0 ? Pop3Replies.LoginFailed : OneLine(failureText);
                _authFailures++;
                _logLines.Add("login failed " + Who() + ": " + text);
                _user = null;
                _state = Pop3State.AwaitingUser;
                QueueLine("-ERR " + text);
                if (_authFailures >= _settings.MaxAuthFailures)
                {
                    _logLines.Add("too many failed logins " + Who());
                    Send(Pop3Replies.TooManyFailures);
                }
                return;
            }
            _maildrop = maildrop;
            _count = maildrop.Count;
            _deleted = new bool[_count];
            _state = Pop3State.AwaitingCommand;
            long octets = VisibleOctets();
            _logLines.Add("login " + Who() + " messages=" + _count.ToString() + " octets=" + octets.ToString() +
                          (_tls ? " tls" : ""));
            // RFC 1939 §10 example: "+OK mrose's maildrop has 2 messages (320 octets)".
            QueueLine("+OK " + _user + "'s maildrop has " + Messages(_count) + " (" + octets.ToString() + " octets)");
        }

        /// <summary>
        /// The loop's answer to StartTls. ok: the connection is TLS now; the session is back in
        /// AUTHORIZATION with nothing remembered (RFC 2595 §4) and no new greeting. Not ok: the
        /// connection is unusable and the session is closed.
        /// </summary>
        public void CompleteTls(bool ok)
        {
            RequireVerdict(Pop3Event.StartTls, "CompleteTls");
            if (_state >= Pop3State.Closing) return;
            string discarded = _discardedAfterStls > 0
                ? ", discarded " + _discardedAfterStls.ToString() + " bytes sent after STLS" : "";
            _discardedAfterStls = 0;
            if (!ok)
            {
                _logLines.Add("TLS handshake failed from [" + _clientAddress + "]" + discarded);
                _output.Clear();
                End(Pop3State.Closed);
                return;
            }
            _tls = true;
            _user = null;
            _state = Pop3State.AwaitingUser;
            _logLines.Add("TLS started from [" + _clientAddress + "]" + discarded);
        }

        /// <summary>
        /// The loop's answer to Commit: ok when every marked message is gone (Maildrop.CommitDeletions).
        /// The session replies, unlocks the maildrop and closes.
        /// </summary>
        public void CompleteCommit(bool ok)
        {
            RequireVerdict(Pop3Event.Commit, "CompleteCommit");
            _logLines.Add("logout " + Who() + " top=" + _topCount.ToString() + " retr=" + _retrieved.ToString() + "/" +
                          _retrievedBytes.ToString() + " del=" + _deletedCount.ToString() + "/" + _count.ToString() +
                          (ok ? "" : " commit failed"));
            if (_state >= Pop3State.Closing)
            {
                Unlock(_maildrop);
                return;
            }
            if (!ok)
            {
                Send(Pop3Replies.CommitFailed);
                return;
            }
            int left = _count - _deletedCount;
            // RFC 1939 §6 example: "+OK dewey POP3 server signing off (maildrop empty)".
            Send(Pop3Reply.Positive(_settings.Hostname + " POP3 server signing off (" +
                                    (left == 0 ? "maildrop empty" : Messages(left) + " left") + ")").Closing());
        }

        private void RequireVerdict(int pending, string call)
        {
            // Misuse of the API is a bug in the caller, not a protocol error: throw.
            if (_pendingVerdict != pending)
            {
                throw new System.InvalidOperationException(call + " called without " + Pop3Event.Name(pending) +
                                                           " (state " + Pop3State.Name(_state) + ")");
            }
            _pendingVerdict = Pop3Event.None;
        }

        private void Ask(int pendingEvent, int state)
        {
            _pendingVerdict = pendingEvent;
            _state = state;
            _events.Add(pendingEvent);
        }

        // ---- Output and ending ---------------------------------------------------------------

        private void Send(Pop3Reply reply)
        {
            QueueLine(reply.Format());
            if (reply.Closes) End(Pop3State.Closing);
        }

        /// <summary>Sends an error reply and counts it; too many errors end the session.</summary>
        private void SendError(Pop3Reply reply)
        {
            Send(reply);
            _errors++;
            if (_errors >= _settings.MaxErrors && _state < Pop3State.Closing)
            {
                _logLines.Add("too many errors in " + Pop3State.Name(_state) + " " + Who());
                Send(Pop3Replies.TooManyErrors);
            }
        }

        private void QueueLine(string line)
        {
            _output.Append(line);
            _output.Append("\r\n");
        }

        // The one way out: the maildrop is unlocked here unless a commit is still running.
        private void End(int state)
        {
            _state = state;
            _password = null;
            if (_pendingVerdict != Pop3Event.Commit) Unlock(_maildrop);
        }

        private void Unlock(IMaildrop maildrop)
        {
            if (maildrop == null || (maildrop == _maildrop && _unlocked)) return;
            if (maildrop == _maildrop) _unlocked = true;
            try
            {
                maildrop.Unlock();
            }
            catch (System.Exception e)
            {
                _logLines.Add("unlock failed " + Who() + ": " + e.Message);
            }
        }

        private string Who()
        {
            return (_user != null ? "user=<" + _user + "> " : "") + "from [" + _clientAddress + "]";
        }

        private long VisibleOctets()
        {
            long octets = 0;
            for (int i = 0; i < _count; i++)
            {
                if (!_deleted[i]) octets += _maildrop.Size(i);
            }
            return octets;
        }

        private static string Messages(int n)
        {
            return n == 1 ? "1 message" : n.ToString() + " messages";
        }

        // A failure text from the loop goes on the wire: keep it on one line.
        private static string OneLine(string text)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] < ' ' || chars[i] > '~') chars[i] = ' ';
            }
            return new string(chars);
        }

        private static int[] BuildAllowedVerbs()
        {
            int[] allowed = new int[Pop3State.Count];
            allowed[Pop3State.AwaitingUser] = Pop3Verb.Authorization;
            allowed[Pop3State.AwaitingPass] = Pop3Verb.Authorization;
            allowed[Pop3State.AwaitingCommand] = Pop3Verb.Transaction;
            return allowed;
        }
    }
}
