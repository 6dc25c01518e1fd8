// An in-memory network for deterministic tests of the whole loop (Gateway) without sockets. Wait
// does nothing (time is the test's VirtualClock); everything happens when the gateway or the test
// calls, in call order, so a run is the same every time.
//
// The test plays every other party:
//   - clients of the gateway's listeners: Connect(address, port, clientAddress) gives a
//     SimulatedClient to write to and read from;
//   - servers the gateway connects to: Serve(address, port) gives a SimulatedServer whose Accept
//     completes the gateway's pending connect and hands the test a SimulatedPeer. A connect to an
//     address and port nobody serves is refused (ConnectStatus -1);
//   - UDP servers (DNS): OnDatagram(address, port, handler) answers each datagram at once; every
//     datagram sent is also kept in SentDatagrams, so the test can answer later, twice, from a
//     wrong address, or never (Deliver);
//   - faults per address (SetReachability): a blackhole where connects hang until the test times
//     them out (TimeOutConnects) and datagrams vanish, or no route at all; a peer can Reset; a UDP
//     socket can break (BreakUdp); IPv6 can be missing (Ipv6Available);
//   - TLS: StartTlsClient and StartTlsServer discard what the gateway has not read and leave the
//     handshake to the peer's AcceptTls or RefuseTls (see SimulatedPeer; for StartTlsServer the
//     peer is the SimulatedClient); nothing is encrypted. HasServerCertificate false plays an
//     adapter with no certificate: StartTlsServer fails at once. Implicit TLS needs nothing more:
//     the gateway calls StartTlsServer right after Accept.
// Crash() plays the machine losing power: every connection, listener and UDP socket of the gateway
// is gone at once (the far ends see the gateway close), while the world (servers, datagram
// handlers, reachability) stays, so a new gateway can start on the same network after a reboot.
// PendingDatagrams says whether a datagram waits in one of the gateway's UDP sockets (a platform's
// wait would wake for it; a simulation runs the loop again).
// LocalAddresses returns what the test set (SetLocalAddresses); 127.0.0.1 and ::1 by default.
// Addresses given to the outbound calls are normalized as the host shows them ("2001:DB8::1" and
// "2001:db8::1" are one address); the gateway's own listeners are not reachable by Connect.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedNetwork : INetwork
    {
        private const int FirstEphemeralPort = 49152;

        private sealed class UdpSocket
        {
            public bool Ipv6;
            public int Port;
            public bool Broken;
            public readonly Queue<Arrival> Inbox = new Queue<Arrival>();
        }

        private sealed class Arrival
        {
            public string Address;
            public int Port;
            public byte[] Data;
        }

        // Gateway handles (listeners, connections and UDP sockets share one counter)
        private readonly Dictionary<int, string> _listeners = new Dictionary<int, string>();
        private readonly Dictionary<string, Queue<SimulatedClient>> _pending = new Dictionary<string, Queue<SimulatedClient>>();
        private readonly Dictionary<int, SimulatedPeer> _connections = new Dictionary<int, SimulatedPeer>();
        private readonly Dictionary<int, UdpSocket> _udpSockets = new Dictionary<int, UdpSocket>();
        private int _nextHandle = 1;
        private int _nextEphemeralPort = FirstEphemeralPort;

        // The world the test scripts
        private readonly Dictionary<string, SimulatedServer> _servers = new Dictionary<string, SimulatedServer>();
        private readonly Dictionary<string, Func<byte[], byte[]>> _datagramHandlers = new Dictionary<string, Func<byte[], byte[]>>();
        private readonly Dictionary<string, SimulatedReachability> _reachability = new Dictionary<string, SimulatedReachability>();
        private readonly List<SimulatedDatagram> _sent = new List<SimulatedDatagram>();
        private string[] _localAddresses = { "127.0.0.1", "::1" };

        // Test side: the world

        /// <summary>When false, OpenUdp(true) returns -1 and connects to IPv6 addresses fail, as on a host without IPv6.</summary>
        public bool Ipv6Available { get; set; } = true;

        /// <summary>Whether the adapter has a server certificate; false: StartTlsServer fails at once (TlsStatus -1).</summary>
        public bool HasServerCertificate { get; set; } = true;

        /// <summary>Listeners, connections and UDP sockets the gateway has not closed yet (a leak shows here).</summary>
        public int OpenHandleCount => _listeners.Count + _connections.Count + _udpSockets.Count;

        /// <summary>
        /// Datagrams waiting in the gateway's UDP sockets: a platform's wait would wake up for them,
        /// so a simulation runs the loop again while there are any.
        /// </summary>
        public int PendingDatagrams
        {
            get
            {
                int n = 0;
                foreach (UdpSocket socket in _udpSockets.Values) n += socket.Inbox.Count;
                return n;
            }
        }

        /// <summary>Every datagram the gateway sent (SendTo returned true), oldest first, answered or not.</summary>
        public IReadOnlyList<SimulatedDatagram> SentDatagrams => _sent;

        /// <summary>A client connecting from clientAddress to a listening address and port.</summary>
        public SimulatedClient Connect(string address, int port, string clientAddress)
        {
            Queue<SimulatedClient> queue;
            if (!_pending.TryGetValue(address + "|" + port, out queue)) throw new IOException("connection refused");
            var client = new SimulatedClient(clientAddress);
            queue.Enqueue(client);
            return client;
        }

        /// <summary>A server at address:port for the gateway's outbound connects. Throws if one is already there.</summary>
        public SimulatedServer Serve(string address, int port)
        {
            string key = Key(Normalize(address), port);
            if (_servers.ContainsKey(key)) throw new InvalidOperationException("already served: " + key);
            var server = new SimulatedServer(this, Normalize(address), port);
            _servers.Add(key, server);
            return server;
        }

        /// <summary>
        /// Answers datagrams to address:port: the handler gets a copy of each datagram and returns
        /// the reply, delivered at once from address:port, or null for no reply. A null handler
        /// removes it; datagrams nobody handles are dropped.
        /// </summary>
        public void OnDatagram(string address, int port, Func<byte[], byte[]> handler)
        {
            string key = Key(Normalize(address), port);
            if (handler == null) _datagramHandlers.Remove(key);
            else _datagramHandlers[key] = handler;
        }

        /// <summary>
        /// Delivers a reply to the socket that sent the datagram, from the datagram's destination
        /// (or from fromAddress:fromPort, to play a spoofer). False when that socket is closed or broken.
        /// </summary>
        public bool Deliver(SimulatedDatagram sent, byte[] reply, string fromAddress = null, int fromPort = 0)
        {
            if (sent == null) throw new ArgumentNullException(nameof(sent));
            if (reply == null) throw new ArgumentNullException(nameof(reply));
            UdpSocket socket;
            if (!_udpSockets.TryGetValue(sent.Socket, out socket) || socket.Broken) return false;
            socket.Inbox.Enqueue(new Arrival
            {
                Address = fromAddress == null ? sent.Address : Normalize(fromAddress),
                Port = fromAddress == null ? sent.Port : fromPort,
                Data = (byte[])reply.Clone(),
            });
            return true;
        }

        /// <summary>Sets what happens to connects and datagrams to this address from now on (connects already pending stay so).</summary>
        public void SetReachability(string address, SimulatedReachability reachability)
        {
            _reachability[Normalize(address)] = reachability;
        }

        /// <summary>
        /// Fails every connect still pending to this address (ConnectStatus -1), as the system does
        /// when its SYN retries run out; returns how many.
        /// </summary>
        public int TimeOutConnects(string address)
        {
            string normalized = Normalize(address);
            int n = 0;
            foreach (SimulatedPeer peer in _connections.Values)
            {
                if (peer.Status == SimulatedPeer.Connecting && peer.Address == normalized)
                {
                    peer.Status = SimulatedPeer.Failed;
                    n++;
                }
            }
            return n;
        }

        /// <summary>Breaks a UDP socket for good: ReceiveFrom returns -1, SendTo false.</summary>
        public void BreakUdp(int udp)
        {
            UdpSocket socket = _udpSockets[udp];
            socket.Broken = true;
            socket.Inbox.Clear();
        }

        public void SetLocalAddresses(params string[] addresses)
        {
            if (addresses == null) throw new ArgumentNullException(nameof(addresses));
            _localAddresses = (string[])addresses.Clone();
        }

        /// <summary>
        /// The machine lost power (see the header): every connection ends as if the gateway closed
        /// it (a connect still pending is abandoned), listeners and UDP sockets are gone, and
        /// clients waiting to be accepted are dropped. Handles are never reused.
        /// </summary>
        public void Crash()
        {
            foreach (SimulatedPeer peer in _connections.Values) peer.GatewayClosed = true;
            _connections.Clear();
            foreach (Queue<SimulatedClient> waiting in _pending.Values)
            {
                foreach (SimulatedClient client in waiting) client.GatewayClosed = true;
            }
            _pending.Clear();
            _listeners.Clear();
            _udpSockets.Clear();
        }

        /// <summary>Whether the gateway listens on address:port now (address as it gave it to Listen).</summary>
        public bool IsListening(string address, int port)
        {
            return _pending.ContainsKey(address + "|" + port);
        }

        internal void RemoveServer(SimulatedServer server)
        {
            _servers.Remove(Key(server.Address, server.Port));
        }

        // INetwork: TCP

        public int Listen(string address, int port)
        {
            string key = address + "|" + port;
            if (_pending.ContainsKey(key)) throw new IOException("address in use: " + key);
            _pending[key] = new Queue<SimulatedClient>();
            _listeners[_nextHandle] = key;
            return _nextHandle++;
        }

        public int Accept(int listener)
        {
            Queue<SimulatedClient> queue = _pending[_listeners[listener]];
            if (queue.Count == 0) return -1;
            _connections[_nextHandle] = queue.Dequeue();
            return _nextHandle++;
        }

        public int Connect(string address, int port)
        {
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            IPAddress ip = ParseLiteral(address);
            var peer = new SimulatedPeer(HostNetworkText(ip), port);
            peer.Status = SimulatedPeer.Failed; // refused unless something below takes it
            SimulatedServer server;
            bool routable = Ipv6Available || ip.AddressFamily != AddressFamily.InterNetworkV6;
            switch (ReachabilityOf(peer.Address))
            {
                case SimulatedReachability.Blackhole:
                    if (routable) peer.Status = SimulatedPeer.Connecting;
                    break;
                case SimulatedReachability.Reachable:
                    if (routable && _servers.TryGetValue(Key(peer.Address, port), out server))
                    {
                        peer.Status = SimulatedPeer.Connecting;
                        server.Enqueue(peer);
                    }
                    break;
            }
            _connections[_nextHandle] = peer;
            return _nextHandle++;
        }

        public int ConnectStatus(int connection)
        {
            return _connections[connection].Status;
        }

        public string RemoteAddress(int connection)
        {
            return _connections[connection].Address;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            SimulatedPeer c = _connections[connection];
            if (c.ThrowOnNextReceive != null)
            {
                Exception planted = c.ThrowOnNextReceive;
                c.ThrowOnNextReceive = null;
                throw planted;
            }
            if (c.Status != SimulatedPeer.Connected) return c.Status == SimulatedPeer.Connecting ? 0 : -1;
            if (c.TlsStatus == SimulatedPeer.TlsHandshaking) return 0;
            if (c.TlsStatus == SimulatedPeer.TlsFailed) return -1;
            if (c.ToGateway.Count == 0) return c.Closed ? -1 : 0;
            int n = Math.Min(Math.Min(count, c.ReceiveWindow), c.ToGateway.Count);
            for (int i = 0; i < n; i++) buffer[offset + i] = c.ToGateway.Dequeue();
            return n;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            SimulatedPeer c = _connections[connection];
            if (c.Status != SimulatedPeer.Connected) return c.Status == SimulatedPeer.Connecting ? 0 : -1;
            if (c.TlsStatus == SimulatedPeer.TlsHandshaking) return 0;
            if (c.TlsStatus == SimulatedPeer.TlsFailed) return -1;
            if (c.Closed && c.ResetOnClose) return -1;
            int n = Math.Min(count, c.SendWindow);
            if (c.ReceiveBuffer != int.MaxValue) n = (int)Math.Max(0, Math.Min(n, c.ReceiveBuffer - c.Unread));
            c.FromGateway.Write(buffer, offset, n);
            return n;
        }

        public void StartTlsClient(int connection, string serverName, bool verifyCertificate)
        {
            SimulatedPeer c = _connections[connection];
            if (serverName == null) throw new ArgumentNullException(nameof(serverName));
            if (serverName.EndsWith('.')) serverName = serverName.Substring(0, serverName.Length - 1);
            if (serverName.Length == 0) throw new ArgumentException("An empty server name.", nameof(serverName));
            if (c.Status == SimulatedPeer.Connecting) throw new InvalidOperationException("Connection " + connection + " is still connecting.");
            if (c.TlsRequested) throw new InvalidOperationException("TLS was already started on connection " + connection + ".");
            c.StartTls(serverName, verifyCertificate);
        }

        public void StartTlsServer(int connection)
        {
            SimulatedPeer c = _connections[connection];
            if (c.Status == SimulatedPeer.Connecting) throw new InvalidOperationException("Connection " + connection + " is still connecting.");
            if (c.TlsRequested) throw new InvalidOperationException("TLS was already started on connection " + connection + ".");
            c.StartTlsServer(HasServerCertificate ? null : "no server certificate is configured");
        }

        public int TlsStatus(int connection)
        {
            return _connections[connection].TlsStatus;
        }

        public string TlsDescription(int connection)
        {
            SimulatedPeer c = _connections[connection];
            return c.TlsStatus == SimulatedPeer.TlsUp || c.TlsStatus == SimulatedPeer.TlsFailed ? c.TlsText : null;
        }

        public void Close(int connection)
        {
            SimulatedPeer c;
            if (_connections.TryGetValue(connection, out c))
            {
                c.GatewayClosed = true;
                _connections.Remove(connection);
            }
            else if (_listeners.ContainsKey(connection))
            {
                _pending.Remove(_listeners[connection]);
                _listeners.Remove(connection);
            }
            else
            {
                _udpSockets.Remove(connection);
            }
        }

        public void WatchReceive(int connection, bool watch)
        {
            _connections[connection].ReceiveWatched = watch;
        }

        // INetwork: UDP

        public int OpenUdp(bool ipv6)
        {
            if (ipv6 && !Ipv6Available) return -1;
            _udpSockets[_nextHandle] = new UdpSocket { Ipv6 = ipv6, Port = _nextEphemeralPort };
            _nextEphemeralPort = _nextEphemeralPort == 65535 ? FirstEphemeralPort : _nextEphemeralPort + 1;
            return _nextHandle++;
        }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            UdpSocket socket = _udpSockets[udp];
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset > buffer.Length - count) throw new ArgumentOutOfRangeException(nameof(count));
            IPAddress ip = ParseLiteral(address);
            if ((ip.AddressFamily == AddressFamily.InterNetworkV6) != socket.Ipv6)
                throw new ArgumentException("Address " + address + " is not of the UDP socket's family.", nameof(address));
            if (socket.Broken) return false;

            string to = HostNetworkText(ip);
            SimulatedReachability reachability = ReachabilityOf(to);
            if (reachability == SimulatedReachability.Unreachable) return false;

            var data = new byte[count];
            Array.Copy(buffer, offset, data, 0, count);
            var sent = new SimulatedDatagram(udp, socket.Port, to, port, data);
            _sent.Add(sent);
            if (reachability == SimulatedReachability.Blackhole) return true;

            Func<byte[], byte[]> handler;
            if (_datagramHandlers.TryGetValue(Key(to, port), out handler))
            {
                byte[] reply = handler((byte[])data.Clone());
                if (reply != null) Deliver(sent, reply);
            }
            return true;
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            address = null;
            port = 0;
            UdpSocket socket = _udpSockets[udp];
            if (socket.Broken) return -1;
            if (socket.Inbox.Count == 0) return 0;
            Arrival arrival = socket.Inbox.Dequeue();
            int n = Math.Min(count, arrival.Data.Length);
            Array.Copy(arrival.Data, 0, buffer, offset, n);
            address = arrival.Address;
            port = arrival.Port;
            return n;
        }

        // INetwork: this machine, waiting

        public string[] LocalAddresses()
        {
            return (string[])_localAddresses.Clone();
        }

        public void Wait(long maxMs)
        {
        }

        // Helpers

        private SimulatedReachability ReachabilityOf(string normalizedAddress)
        {
            SimulatedReachability r;
            return _reachability.TryGetValue(normalizedAddress, out r) ? r : SimulatedReachability.Reachable;
        }

        private static string Key(string normalizedAddress, int port)
        {
            return normalizedAddress + "|" + port;
        }

        private static string Normalize(string address)
        {
            return HostNetworkText(ParseLiteral(address));
        }

        // Same literals as HostNetwork takes: four dotted parts for IPv4.
        private static IPAddress ParseLiteral(string address)
        {
            if (address == null) throw new ArgumentNullException(nameof(address));
            string text = address.Trim();
            IPAddress ip = IPAddress.Parse(text);
            if (ip.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Length != 4)
                throw new FormatException("An IPv4 address needs four dotted parts: '" + text + "'.");
            return ip;
        }

        private static string HostNetworkText(IPAddress ip)
        {
            return Platform.HostNetwork.AddressText(ip);
        }
    }
}
