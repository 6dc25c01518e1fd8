// A client that hands one message to a gateway over SMTP, as a LAN device or an outside sender
// does, and keeps a transcript of every reply. One command at a time (no pipelining): greeting,
// EHLO, MAIL, RCPT for each recipient still to go, DATA, the message dot-stuffed (RFC 5321
// §4.5.2), the final dot, QUIT.
//
// What it writes in the ledger is the ground truth of acceptance: a recipient is the gateway's
// responsibility only once the client itself saw 250 to RCPT and then 250 to the final dot
// (Ledger.Accept). A final dot whose reply never came (the connection ended, or no reply within
// ReplyTimeoutMs) is a lost reply: the message may arrive twice. Recipients refused for now (4xx,
// a dropped connection, a gateway without power) are tried again later, like a device's own
// retry, up to MaxTries; those refused for good (5xx) are not. A client outside relay.allow
// sending to a domain the gateway does not serve must be refused: a 250 to such a RCPT is an
// open relay, the worst bug there is.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class Submission : IActor
    {
        public const long ReplyTimeoutMs = 10 * 60_000;
        public int MaxTries = 6;

        private enum Step { Waiting, Greeting, Ehlo, Mail, Rcpt, Data, Dot, Quit, Done }

        private readonly World _world;
        private readonly Random _random;
        private readonly List<string> _toGo;
        private readonly List<string> _acceptedRcpt = new List<string>();
        private string[] _tryRecipients;
        private int _rcptIndex;
        private Step _step = Step.Waiting;
        private long _nextTryMs;
        private long _deadlineMs = long.MaxValue;
        private SimulatedClient _connection;
        private readonly StringBuilder _line = new StringBuilder();
        private readonly List<string> _reply = new List<string>();
        private bool _dotSent;
        private int _tries;

        public Submission(World world, MessageSpec message, GatewayNode to, string clientAddress, long atMs, bool mayRelay)
        {
            _world = world;
            Message = message;
            To = to;
            ClientAddress = clientAddress;
            MayRelay = mayRelay;
            _toGo = new List<string>(message.Recipients);
            _nextTryMs = atMs;
            _random = new Random(world.Seed * 17 + message.Tag.GetHashCode32());
        }

        public MessageSpec Message { get; }
        public GatewayNode To { get; }
        public string ClientAddress { get; }
        /// <summary>Whether the client is in the gateway's relay.allow (else only the gateway's own domains may be accepted).</summary>
        public bool MayRelay { get; }
        /// <summary>Domains the gateway answers for (local and relay domains).</summary>
        public string[] GatewayDomains = new string[0];
        public readonly List<string> Transcript = new List<string>();
        /// <summary>Echo each transcript line as it happens (the story).</summary>
        public Action<string> Echo;
        /// <summary>Recipients the client saw accepted (250 to the final dot).</summary>
        public readonly List<string> Accepted = new List<string>();
        /// <summary>Replies that refused a recipient for good, by recipient.</summary>
        public readonly Dictionary<string, string> RefusedForGood = new Dictionary<string, string>();

        public bool Finished => _step == Step.Done;

        public long NextDeadlineMs => _step == Step.Done ? long.MaxValue : _step == Step.Waiting ? _nextTryMs : _deadlineMs;

        public bool Pump(long nowMs)
        {
            if (_step == Step.Done) return false;
            if (_step == Step.Waiting)
            {
                if (nowMs < _nextTryMs) return false;
                Connect(nowMs);
                return true;
            }
            bool moved = false;
            byte[] bytes = _connection.ReadNewBytes();
            foreach (byte b in bytes)
            {
                if (b == 10)
                {
                    string line = _line.ToString().TrimEnd('\r');
                    _line.Clear();
                    _reply.Add(line);
                    if (line.Length < 4 || line[3] != '-')
                    {
                        string[] reply = _reply.ToArray();
                        _reply.Clear();
                        foreach (string r in reply) Say("S: " + r);
                        Handle(reply[reply.Length - 1], nowMs);
                        if (_step == Step.Waiting || _step == Step.Done) return true;
                    }
                }
                else _line.Append((char)b);
                moved = true;
            }
            if (_connection.ServerClosed && bytes.Length == 0)
            {
                Lost("the gateway closed the connection", nowMs);
                return true;
            }
            if (nowMs >= _deadlineMs)
            {
                Lost("no reply within " + ReplyTimeoutMs / 60_000 + " minutes", nowMs);
                return true;
            }
            return moved;
        }

        private void Connect(long nowMs)
        {
            _tries++;
            _tryRecipients = _toGo.ToArray();
            _acceptedRcpt.Clear();
            _rcptIndex = 0;
            _dotSent = false;
            _line.Clear();
            _reply.Clear();
            try
            {
                _connection = To.Network.Connect(To.Address, 25, ClientAddress);
            }
            catch (IOException)
            {
                Say("(" + To.Name + " refuses the connection)");
                Retry(nowMs);
                return;
            }
            Say("(" + ClientAddress + " connects to " + To.Name + " " + To.Address + ":25, try " + _tries + ")");
            _step = Step.Greeting;
            _deadlineMs = nowMs + ReplyTimeoutMs;
        }

        private void Handle(string reply, long nowMs)
        {
            int code = reply.Length >= 3 && int.TryParse(reply.Substring(0, 3), out int c) ? c : 0;
            _deadlineMs = nowMs + ReplyTimeoutMs;
            switch (_step)
            {
                case Step.Greeting:
                    if (code == 220) Send("EHLO device.lan.test", Step.Ehlo);
                    else Abandon(nowMs);
                    break;
                case Step.Ehlo:
                    if (code == 250) Send("MAIL FROM:<" + Message.Sender + ">", Step.Mail);
                    else Abandon(nowMs);
                    break;
                case Step.Mail:
                    if (code == 250) NextRcpt(nowMs);
                    else if (code >= 500) GiveUp("MAIL refused: " + reply, nowMs);
                    else Abandon(nowMs);
                    break;
                case Step.Rcpt:
                    string r = _tryRecipients[_rcptIndex - 1];
                    if (code == 250)
                    {
                        _acceptedRcpt.Add(r);
                        if (!MayRelay && !Serves(r))
                        {
                            _world.Ledger.Violate("open-relay", To.Name + " accepted RCPT <" + r + "> from outside client " + ClientAddress + ": " + reply);
                        }
                    }
                    else if (code >= 500)
                    {
                        _toGo.Remove(r);
                        RefusedForGood[r] = reply;
                    }
                    NextRcpt(nowMs);
                    break;
                case Step.Data:
                    if (code == 354)
                    {
                        byte[] data = DotStuff(Message.Content);
                        _connection.Write(data);
                        Say("C: (" + Message.Tag + ": " + Message.Content.Length + " bytes of message)");
                        Send(".", Step.Dot);
                        _dotSent = true;
                        _world.Ledger.DotSent(Message.Tag, nowMs);
                    }
                    else Abandon(nowMs);
                    break;
                case Step.Dot:
                    _dotSent = false;
                    if (code == 250)
                    {
                        string queueId = QueueIdOf(reply);
                        foreach (string a in _acceptedRcpt)
                        {
                            _world.Ledger.Accept(Message.Tag, a, To.Name, queueId, nowMs);
                            _toGo.Remove(a);
                            Accepted.Add(a);
                        }
                        _world.Note(To.Name + " accepted " + Message.Tag + " (" + queueId + ") for " + string.Join(", ", _acceptedRcpt));
                    }
                    else if (code >= 500)
                    {
                        foreach (string a in _acceptedRcpt)
                        {
                            _toGo.Remove(a);
                            RefusedForGood[a] = reply;
                        }
                    }
                    else if (To.CardFailedNow)
                    {
                        // A 4xx because the card failed as the message was committed: the gateway may
                        // not have been able to take it back, and may deliver it (and the retry) too.
                        _world.Ledger.LostReply(Message.MessageId, "the final dot got " + reply + " while " + To.Name + "'s card failed");
                    }
                    Send("QUIT", Step.Quit);
                    break;
                case Step.Quit:
                    End(nowMs);
                    break;
            }
        }

        private void NextRcpt(long nowMs)
        {
            if (_rcptIndex < _tryRecipients.Length)
            {
                Send("RCPT TO:<" + _tryRecipients[_rcptIndex++] + ">", Step.Rcpt);
                return;
            }
            if (_acceptedRcpt.Count > 0) Send("DATA", Step.Data);
            else Send("QUIT", Step.Quit);
        }

        private bool Serves(string recipient)
        {
            string domain = recipient.Substring(recipient.LastIndexOf('@') + 1);
            foreach (string d in GatewayDomains)
            {
                if (string.Equals(d, domain, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        // A 4xx or an odd reply: say goodbye and try again later.
        private void Abandon(long nowMs)
        {
            Send("QUIT", Step.Quit);
        }

        private void GiveUp(string why, long nowMs)
        {
            foreach (string r in _tryRecipients) RefusedForGood[r] = why;
            _toGo.Clear();
            Send("QUIT", Step.Quit);
        }

        private void Lost(string why, long nowMs)
        {
            Say("(" + why + ")");
            if (_dotSent)
            {
                _world.Ledger.LostReply(Message.MessageId, "the client got no reply to its final dot from " + To.Name + " (" + why + ")");
                _world.Note("lost reply to the final dot of " + Message.MessageId + " at " + To.Name + ": " + why);
            }
            if (!_connection.ClientClosed) _connection.Close();
            Retry(nowMs);
        }

        private void End(long nowMs)
        {
            if (!_connection.ClientClosed) _connection.Close();
            if (_toGo.Count > 0) Retry(nowMs);
            else Finish();
        }

        private void Retry(long nowMs)
        {
            if (_tries >= MaxTries || _toGo.Count == 0)
            {
                Finish();
                return;
            }
            _step = Step.Waiting;
            _deadlineMs = long.MaxValue;
            _nextTryMs = nowMs + 5 * 60_000 + _random.Next(15 * 60_000);
        }

        private void Finish()
        {
            _step = Step.Done;
            _deadlineMs = long.MaxValue;
        }

        private void Send(string command, Step next)
        {
            Say("C: " + command);
            _connection.Write(command + "\r\n");
            _step = next;
        }

        private void Say(string line)
        {
            Transcript.Add(line);
            Echo?.Invoke(line);
        }

        private static string QueueIdOf(string reply)
        {
            int at = reply.IndexOf("queued as ", StringComparison.Ordinal);
            return at < 0 ? "?" : reply.Substring(at + 10).Trim();
        }

        // RFC 5321 §4.5.2: a line that starts with a dot gets one more.
        public static byte[] DotStuff(byte[] content)
        {
            var output = new MemoryStream(content.Length + 64);
            bool lineStart = true;
            foreach (byte b in content)
            {
                if (lineStart && b == (byte)'.') output.WriteByte((byte)'.');
                output.WriteByte(b);
                lineStart = b == 10;
            }
            return output.ToArray();
        }
    }
}
