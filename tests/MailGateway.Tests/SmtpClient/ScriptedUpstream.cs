// A scripted SMTP server for client tests, with the knobs of Postfix's smtp-sink: a command can
// be rejected hard (5xx) or soft (4xx), answered with 421 and a disconnect (-Q), met with a
// disconnect without a reply (-q), or with silence (a stall). Commands are named as smtp-sink
// names them: "connect" (the greeting), "ehlo", "helo", "starttls", "auth", "mail", "rcpt",
// "data", "." (the end of data), "rset", "quit". Custom replaces a command's normal reply;
// RcptReplies answer RCPT per address; AuthSteps script an AUTH exchange line by line.
// It records the commands, the data as it came over the wire and the messages after unstuffing.
using System.Text;
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;

namespace MailGateway.Tests.Client
{
    public sealed class ScriptedUpstream : IUpstream
    {
        public string Name = "sink.test";
        /// <summary>The text of the first EHLO line; null: Name.</summary>
        public string EhloText;
        /// <summary>EHLO lines after the first.</summary>
        public List<string> Keywords = new List<string> { "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES" };
        /// <summary>EHLO lines after STARTTLS; null: Keywords without STARTTLS.</summary>
        public List<string> KeywordsAfterTls;
        public readonly HashSet<string> Hard = new HashSet<string>();
        public readonly HashSet<string> Soft = new HashSet<string>();
        public readonly HashSet<string> Quit421 = new HashSet<string>();
        public readonly HashSet<string> Disconnect = new HashSet<string>();
        public readonly HashSet<string> Stall = new HashSet<string>();
        /// <summary>Command name → its reply instead of the normal one ("\n" between lines).</summary>
        public readonly Dictionary<string, string> Custom = new Dictionary<string, string>();
        /// <summary>Address → the reply to its RCPT.</summary>
        public readonly Dictionary<string, string> RcptReplies = new Dictionary<string, string>();
        /// <summary>Bytes sent right behind the 220 to STARTTLS, as an attacker on the path would (the client must drop them).</summary>
        public string InjectAfterStartTls;
        /// <summary>Each client line of an AUTH exchange and the reply to it; the exchange ends at a reply that is not 334.</summary>
        public List<(string Client, string Server)> AuthSteps;

        // What happened
        public readonly List<string> Commands = new List<string>();
        public readonly List<byte[]> DataWire = new List<byte[]>();
        public readonly List<byte[]> Messages = new List<byte[]>();
        public readonly List<string> AuthMismatches = new List<string>();
        public bool Tls;

        private readonly List<byte> _line = new List<byte>();
        private readonly List<byte> _output = new List<byte>();
        private readonly DataDecoder _decoder = new DataDecoder();
        private readonly byte[] _decoded = new byte[4096];
        private MemoryStream _data, _wire;
        private bool _inData, _stalled, _closing, _closed, _mailOk;
        private int _rcptOk, _authStep = -1, _messages;

        public bool IsClosed => _closed && _output.Count == 0;

        public void Connected(long nowMs) => Answer("connect", "220 " + Name + " ESMTP smtp-sink");

        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            if (_closing || _closed) return count;
            for (int i = 0; i < count && !_closing; i++)
            {
                if (_inData)
                {
                    int used = _decoder.Decode(buffer, offset + i, count - i, _decoded, 0, _decoded.Length, out int produced);
                    _wire.Write(buffer, offset + i, used);
                    _data.Write(_decoded, 0, produced);
                    i += used - 1;
                    if (_decoder.Status == DataDecoder.Running) continue;
                    _inData = false;
                    DataWire.Add(_wire.ToArray());
                    Messages.Add(_data.ToArray());
                    Commands.Add(".");
                    Answer(".", "250 2.0.0 Ok: queued as SINK" + (++_messages));
                    _mailOk = false;
                    _rcptOk = 0;
                    continue;
                }
                byte b = buffer[offset + i];
                _line.Add(b);
                if (b != '\n') continue;
                string line = Encoding.Latin1.GetString(_line.ToArray()).TrimEnd('\n').TrimEnd('\r');
                _line.Clear();
                Command(line);
            }
            return count;
        }

        public int PollTransmit(byte[] dst, int offset, int max)
        {
            int n = Math.Min(max, _output.Count);
            _output.CopyTo(0, dst, offset, n);
            _output.RemoveRange(0, n);
            if (_closing && _output.Count == 0) _closed = true;
            return n;
        }

        public void ReceiveEof() => _closed = true;

        public void StartTls()
        {
            Tls = true;
            _line.Clear();
        }

        public long PollDeadline() => SmtpClientSession.NoDeadline;

        public void HandleDeadline(long nowMs) { }

        private void Command(string line)
        {
            Commands.Add(line);
            if (_stalled) return;
            if (_authStep >= 0)
            {
                AuthLine(line);
                return;
            }
            string verb = (line.Contains(' ') ? line[..line.IndexOf(' ')] : line).ToLowerInvariant();
            if (verb.StartsWith("mail")) verb = "mail";
            if (verb.StartsWith("rcpt")) verb = "rcpt";
            switch (verb)
            {
                case "ehlo":
                    var keywords = Tls ? (KeywordsAfterTls ?? Keywords.Where(k => k != "STARTTLS").ToList()) : Keywords;
                    var lines = new List<string> { EhloText ?? Name };
                    lines.AddRange(keywords);
                    Answer(verb, string.Join("\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l)));
                    break;
                case "helo":
                    Answer(verb, "250 " + Name);
                    break;
                case "starttls":
                    if (Answer(verb, "220 2.0.0 Ready to start TLS") && InjectAfterStartTls != null) Send(InjectAfterStartTls);
                    break;
                case "auth":
                    if (AuthSteps == null)
                    {
                        Answer(verb, "503 5.5.1 Error: authentication not enabled");
                        break;
                    }
                    if (Stall.Contains(verb)) { _stalled = true; break; }
                    _authStep = 0;
                    AuthLine(line);
                    break;
                case "mail":
                    _mailOk = Answer(verb, "250 2.1.0 Ok");
                    _rcptOk = 0;
                    break;
                case "rcpt":
                    string address = line.Contains('<') ? line[(line.IndexOf('<') + 1)..line.IndexOf('>')] : "";
                    if (!_mailOk) Answer(verb, "503 5.5.1 Error: need MAIL command");
                    else if (Answer(verb, RcptReplies.TryGetValue(address, out string reply) ? reply : "250 2.1.5 Ok")) _rcptOk++;
                    break;
                case "data":
                    if (!_mailOk) Answer(verb, "503 5.5.1 Error: need RCPT command");
                    else if (_rcptOk == 0 && !Custom.ContainsKey("data")) Answer(verb, "554 5.5.1 Error: no valid recipients");
                    else if (Answer(verb, "354 End data with <CR><LF>.<CR><LF>"))
                    {
                        _inData = true;
                        _decoder.Reset();
                        _data = new MemoryStream();
                        _wire = new MemoryStream();
                    }
                    break;
                case "rset":
                    _mailOk = false;
                    Answer(verb, "250 2.0.0 Ok");
                    break;
                case "quit":
                    Answer(verb, "221 2.0.0 Bye");
                    _closing = true;
                    break;
                default:
                    Answer(verb, "502 5.5.2 Error: command not recognized");
                    break;
            }
        }

        /// <summary>Sends the knob's reply for the command, or the custom or normal one; true when what went out was positive (2xx/3xx).</summary>
        private bool Answer(string command, string normal)
        {
            if (Stall.Contains(command))
            {
                _stalled = true;
                return false;
            }
            if (Disconnect.Contains(command))
            {
                _closing = true;
                return false;
            }
            if (Quit421.Contains(command))
            {
                Send("421 4.3.0 " + Name + " Error: closing connection\r\n");
                _closing = true;
                return false;
            }
            if (Hard.Contains(command))
            {
                Send(command == "connect" ? "554 5.3.0 " + Name + " Error: no service\r\n" : "550 5.0.0 Error: " + command + " rejected\r\n");
                return false;
            }
            if (Soft.Contains(command))
            {
                Send(command == "connect" ? "450 4.3.0 " + Name + " Error: try later\r\n" : "450 4.0.0 Error: " + command + " rejected\r\n");
                return false;
            }
            string reply = Custom.TryGetValue(command, out string custom) ? custom : normal;
            Send(reply.Replace("\n", "\r\n") + "\r\n");
            return reply[0] == '2' || reply[0] == '3';
        }

        private void AuthLine(string line)
        {
            if (_authStep >= AuthSteps.Count)
            {
                AuthMismatches.Add("unexpected line " + line);
                Send("501 5.5.4 Error: unexpected\r\n");
                _authStep = -1;
                return;
            }
            var (client, server) = AuthSteps[_authStep++];
            if (line != client) AuthMismatches.Add("expected \"" + client + "\", got \"" + line + "\"");
            Send(server + "\r\n");
            if (!server.StartsWith("334")) _authStep = -1;
        }

        private void Send(string text) => _output.AddRange(Encoding.Latin1.GetBytes(text));
    }
}
