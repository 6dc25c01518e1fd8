// One console connection (console.listen; the serial console uses the same shell): lines in, text
// out. The gateway runs each command (Gateway.Console.cs, ConsoleShell) between reads; this class
// only frames lines, asks for the password, and holds the output.
//
// The dialog:
//   MailGateway console on HOST (mailgw VERSION)
//   password:            only when console.password is set; a wrong one is answered after a delay,
//                        the third ends the connection (and the gateway's login throttle counts it)
//   mailgw> status       a command per line; its output follows, then the prompt again
//   mailgw> quit
// "script" switches to the mode programs use (mailgw queue, mailgw console -c): no prompts, and
// each command's output ends with a line holding a single "." (a line of its own that starts
// with "." gets one more, as in SMTP's DATA and POP3, RFC 5321 §4.5.2).
// While a command's output is being produced no input is read; long output (a queue of thousands)
// is produced a little at a time as the socket takes it (IConsoleProducer), so memory stays at
// OutputBytes whatever the queue holds (mailgw budget counts a session at that size).
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Console
{
    public sealed class ConsoleSession : IServerSession
    {
        public const int MaxLineBytes = 512;
        /// <summary>The most one Write adds (a longer text is cut): a recipient with a 1000-character reply fits.</summary>
        public const int MaxWriteBytes = 2048;
        /// <summary>The output buffer, made at this size at once; a producer adds while MaxWriteBytes still fit.</summary>
        public const int OutputBytes = 3072;
        /// <summary>How long a wrong password waits for its answer.</summary>
        public const long FailureDelayMs = 2000;
        public const int MaxFailures = 3;
        /// <summary>Silence after which a session is closed.</summary>
        public const long IdleTimeoutMs = 10 * 60 * 1000;
        public const string Prompt = "mailgw> ";
        public const string PasswordPrompt = "password: ";

        public const int EventNone = 0;
        /// <summary>A password was typed (Password): the gateway checks it and calls CompleteLogin.</summary>
        public const int EventLogin = 1;
        /// <summary>A command line was typed (Command): the gateway runs it and calls EndCommand.</summary>
        public const int EventCommand = 2;
        /// <summary>A line asked for with AskSecret was typed (TakeSecret): never logged, never echoed.</summary>
        public const int EventSecret = 3;

        private readonly string _clientAddress;
        private readonly ByteBuffer _output = new ByteBuffer(OutputBytes);
        private readonly byte[] _line = new byte[MaxLineBytes];
        private int _lineLength;
        private bool _lineTooLong;
        private int _event;
        private bool _loggedIn;
        private bool _busy;
        private bool _closing;
        private bool _closed;
        private bool _atLineStart = true;
        private int _failures;
        private long _answerFailureAtMs;
        private long _idleDeadlineMs;
        private string _logLine;
        private readonly bool _local;
        private bool _wantSecret;
        private string _secret;

        public ConsoleSession(ConsoleSettings settings, string clientAddress, long nowMs)
            : this(settings, clientAddress, nowMs, false)
        {
        }

        /// <summary>local: a line the platform owns (a terminal, a serial port): never closed for being idle.</summary>
        public ConsoleSession(ConsoleSettings settings, string clientAddress, long nowMs, bool local)
        {
            _clientAddress = clientAddress;
            _local = local;
            _loggedIn = settings.Password == null || settings.Password.Length == 0;
            _idleDeadlineMs = local ? long.MaxValue : nowMs + IdleTimeoutMs;
            WriteLine("MailGateway console on " + settings.Hostname + " (mailgw " + settings.Version + ")");
            Write(_loggedIn ? Prompt : PasswordPrompt);
        }

        public string ClientAddress { get { return _clientAddress; } }
        /// <summary>Programs' mode: no prompts, each command's output ends with a "." line.</summary>
        public bool ScriptMode { get; set; }
        public bool LoggedIn { get { return _loggedIn; } }
        /// <summary>The password typed (EventLogin).</summary>
        public string Password { get; private set; }
        /// <summary>The command line typed (EventCommand).</summary>
        public string Command { get; private set; }
        /// <summary>A command whose output is still being produced, a little per pass; null when none.</summary>
        public IConsoleProducer Producer { get; set; }
        /// <summary>The producer waits for something outside (a DNS answer) whose arrival brings a pass: no need to come back at once.</summary>
        public bool ProducerWaiting { get; set; }
        /// <summary>There is room for at least one more Write.</summary>
        public bool HasRoom { get { return _output.Count <= OutputBytes - MaxWriteBytes; } }

        public int PollEvent()
        {
            int e = _event;
            _event = EventNone;
            return e;
        }

        public string PollLogLine()
        {
            string line = _logLine;
            _logLine = null;
            return line;
        }

        // ---- Input ---------------------------------------------------------------------------------

        /// <summary>
        /// Commands are read only while the last answer is done and most of it sent: a client that
        /// types without reading cannot make the output grow.
        /// </summary>
        public bool CanReceive
        {
            get { return !_busy && !_closing && !_closed && _answerFailureAtMs == 0 && _event == EventNone && HasRoom; }
        }

        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            int used = 0;
            while (used < count && CanReceive)
            {
                byte b = buffer[offset + used++];
                if (b == (byte)'\n')
                {
                    LineEnded(nowMs);
                }
                else if (b != (byte)'\r' && b != 0)
                {
                    if (_lineLength < _line.Length) _line[_lineLength++] = b;
                    else _lineTooLong = true;
                }
            }
            return used;
        }

        private void LineEnded(long nowMs)
        {
            if (!_local) _idleDeadlineMs = nowMs + IdleTimeoutMs;
            string text = Utf8.GetString(_line, 0, _lineLength);
            bool tooLong = _lineTooLong;
            _lineLength = 0;
            _lineTooLong = false;
            if (!_loggedIn)
            {
                Password = text;
                _event = EventLogin;
                _busy = true;
                return;
            }
            if (_wantSecret)
            {
                _wantSecret = false;
                _secret = text;
                _event = EventSecret;
                _busy = true;
                return;
            }
            if (tooLong)
            {
                WriteLine("error: a line of at most " + MaxLineBytes.ToString() + " bytes");
                EndCommand();
                return;
            }
            text = Ascii.Trim(text);
            if (text.Length == 0)
            {
                if (!ScriptMode) Write(Prompt);
                return;
            }
            Command = text;
            _event = EventCommand;
            _busy = true;
        }

        /// <summary>Lets go of an unfinished command's output (its lookups); the session is ending.</summary>
        public void Abandon()
        {
            if (Producer != null) Producer.Abandon();
            Producer = null;
        }

        public void ReceiveEof()
        {
            _closing = true;
            if (_output.Count == 0 && Producer == null) _closed = true;
        }

        // ---- Login ---------------------------------------------------------------------------------

        /// <summary>The gateway's verdict on Password; a failure is answered after FailureDelayMs.</summary>
        public void CompleteLogin(bool ok, long nowMs)
        {
            Password = null;
            _busy = false;
            if (ok)
            {
                _loggedIn = true;
                _failures = 0;
                _logLine = "console: login from " + _clientAddress;
                Write(Prompt);
                return;
            }
            _failures++;
            _logLine = "warning: console: wrong password from " + _clientAddress;
            _answerFailureAtMs = nowMs + FailureDelayMs;
        }

        // ---- Output --------------------------------------------------------------------------------

        public void Write(string text)
        {
            if (text.Length == 0) return;
            if (ScriptMode && _atLineStart && text[0] == '.') _output.Append((byte)'.');
            byte[] bytes = Utf8.GetBytes(text);
            _output.Append(bytes, 0, bytes.Length > MaxWriteBytes - 3 ? MaxWriteBytes - 3 : bytes.Length);
            _atLineStart = false;
        }

        public void WriteLine(string text)
        {
            Write(text);
            _output.Append((byte)'\r');
            _output.Append((byte)'\n');
            _atLineStart = true;
        }

        /// <summary>
        /// Asks for a secret line in the middle of a command (a new password): the prompt is written,
        /// the next line typed comes back as EventSecret (TakeSecret) and is never logged or echoed
        /// (a serial line stops echoing while SecretWanted).
        /// </summary>
        public void AskSecret(string prompt)
        {
            Write(prompt);
            _wantSecret = true;
            _busy = false;
        }

        /// <summary>A secret is being typed: the password at login, or one AskSecret asked for.</summary>
        public bool SecretWanted { get { return !_loggedIn || _wantSecret; } }

        /// <summary>The secret line typed, once; null when there is none.</summary>
        public string TakeSecret()
        {
            string s = _secret;
            _secret = null;
            return s;
        }

        /// <summary>The command's output is complete: the end mark (script mode) or the prompt.</summary>
        public void EndCommand()
        {
            Command = null;
            Producer = null;
            ProducerWaiting = false;
            _wantSecret = false;
            _secret = null;
            _busy = false;
            if (_closing) return;
            if (ScriptMode)
            {
                _output.Append((byte)'.');
                _output.Append((byte)'\r');
                _output.Append((byte)'\n');
                _atLineStart = true;
            }
            else Write(Prompt);
        }

        /// <summary>"quit": says goodbye and closes once that is sent.</summary>
        public void Quit()
        {
            Command = null;
            Producer = null;
            _busy = false;
            WriteLine("bye");
            _closing = true;
        }

        public bool HasOutput { get { return _output.Count > 0; } }

        public int PeekTransmit(out byte[] buffer, out int offset)
        {
            buffer = _output.Array;
            offset = _output.Start;
            return _output.Count;
        }

        public void Transmitted(int count)
        {
            _output.Consume(count);
            if (_closing && _output.Count == 0 && Producer == null) _closed = true;
        }

        // ---- Time and closing ----------------------------------------------------------------------

        public bool IsClosing { get { return _closing; } }
        public bool IsClosed { get { return _closed; } }

        public long PollDeadline()
        {
            if (Producer != null && HasRoom && !ProducerWaiting) return 0; // more to produce now: the loop comes back at once
            if (_answerFailureAtMs > 0) return _answerFailureAtMs;
            return _closing ? long.MaxValue : _idleDeadlineMs;
        }

        public void HandleDeadline(long nowMs)
        {
            if (_closed) return;
            if (_answerFailureAtMs > 0 && nowMs >= _answerFailureAtMs)
            {
                _answerFailureAtMs = 0;
                if (_failures >= MaxFailures)
                {
                    WriteLine("login failed; goodbye");
                    _closing = true;
                    return;
                }
                WriteLine("login failed");
                Write(PasswordPrompt);
                return;
            }
            if (!_closing && !_busy && nowMs >= _idleDeadlineMs)
            {
                WriteLine("idle for too long; goodbye");
                _closing = true;
                if (_output.Count == 0) _closed = true;
            }
        }

        public void Shutdown()
        {
            Abandon();
            WriteLine("the gateway is stopping; goodbye");
            _closing = true;
        }
    }
}
