// IDnsTransport over real System.Net.Sockets, for running the core resolver against a real DNS
// server on loopback (the host's INetwork gains UDP in a parallel branch; this stands in until
// then). Non-blocking sockets, every call returns at once; Wait sleeps in Socket.Select. It
// refuses any address that is not loopback: these tests never send a packet anywhere else.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public sealed class SocketDnsTransport : IDnsTransport, IDisposable
    {
        private readonly Dictionary<int, Socket> _sockets = new();
        private readonly HashSet<int> _connecting = new();
        private int _nextHandle = 1;

        public int OpenCount => _sockets.Count;

        private static IPEndPoint Loopback(string address, int port)
        {
            IPAddress ip = IPAddress.Parse(address);
            if (!IPAddress.IsLoopback(ip)) throw new InvalidOperationException("DNS tests talk to loopback only, not " + address);
            return new IPEndPoint(ip, port);
        }

        private int Add(Socket socket)
        {
            int handle = _nextHandle++;
            _sockets[handle] = socket;
            return handle;
        }

        public int OpenUdp(bool ipv6)
        {
            var socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Blocking = false;
            socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            return Add(socket);
        }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            try
            {
                return _sockets[udp].SendTo(buffer, offset, count, SocketFlags.None, Loopback(address, port)) == count;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            address = null;
            port = 0;
            Socket socket = _sockets[udp];
            try
            {
                if (socket.Available == 0) return 0;
                EndPoint from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                int n = socket.ReceiveFrom(buffer, offset, count, SocketFlags.None, ref from);
                var source = (IPEndPoint)from;
                address = source.Address.ToString();
                port = source.Port;
                return n;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock || e.SocketErrorCode == SocketError.ConnectionReset || e.SocketErrorCode == SocketError.MessageSize)
            {
                return 0;
            }
        }

        public int Connect(string address, int port)
        {
            IPEndPoint to = Loopback(address, port);
            var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
            try
            {
                socket.Connect(to);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock || e.SocketErrorCode == SocketError.InProgress)
            {
            }
            catch (SocketException)
            {
                socket.Dispose();
                return -1;
            }
            int handle = Add(socket);
            _connecting.Add(handle);
            return handle;
        }

        public int ConnectStatus(int connection)
        {
            Socket socket = _sockets[connection];
            if (socket.Poll(0, SelectMode.SelectError)) return -1;
            if (!socket.Poll(0, SelectMode.SelectWrite)) return 0;
            _connecting.Remove(connection);
            return socket.Connected ? 1 : -1;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            int n = _sockets[connection].Send(buffer, offset, count, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) return 0;
            return error == SocketError.Success ? n : -1;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            Socket socket = _sockets[connection];
            if (!socket.Poll(0, SelectMode.SelectRead)) return 0;
            int n = socket.Receive(buffer, offset, count, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) return 0;
            if (error != SocketError.Success || n == 0) return -1;
            return n;
        }

        public void Close(int handle)
        {
            if (_sockets.Remove(handle, out Socket socket)) socket.Dispose();
            _connecting.Remove(handle);
        }

        /// <summary>Sleeps until a socket is readable (or a connect finished), at most maxMs.</summary>
        public void Wait(long maxMs)
        {
            int micros = (int)Math.Clamp(maxMs, 0, 50) * 1000;
            var read = _sockets.Values.ToList();
            var write = _connecting.Select(h => _sockets[h]).ToList();
            if (read.Count == 0)
            {
                if (micros > 0) Thread.Sleep(micros / 1000);
                return;
            }
            Socket.Select(read, write.Count > 0 ? write : null, null, micros);
        }

        public void Dispose()
        {
            foreach (Socket socket in _sockets.Values) socket.Dispose();
            _sockets.Clear();
        }

        /// <summary>Milliseconds of a monotonic clock, for driving lookups over real sockets.</summary>
        public static long NowMs => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;
    }
}
