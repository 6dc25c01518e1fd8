// An in-memory IDnsTransport for the DnsResolver tests: UDP sockets with inbound queues, TCP
// connections whose connect takes a scripted number of polls and whose bytes come back in small
// pieces, and a responder function standing in for the DNS servers (null = silence). It records
// what was sent and which handles are open, so tests can show that nothing leaks.
// Time is virtual: the test sets NowMs before each Pump; a UDP reply reaches its socket
// RoundTripMs after the query left (0: at once), and NextArrivalMs tells the driver when the next
// one lands, so a test can run the resolver from event to event without a clock or a sleep.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public sealed class FakeDnsTransport : IDnsTransport
    {
        /// <summary>(query, server address, server port, over TCP) → the reply, or null for none.</summary>
        public Func<DnsMessage, string, int, bool, byte[]> Responder;

        /// <summary>ConnectStatus answers 0 this many times, then ConnectResult.</summary>
        public int ConnectPolls;
        public int ConnectResult = 1;
        /// <summary>Receive hands out at most this many bytes per call.</summary>
        public int ReadChunk = 3;
        public bool FailOpenUdp;
        public bool ThrowOnOpenUdp;
        public bool FailSendTo;

        /// <summary>The virtual time now; set by the test before each Pump.</summary>
        public long NowMs;
        /// <summary>How long a UDP reply takes to come back after its query left.</summary>
        public int RoundTripMs;

        public readonly List<(string Address, int Port, DnsMessage Query)> Datagrams = new();
        public readonly List<(string Address, int Port, DnsMessage Query)> TcpQueries = new();
        public readonly HashSet<int> Open = new();
        public readonly List<bool> UdpFamilies = new(); // true = IPv6, per OpenUdp

        private readonly Dictionary<int, Queue<(byte[] Bytes, string Address, int Port, long DueMs)>> _inbound = new();
        private readonly Dictionary<int, Tcp> _tcp = new();
        private int _nextHandle = 100;

        private sealed class Tcp
        {
            public string Address;
            public int Port;
            public int PollsLeft;
            public readonly List<byte> Sent = new();
            public readonly Queue<byte> Inbound = new();
            public bool Closed;
        }

        /// <summary>Puts a datagram on a socket as if address:port had sent it.</summary>
        public void Inject(int udp, byte[] bytes, string address, int port) => _inbound[udp].Enqueue((bytes, address, port, 0));

        /// <summary>Datagrams not yet read from a socket.</summary>
        public int Waiting(int udp) => _inbound[udp].Count;

        public IEnumerable<int> UdpSockets => _inbound.Keys.Where(Open.Contains);

        /// <summary>TCP connections open now.</summary>
        public int OpenTcp => _tcp.Keys.Count(Open.Contains);

        /// <summary>When the next reply reaches an open socket; long.MaxValue when none is on its way.</summary>
        public long NextArrivalMs => UdpSockets.Select(u => _inbound[u]).Where(q => q.Count > 0).Select(q => q.Peek().DueMs).DefaultIfEmpty(long.MaxValue).Min();

        public int OpenUdp(bool ipv6)
        {
            if (ThrowOnOpenUdp) throw new InvalidOperationException("no sockets left");
            if (FailOpenUdp) return -1;
            int handle = _nextHandle++;
            _inbound[handle] = new Queue<(byte[], string, int, long)>();
            Open.Add(handle);
            UdpFamilies.Add(ipv6);
            return handle;
        }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            Assert.Contains(udp, Open);
            if (FailSendTo) return false;
            DnsMessage query = DnsMessage.Parse(buffer, offset, count);
            Assert.Equal(DnsParseError.None, query.Error);
            Datagrams.Add((address, port, query));
            byte[] reply = Responder?.Invoke(query, address, port, false);
            if (reply != null) _inbound[udp].Enqueue((reply, address, port, NowMs + RoundTripMs));
            return true;
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            Assert.Contains(udp, Open);
            address = null;
            port = 0;
            if (_inbound[udp].Count == 0 || _inbound[udp].Peek().DueMs > NowMs) return 0;
            var (bytes, from, fromPort, _) = _inbound[udp].Dequeue();
            int n = Math.Min(count, bytes.Length);
            Array.Copy(bytes, 0, buffer, offset, n);
            address = from;
            port = fromPort;
            return n;
        }

        public int Connect(string address, int port)
        {
            int handle = _nextHandle++;
            _tcp[handle] = new Tcp { Address = address, Port = port, PollsLeft = ConnectPolls };
            Open.Add(handle);
            return handle;
        }

        public int ConnectStatus(int connection)
        {
            Tcp tcp = _tcp[connection];
            if (tcp.PollsLeft > 0)
            {
                tcp.PollsLeft--;
                return 0;
            }
            return ConnectResult;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            Assert.Contains(connection, Open);
            Tcp tcp = _tcp[connection];
            int n = Math.Min(count, 5); // a small send buffer: the resolver must keep the rest
            tcp.Sent.AddRange(buffer.Skip(offset).Take(n));
            if (tcp.Sent.Count >= 2 && tcp.Sent.Count == 2 + ((tcp.Sent[0] << 8) | tcp.Sent[1]))
            {
                byte[] framed = tcp.Sent.ToArray();
                DnsMessage query = DnsMessage.Parse(framed, 2, framed.Length - 2);
                TcpQueries.Add((tcp.Address, tcp.Port, query));
                byte[] reply = Responder?.Invoke(query, tcp.Address, tcp.Port, true);
                if (reply == null) tcp.Closed = true;
                else
                {
                    tcp.Inbound.Enqueue((byte)(reply.Length >> 8));
                    tcp.Inbound.Enqueue((byte)reply.Length);
                    foreach (byte b in reply) tcp.Inbound.Enqueue(b);
                }
            }
            return n;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            Assert.Contains(connection, Open);
            Tcp tcp = _tcp[connection];
            if (tcp.Inbound.Count == 0) return tcp.Closed ? -1 : 0;
            int n = Math.Min(Math.Min(count, ReadChunk), tcp.Inbound.Count);
            for (int i = 0; i < n; i++) buffer[offset + i] = tcp.Inbound.Dequeue();
            return n;
        }

        public void Close(int handle)
        {
            Assert.True(Open.Remove(handle), "closed twice or never opened: " + handle);
        }

        /// <summary>A reply to query with the given RCODE and records (TC when truncated).</summary>
        public static byte[] Reply(DnsMessage query, int rcode, int answers, Action<Wire> records, bool truncated = false)
            => Wire.Answer(query.Id, query.QuestionName, query.QuestionType, rcode, answers, records, truncated);
    }
}
