// A POP3 client fetching one user's mail from a gateway, as a mail program does (RFC 1939): USER
// and PASS, UIDL, RETR of every message (each is a Copy in the ledger, by its unique ID), DELE of
// each when Delete is set, QUIT. Only +OK to QUIT makes the deletions final (the UPDATE state):
// from then on the world holds the gateway to them — a deleted message that shows up again is a
// new copy, and the duplicate rule judges it. A fetch that fails (the gateway is down, the mailbox
// is in use, the connection drops) is simply over; the next one catches up.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class Pop3Fetch : IActor
    {
        public const int Port = 110;
        public const long ReplyTimeoutMs = 10 * 60_000;

        private enum Step { Waiting, Greeting, User, Pass, Uidl, Retr, Dele, Quit, Done }

        private readonly World _world;
        private readonly long _atMs;
        private Step _step = Step.Waiting;
        private long _deadlineMs = long.MaxValue;
        private SimulatedClient _connection;
        private readonly MemoryStream _buffer = new MemoryStream();
        private readonly List<KeyValuePair<int, string>> _messages = new List<KeyValuePair<int, string>>();
        private readonly List<string> _deleted = new List<string>();
        private int _index;

        public Pop3Fetch(World world, GatewayNode node, string user, bool delete, long atMs)
        {
            _world = world;
            Node = node;
            User = user;
            Delete = delete;
            _atMs = atMs;
        }

        public GatewayNode Node { get; }
        public string User { get; }
        public bool Delete { get; }
        public readonly List<string> Transcript = new List<string>();
        public Action<string> Echo;
        /// <summary>The messages retrieved (unique ID → bytes).</summary>
        public readonly List<KeyValuePair<string, byte[]>> Retrieved = new List<KeyValuePair<string, byte[]>>();
        /// <summary>The session ended with +OK to QUIT.</summary>
        public bool Completed { get; private set; }

        public bool Finished => _step == Step.Done;
        public long NextDeadlineMs => _step == Step.Done ? long.MaxValue : _step == Step.Waiting ? _atMs : _deadlineMs;

        public bool Pump(long nowMs)
        {
            if (_step == Step.Done) return false;
            if (_step == Step.Waiting)
            {
                if (nowMs < _atMs) return false;
                try
                {
                    _connection = Node.Network.Connect(Node.Address, Port, "192.168.1.30");
                }
                catch (IOException)
                {
                    Say("(" + Node.Name + " refuses the POP3 connection)");
                    _step = Step.Done;
                    return true;
                }
                Say("(mail program connects to " + Node.Name + " " + Node.Address + ":" + Port + " for " + User + ")");
                _step = Step.Greeting;
                _deadlineMs = nowMs + ReplyTimeoutMs;
                return true;
            }
            byte[] bytes = _connection.ReadNewBytes();
            if (bytes.Length > 0)
            {
                _buffer.Write(bytes, 0, bytes.Length);
                while (_step != Step.Done && TryTakeReply(out string first, out byte[] body))
                {
                    Handle(first, body, nowMs);
                }
                return true;
            }
            if (_connection.ServerClosed || nowMs >= _deadlineMs)
            {
                Say("(the POP3 session ended early)");
                if (!_connection.ClientClosed) _connection.Close();
                _step = Step.Done;
                return true;
            }
            return false;
        }

        // A whole reply in the buffer: the status line, and for UIDL/RETR +OK the dot-terminated
        // lines after it (unstuffed). False when more bytes are needed.
        private bool TryTakeReply(out string first, out byte[] body)
        {
            first = null;
            body = null;
            byte[] all = _buffer.ToArray();
            int lf = Array.IndexOf(all, (byte)10);
            if (lf < 0) return false;
            first = Encoding.Latin1.GetString(all, 0, lf).TrimEnd('\r');
            int used = lf + 1;
            bool multi = first.StartsWith("+OK", StringComparison.Ordinal) && (_step == Step.Uidl || _step == Step.Retr);
            if (multi)
            {
                var data = new MemoryStream();
                int at = used;
                while (true)
                {
                    int end = Array.IndexOf(all, (byte)10, at);
                    if (end < 0) return false;
                    int length = end + 1 - at;
                    if (length == 3 && all[at] == (byte)'.' && all[at + 1] == 13)
                    {
                        used = end + 1;
                        break;
                    }
                    int skip = all[at] == (byte)'.' ? 1 : 0;
                    data.Write(all, at + skip, length - skip);
                    at = end + 1;
                }
                body = data.ToArray();
            }
            _buffer.SetLength(0);
            _buffer.Write(all, used, all.Length - used);
            return true;
        }

        private void Handle(string status, byte[] body, long nowMs)
        {
            Say("S: " + status + (body != null ? " (" + body.Length + " bytes follow)" : ""));
            _deadlineMs = nowMs + ReplyTimeoutMs;
            bool ok = status.StartsWith("+OK", StringComparison.Ordinal);
            if (!ok && _step != Step.Quit)
            {
                Send("QUIT", Step.Quit);
                return;
            }
            switch (_step)
            {
                case Step.Greeting: Send("USER " + User, Step.User); break;
                case Step.User: Send("PASS " + Node.Password(User), Step.Pass); break;
                case Step.Pass: Send("UIDL", Step.Uidl); break;
                case Step.Uidl:
                    foreach (string line in Encoding.ASCII.GetString(body).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                    {
                        string[] parts = line.Split(' ');
                        _messages.Add(new KeyValuePair<int, string>(int.Parse(parts[0]), parts[1]));
                    }
                    _index = 0;
                    NextMessage();
                    break;
                case Step.Retr:
                    string uid = _messages[_index].Value;
                    Retrieved.Add(new KeyValuePair<string, byte[]>(uid, body));
                    _world.RecordMailboxCopy(Node, User, uid, body);
                    _world.Retrieved.Add("mailbox " + Node.Name + "/" + User + "|" + _world.CurrentCopyId(Node, User, uid));
                    if (Delete)
                    {
                        Send("DELE " + _messages[_index].Key, Step.Dele);
                        _deleted.Add(uid);
                    }
                    else
                    {
                        _index++;
                        NextMessage();
                    }
                    break;
                case Step.Dele:
                    _index++;
                    NextMessage();
                    break;
                case Step.Quit:
                    if (ok)
                    {
                        Completed = true;
                        foreach (string d in _deleted)
                        {
                            _world.ConfirmDeleted(Node, User, d);
                            _world.Ledger.Count("pop3 deletions");
                        }
                    }
                    if (!_connection.ClientClosed) _connection.Close();
                    _step = Step.Done;
                    break;
            }
        }

        private void NextMessage()
        {
            if (_index < _messages.Count) Send("RETR " + _messages[_index].Key, Step.Retr);
            else Send("QUIT", Step.Quit);
        }

        private void Send(string command, Step next)
        {
            Say("C: " + (command.StartsWith("PASS ", StringComparison.Ordinal) ? "PASS ****" : command));
            _connection.Write(command + "\r\n");
            _step = next;
        }

        private void Say(string line)
        {
            Transcript.Add(line);
            Echo?.Invoke(line);
        }
    }
}
