// One DNS question asked of a list of servers, sans-I/O: the driver moves datagrams and stream
// bytes and passes the time; this class decides what to send where, which replies count, and when
// to give up (RFC 1035 §4.2, §7.2; RFC 5452 §4 and §9.1 for accepting answers; RFC 7766 for TCP).
//
// How it works:
// - One random 16-bit ID (from the caller's IRandom) for the whole lookup; RD set; EDNS0 unless
//   turned off. Tries rotate over the servers in order (skipping any that answered with an error
//   RCODE); each UDP try waits TryTimeoutMs, at most MaxTries tries in all. The driver takes each
//   query with PollDatagram, and reports a failed send with DatagramNotSent (which ends that try
//   at once). The server of a try is chosen when the try is sent.
// - Given a DnsServerHealth (the resolver shares one among its lookups), a lookup tells it which
//   servers answer and which let a try time out, and asks the servers it holds down only after
//   all others (see DnsServerHealth): a dead server first in the list then costs the lookups
//   after the first nothing.
// - A datagram counts only when it comes from a server this lookup has asked (address and port),
//   carries our ID, is a response to a standard query, and repeats our question exactly (one
//   question, same name ignoring ASCII case, same type, class IN). Everything else is ignored and
//   counted in IgnoredDatagrams; a late answer to an earlier try is welcome. A datagram that
//   matches source and ID but cannot be read is ignored as well — anyone can forge garbage — and
//   only colours the final status (Malformed rather than Timeout).
// - TC set (RFC 7766 §5): the question is asked again of the same server over TCP. A truncated
//   reply may carry no question at all (dnslib sends just the header); source and ID must match.
//   The driver connects to TcpServer; PollTcpTransmit yields the 2-byte length prefix and query;
//   ReceiveTcp takes stream bytes in any split. The TCP exchange has TcpTimeoutMs in all; if it
//   fails the lookup goes on with its next UDP try.
// - NOERROR and NXDOMAIN end the lookup (DnsResult.FromAnswer interprets them). FORMERR to a query
//   with EDNS is asked again without it (RFC 6891 §7). SERVFAIL, REFUSED, NOTIMP and the rest end
//   that server's turns; the lookup goes on with the others, and ends with that status when none
//   is left.
// - Without a usable answer the status is the last error RCODE if one came, else Malformed if
//   something unreadable came back, else Timeout if a try ran out of time, else Unreachable
//   (nothing could be sent, no TCP connection could be made).
//
// Invariants: nothing here throws on bytes from the network; after every call, the driver polls
// again for datagrams and TCP bytes; State tells it which sockets the lookup still needs.
// Deliberately not done: 0x20 case randomisation, caching, and search domains (names are absolute).
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Dns
{
    public sealed class DnsLookup
    {
        public const long NoDeadline = long.MaxValue;

        // Question
        private readonly string _name;
        private readonly int _type;
        private readonly int _id;

        // Servers and tries
        private readonly DnsServer[] _servers;
        private readonly bool[] _asked;
        private readonly bool[] _answeredWithError;
        private readonly DnsSettings _settings;
        private readonly DnsServerHealth _health; // null: no memory between lookups
        private int _server = -1;        // of the current or last try
        private bool _sameServerAgain;   // the next try goes to _server again (FORMERR without EDNS)
        private int _triesStarted;
        private long _trySentMs;
        private bool _edns;

        // State
        private DnsLookupState _state;
        private long _deadlineMs = NoDeadline;
        private DnsResult _result;

        // What went wrong so far (chooses the final status when no answer comes)
        private DnsStatus _errorStatus = DnsStatus.Ok;
        private string _errorDetail;
        private bool _sawMalformed;
        private bool _sawTimeout; // else, if nothing could be sent at all: Unreachable

        // TCP retry
        private DnsServer _tcpServer;
        private readonly ByteBuffer _tcpOutput = new ByteBuffer(16);
        private readonly byte[] _tcpLength = new byte[2];
        private byte[] _tcpAnswer;
        private int _tcpReceived; // prefix bytes included

        /// <summary>Datagrams that did not count (wrong source, ID or question, unreadable, or late).</summary>
        public int IgnoredDatagrams;

        /// <summary>
        /// A lookup of name (a host name, trailing dot optional) and type. servers may be empty (the
        /// result is then Unreachable at once); a name that cannot be asked ends as Malformed at once.
        /// </summary>
        public DnsLookup(string name, int type, DnsServer[] servers, IRandom random, DnsSettings settings)
            : this(name, type, servers, random, settings, null)
        {
        }

        /// <summary>As above; health (may be null) is what the lookups of one resolver know about its servers.</summary>
        public DnsLookup(string name, int type, DnsServer[] servers, IRandom random, DnsSettings settings, DnsServerHealth health)
        {
            _health = health;
            _name = DnsName.WithoutTrailingDot(name);
            _type = type;
            _servers = servers;
            _asked = new bool[servers.Length];
            _answeredWithError = new bool[servers.Length];
            _settings = settings;
            _edns = settings.UdpPayloadBytes > 0;
            _id = random.Next(65536);
            _state = DnsLookupState.ReadyToSend;
            _deadlineMs = 0;
            if (servers.Length == 0) Finish(DnsResult.Failure(_name, _type, DnsStatus.Unreachable, "no DNS servers configured"));
            else if (DnsName.WireLength(_name) < 0) Finish(DnsResult.Failure(_name, _type, DnsStatus.Malformed, "not a name that can be looked up"));
        }

        public string Name { get { return _name; } }
        public int Type { get { return _type; } }
        public int Id { get { return _id; } }
        public DnsLookupState State { get { return _state; } }
        public bool IsDone { get { return _state == DnsLookupState.Done; } }

        /// <summary>The outcome once IsDone; null before.</summary>
        public DnsResult Result { get { return _result; } }

        /// <summary>The server to connect to while State is AwaitingTcpConnect or AwaitingTcpAnswer; null otherwise.</summary>
        public DnsServer TcpServer
        {
            get
            {
                return _state == DnsLookupState.AwaitingTcpConnect || _state == DnsLookupState.AwaitingTcpAnswer ? _tcpServer : null;
            }
        }

        /// <summary>UDP tries handed out so far.</summary>
        public int TriesStarted { get { return _triesStarted; } }

        // ---- UDP ----

        /// <summary>
        /// The next query datagram, written at dst[offset] (DnsMessage.MaxQueryBytes of room), and
        /// the server to send it to; 0 when nothing is to be sent now. The try's clock starts at nowMs.
        /// </summary>
        public int PollDatagram(byte[] dst, int offset, long nowMs, out DnsServer server)
        {
            server = null;
            if (_state != DnsLookupState.ReadyToSend) return 0;
            int length = DnsMessage.WriteQuery(dst, offset, _id, _name, _type, _edns ? _settings.UdpPayloadBytes : 0);
            if (!_sameServerAgain) _server = NextServer(nowMs);
            _sameServerAgain = false;
            server = _servers[_server];
            _asked[_server] = true;
            _triesStarted++;
            _state = DnsLookupState.AwaitingDatagram;
            _trySentMs = nowMs;
            _deadlineMs = nowMs + _settings.TryTimeoutMs;
            return length;
        }

        /// <summary>The datagram just taken could not be sent (no route, no socket): that try ends now.</summary>
        public void DatagramNotSent(long nowMs)
        {
            if (_state != DnsLookupState.AwaitingDatagram) return;
            NextTry(nowMs);
        }

        /// <summary>A datagram that arrived on the lookup's socket from address:port.</summary>
        public void ReceiveDatagram(byte[] buffer, int offset, int count, string address, int port, long nowMs)
        {
            if (_state != DnsLookupState.AwaitingDatagram && _state != DnsLookupState.ReadyToSend)
            {
                IgnoredDatagrams++;
                return;
            }
            int server = AskedServer(address, port);
            if (server < 0 || count < DnsMessage.HeaderBytes || ((buffer[offset] << 8) | buffer[offset + 1]) != _id)
            {
                IgnoredDatagrams++;
                return;
            }
            DnsMessage answer = DnsMessage.Parse(buffer, offset, count, _settings.MaxAnswerRecords);
            if (answer.Error != DnsParseError.None)
            {
                _sawMalformed = true;
                IgnoredDatagrams++;
                return;
            }
            if (!answer.IsResponse || answer.Opcode != 0)
            {
                IgnoredDatagrams++;
                return;
            }
            if (_health != null) _health.Answered(server, nowMs); // source and ID match, and it reads: the server is alive
            if (answer.Truncated)
            {
                if (answer.QuestionCount != 0 && !AsksOurQuestion(answer))
                {
                    IgnoredDatagrams++;
                    return;
                }
                StartTcp(server, nowMs);
                return;
            }
            if (!AsksOurQuestion(answer))
            {
                IgnoredDatagrams++;
                return;
            }
            TakeAnswer(answer, server, "UDP", nowMs);
        }

        private int AskedServer(string address, int port)
        {
            if (address == null) return -1;
            for (int i = 0; i < _servers.Length; i++)
            {
                if (_asked[i] && _servers[i].Is(address, port)) return i;
            }
            return -1;
        }

        private bool AsksOurQuestion(DnsMessage answer)
        {
            return answer.QuestionCount == 1 && answer.QuestionType == _type && answer.QuestionClass == DnsType.ClassIN &&
                   DnsName.Equal(answer.QuestionName, _name);
        }

        // ---- TCP (RFC 7766) ----

        private void StartTcp(int server, long nowMs)
        {
            _tcpServer = _servers[server];
            _state = DnsLookupState.AwaitingTcpConnect;
            _deadlineMs = nowMs + _settings.TcpTimeoutMs;
            byte[] query = new byte[DnsMessage.MaxQueryBytes];
            int length = DnsMessage.WriteQuery(query, 0, _id, _name, _type, _edns ? _settings.UdpPayloadBytes : 0);
            _tcpOutput.Clear();
            _tcpOutput.Append((byte)(length >> 8));
            _tcpOutput.Append((byte)length);
            _tcpOutput.Append(query, 0, length);
            _tcpAnswer = null;
            _tcpReceived = 0;
        }

        /// <summary>The driver's connection to TcpServer is up.</summary>
        public void TcpConnected()
        {
            if (_state == DnsLookupState.AwaitingTcpConnect) _state = DnsLookupState.AwaitingTcpAnswer;
        }

        /// <summary>The connection could not be made or broke: the lookup goes on over UDP.</summary>
        public void TcpFailed(long nowMs)
        {
            if (_state != DnsLookupState.AwaitingTcpConnect && _state != DnsLookupState.AwaitingTcpAnswer) return;
            // Connected, then broken off before a whole answer: the server misbehaved. A connection
            // that could not be made leaves no trace: Unreachable unless something else happened.
            if (_state == DnsLookupState.AwaitingTcpAnswer) _sawMalformed = true;
            NextTry(nowMs);
        }

        /// <summary>Query bytes for the TCP connection, into dst; 0 when there are none (any more).</summary>
        public int PollTcpTransmit(byte[] dst, int offset, int max)
        {
            if (_state != DnsLookupState.AwaitingTcpAnswer) return 0;
            return _tcpOutput.Take(dst, offset, max);
        }

        /// <summary>Bytes read from the TCP connection, in whatever pieces they came.</summary>
        public void ReceiveTcp(byte[] buffer, int offset, int count, long nowMs)
        {
            if (_state != DnsLookupState.AwaitingTcpAnswer) return;
            while (count > 0 && _tcpReceived < 2)
            {
                _tcpLength[_tcpReceived++] = buffer[offset++];
                count--;
                if (_tcpReceived == 2)
                {
                    int length = (_tcpLength[0] << 8) | _tcpLength[1];
                    if (length < DnsMessage.HeaderBytes || length > _settings.MaxTcpMessageBytes)
                    {
                        _sawMalformed = true;
                        NextTry(nowMs);
                        return;
                    }
                    _tcpAnswer = new byte[length];
                }
            }
            if (count <= 0 || _tcpAnswer == null) return;
            int wanted = _tcpAnswer.Length - (_tcpReceived - 2);
            int take = count < wanted ? count : wanted;
            System.Array.Copy(buffer, offset, _tcpAnswer, _tcpReceived - 2, take);
            _tcpReceived += take;
            if (_tcpReceived - 2 < _tcpAnswer.Length) return;

            // Bytes after the one answer are ignored: we asked one question on this connection.
            DnsMessage answer = DnsMessage.Parse(_tcpAnswer, 0, _tcpAnswer.Length, _settings.MaxAnswerRecords);
            if (answer.Error != DnsParseError.None || answer.Id != _id || !answer.IsResponse || answer.Opcode != 0 || !AsksOurQuestion(answer))
            {
                _sawMalformed = true;
                NextTry(nowMs);
                return;
            }
            int server = 0;
            while (_servers[server] != _tcpServer) server++;
            if (_health != null) _health.Answered(server, nowMs);
            TakeAnswer(answer, server, "TCP", nowMs);
        }

        /// <summary>The server closed the connection.</summary>
        public void ReceiveTcpEof(long nowMs)
        {
            TcpFailed(nowMs);
        }

        // ---- Answers and tries ----

        private void TakeAnswer(DnsMessage answer, int server, string transport, long nowMs)
        {
            string from = "from " + _servers[server].ToString() + " over " + transport;
            int rcode = answer.Rcode;
            if (rcode == DnsMessage.RcodeNoError || rcode == DnsMessage.RcodeNxDomain)
            {
                Finish(DnsResult.FromAnswer(_name, _type, rcode, answer.Answers, from));
                return;
            }
            if (rcode == DnsMessage.RcodeFormErr && _edns)
            {
                // RFC 6891 §7: a server that does not know EDNS answers FORMERR; ask it again plainly.
                _edns = false;
                _server = server;
                _sameServerAgain = true;
                Retry(nowMs);
                return;
            }
            DnsResult failure = DnsResult.FromAnswer(_name, _type, rcode, answer.Answers, from);
            _errorStatus = failure.Status;
            _errorDetail = DnsStatusNames.Name(failure.Status) + " " + from;
            _answeredWithError[server] = true;
            NextTry(nowMs);
        }

        /// <summary>Moves on to another try while some server has not answered with an error, or ends.</summary>
        private void NextTry(long nowMs)
        {
            for (int i = 0; i < _servers.Length; i++)
            {
                if (_answeredWithError[i]) continue;
                Retry(nowMs);
                return;
            }
            FinishWithoutAnswer();
        }

        // The server for the next try: the next one in turn after the last try's that has not
        // answered with an error and is not held down; failing that, the next one in turn that has
        // not answered with an error (a held-down server is asked last, not never).
        private int NextServer(long nowMs)
        {
            int fallback = -1;
            for (int step = 1; step <= _servers.Length; step++)
            {
                int candidate = (_server + step) % _servers.Length;
                if (_answeredWithError[candidate]) continue;
                if (_health == null || !_health.IsHeldDown(candidate, nowMs)) return candidate;
                if (fallback < 0) fallback = candidate;
            }
            return fallback;
        }

        private void Retry(long nowMs)
        {
            if (_triesStarted >= _settings.MaxTries)
            {
                FinishWithoutAnswer();
                return;
            }
            _state = DnsLookupState.ReadyToSend;
            _deadlineMs = nowMs;
        }

        private void FinishWithoutAnswer()
        {
            string tries = _triesStarted.ToString() + (_triesStarted == 1 ? " try" : " tries");
            if (_errorStatus != DnsStatus.Ok) Finish(DnsResult.Failure(_name, _type, _errorStatus, _errorDetail));
            else if (_sawMalformed) Finish(DnsResult.Failure(_name, _type, DnsStatus.Malformed, "no readable answer after " + tries));
            else if (_sawTimeout) Finish(DnsResult.Failure(_name, _type, DnsStatus.Timeout, "no answer after " + tries));
            else Finish(DnsResult.Failure(_name, _type, DnsStatus.Unreachable, "no DNS server could be reached after " + tries));
        }

        private void Finish(DnsResult result)
        {
            _result = result;
            _state = DnsLookupState.Done;
            _deadlineMs = NoDeadline;
            _tcpOutput.Clear();
            _tcpAnswer = null;
        }

        // ---- Time ----

        /// <summary>When HandleDeadline must be called next; NoDeadline once done. A past time means "now".</summary>
        public long PollDeadline()
        {
            return _deadlineMs;
        }

        /// <summary>Ends the current try if its time is up and moves on to the next one.</summary>
        public void HandleDeadline(long nowMs)
        {
            if (nowMs < _deadlineMs) return;
            switch (_state)
            {
                case DnsLookupState.AwaitingDatagram:
                    _sawTimeout = true;
                    if (_health != null) _health.Silent(_server, _trySentMs, nowMs);
                    NextTry(nowMs);
                    break;
                case DnsLookupState.AwaitingTcpConnect:
                case DnsLookupState.AwaitingTcpAnswer:
                    _sawTimeout = true;
                    NextTry(nowMs);
                    break;
                default:
                    break;
            }
        }
    }
}
