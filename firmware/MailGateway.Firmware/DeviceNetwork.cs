// INetwork on nanoFramework's sockets (lwIP on the ESP32): TCP listeners and connections and UDP
// sockets in one table of small integer handles. nanoFramework's sockets block and there is no
// Select, so nothing here waits on a socket: readiness is asked with Poll(0, …) and Available,
// blocking connects and TLS handshakes run on helper threads (DeviceConnection), and Wait polls
// every socket that can have work every PollSliceMs, waking early when a helper thread finishes.
// With lwIP's ten or so sockets, one round of polls is a few native calls.
//
// IPv4 only: nanoFramework's sockets bind and connect IPv4 endpoints only. "0.0.0.0" and "::"
// listen on every interface (IPv4); another IPv6 listener address is refused when the gateway
// starts; OpenUdp(ipv6) has no socket to give (-1); a Connect to an IPv6 address fails as
// unreachable (ConnectStatus -1), so the core's MX planner moves on to the next address.
//
// Network conditions come back as values, as INetwork requires; misuse (unknown handles,
// malformed literals) throws.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class DeviceNetwork : INetwork
    {
        /// <summary>How often Wait looks at the sockets again when nothing woke it.</summary>
        public const int PollSliceMs = 10;
        /// <summary>Connections a listener's queue holds before lwIP refuses more.</summary>
        public const int Backlog = 4;
        /// <summary>Largest datagram read whole (Ethernet MTU); DNS answers are at most 1232 bytes (EDNS).</summary>
        public const int MaxDatagram = 1500;

        private sealed class Listener
        {
            public System.Net.Sockets.Socket Socket;
        }

        private sealed class Udp
        {
            public System.Net.Sockets.Socket Socket;
            public bool Failed;
        }

        private readonly DeviceClock _clock;
        private readonly System.Threading.AutoResetEvent _wake = new System.Threading.AutoResetEvent(false);
        private readonly ArrayList _handles = new ArrayList();       // Listener, Udp or DeviceConnection; null: free
        private readonly byte[] _datagram = new byte[MaxDatagram];

        /// <summary>The server certificate and trust anchors (TlsMaterial); either part may be null.</summary>
        public TlsMaterial Tls = new TlsMaterial();

        public DeviceNetwork(DeviceClock clock)
        {
            _clock = clock;
        }

        // ---- TCP: listening and accepting -------------------------------------------------

        public int Listen(string address, int port)
        {
            CheckPort(port);
            System.Net.IPAddress ip = ListenAddress(address);
            System.Net.Sockets.Socket s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                s.Bind(new System.Net.IPEndPoint(ip, port));
                s.Listen(Backlog);
            }
            catch (System.Exception)
            {
                s.Close();
                throw;
            }
            Listener l = new Listener();
            l.Socket = s;
            return Add(l);
        }

        public int Accept(int listener)
        {
            Listener l = _handles[Index(listener)] as Listener;
            if (l == null) throw new System.ArgumentException("not a listener: " + listener.ToString());
            try
            {
                if (!l.Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead)) return -1;
                System.Net.Sockets.Socket s = l.Socket.Accept();
                string remote = "0.0.0.0";
                try
                {
                    remote = ((System.Net.IPEndPoint)s.RemoteEndPoint).Address.ToString();
                }
                catch (System.Exception)
                {
                    // Reset before we asked: the session starts and sees the close at once.
                }
                return Add(new DeviceConnection(s, remote, true, _wake));
            }
            catch (System.Net.Sockets.SocketException)
            {
                return -1;   // out of sockets, or the client went away: it may try again
            }
        }

        // ---- TCP: outbound ------------------------------------------------------------------

        public int Connect(string address, int port)
        {
            CheckPort(port);
            byte[] ip = MailGateway.Core.Relay.IpAddress.Parse(address);
            if (ip == null) throw new System.ArgumentException("not an IP address: " + address);
            if (ip.Length != 4) return Add(new DeviceConnection(null, address, false, _wake));   // no IPv6 here
            System.Net.Sockets.Socket s;
            try
            {
                s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            }
            catch (System.Exception)
            {
                return Add(new DeviceConnection(null, address, false, _wake));          // out of sockets
            }
            DeviceConnection c = new DeviceConnection(s, address, false, _wake);
            int handle = Add(c);
            c.BeginConnect(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), port));
            return handle;
        }

        public int ConnectStatus(int connection)
        {
            return Connection(connection).ConnectStatus;
        }

        // ---- TCP: connections -----------------------------------------------------------------

        public string RemoteAddress(int connection)
        {
            return Connection(connection).RemoteAddress;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            CheckRange(buffer, offset, count);
            return Connection(connection).Receive(buffer, offset, count);
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            CheckRange(buffer, offset, count);
            return Connection(connection).Send(buffer, offset, count);
        }

        public void Close(int connection)
        {
            if (connection < 0 || connection >= _handles.Count || _handles[connection] == null) return;
            object o = _handles[connection];
            _handles[connection] = null;
            try
            {
                DeviceConnection c = o as DeviceConnection;
                if (c != null)
                {
                    c.Close();
                    return;
                }
                Listener l = o as Listener;
                if (l != null)
                {
                    l.Socket.Close();
                    return;
                }
                ((Udp)o).Socket.Close();
            }
            catch (System.Exception)
            {
                // Closing is best effort; the handle is free either way.
            }
        }

        public void WatchReceive(int connection, bool watch)
        {
            Connection(connection).Watch = watch;
        }

        // ---- TCP: TLS ---------------------------------------------------------------------------

        public void StartTlsClient(int connection, string serverName, bool verifyCertificate)
        {
            if (serverName == null || serverName.Length == 0) throw new System.ArgumentException("serverName");
            DeviceConnection c = Connection(connection);
            CheckTlsStart(c);
            if (serverName[serverName.Length - 1] == '.') serverName = serverName.Substring(0, serverName.Length - 1);
            c.BeginTlsClient(serverName, verifyCertificate, Tls.TrustAnchors);
        }

        public void StartTlsServer(int connection)
        {
            DeviceConnection c = Connection(connection);
            CheckTlsStart(c);
            c.BeginTlsServer(Tls.Server);
        }

        public int TlsStatus(int connection)
        {
            return Connection(connection).TlsStatus;
        }

        public string TlsDescription(int connection)
        {
            return Connection(connection).TlsDescription;
        }

        // ---- UDP --------------------------------------------------------------------------------

        public int OpenUdp(bool ipv6)
        {
            if (ipv6) return -1;
            System.Net.Sockets.Socket s = null;
            try
            {
                s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                // nanoFramework's ReceiveFrom needs a bound socket; port 0: an ephemeral one.
                s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
            }
            catch (System.Exception)
            {
                if (s != null) s.Close();
                return -1;
            }
            Udp u = new Udp();
            u.Socket = s;
            return Add(u);
        }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            Udp u = UdpOf(udp);
            CheckRange(buffer, offset, count);
            CheckPort(port);
            byte[] ip = MailGateway.Core.Relay.IpAddress.Parse(address);
            if (ip == null || ip.Length != 4) throw new System.ArgumentException("not an IPv4 address: " + address);
            if (u.Failed) return false;
            try
            {
                return u.Socket.SendTo(buffer, offset, count, System.Net.Sockets.SocketFlags.None,
                    new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), port)) == count;
            }
            catch (System.Exception)
            {
                return false;   // no route, no buffer: as if the datagram were lost
            }
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            Udp u = UdpOf(udp);
            CheckRange(buffer, offset, count);
            address = null;
            port = 0;
            if (u.Failed) return -1;
            try
            {
                if (u.Socket.Available == 0) return 0;
                System.Net.EndPoint from = new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0);
                int n = u.Socket.ReceiveFrom(_datagram, 0, _datagram.Length, System.Net.Sockets.SocketFlags.None, ref from);
                System.Net.IPEndPoint sender = (System.Net.IPEndPoint)from;
                address = sender.Address.ToString();
                port = sender.Port;
                int take = n < count ? n : count;    // a longer datagram is cut, as INetwork says
                System.Array.Copy(_datagram, 0, buffer, offset, take);
                return take;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // ICMP errors for earlier datagrams and oversize datagrams land here: skipped.
                return 0;
            }
            catch (System.Exception)
            {
                u.Failed = true;
                return -1;
            }
        }

        // ---- This machine -----------------------------------------------------------------------

        public string[] LocalAddresses()
        {
            ArrayList list = new ArrayList();
            list.Add("127.0.0.1");
            System.Net.NetworkInformation.NetworkInterface[] all = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces();
            for (int i = 0; i < all.Length; i++)
            {
                string a = all[i].IPv4Address;
                if (a != null && a != "0.0.0.0") list.Add(a);
            }
            string[] result = new string[list.Count];
            for (int i = 0; i < result.Length; i++) result[i] = (string)list[i];
            return result;
        }

        // ---- Waiting ----------------------------------------------------------------------------

        public void Wait(long maxMs)
        {
            long end = _clock.MonotonicMs() + maxMs;
            while (true)
            {
                if (AnyReady()) return;
                long left = end - _clock.MonotonicMs();
                if (left <= 0) return;
                _wake.WaitOne(left < PollSliceMs ? (int)left : PollSliceMs, false);
            }
        }

        /// <summary>Ends a Wait early (the console's input is polled between loop passes).</summary>
        public void Wake()
        {
            _wake.Set();
        }

        private bool AnyReady()
        {
            for (int i = 0; i < _handles.Count; i++)
            {
                object o = _handles[i];
                if (o == null) continue;
                try
                {
                    DeviceConnection c = o as DeviceConnection;
                    if (c != null)
                    {
                        if (c.Ready()) return true;
                        continue;
                    }
                    Listener l = o as Listener;
                    if (l != null)
                    {
                        if (l.Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead)) return true;
                        continue;
                    }
                    Udp u = (Udp)o;
                    if (!u.Failed && u.Socket.Available > 0) return true;
                }
                catch (System.Exception)
                {
                    return true;   // let the loop find out what broke
                }
            }
            return false;
        }

        // ---- helpers ----------------------------------------------------------------------------

        private int Add(object entry)
        {
            for (int i = 0; i < _handles.Count; i++)
            {
                if (_handles[i] == null)
                {
                    _handles[i] = entry;
                    return i;
                }
            }
            _handles.Add(entry);
            return _handles.Count - 1;
        }

        private int Index(int handle)
        {
            if (handle < 0 || handle >= _handles.Count || _handles[handle] == null)
            {
                throw new System.ArgumentException("unknown handle " + handle.ToString());
            }
            return handle;
        }

        private DeviceConnection Connection(int handle)
        {
            DeviceConnection c = _handles[Index(handle)] as DeviceConnection;
            if (c == null) throw new System.ArgumentException("not a TCP connection: " + handle.ToString());
            return c;
        }

        private Udp UdpOf(int handle)
        {
            Udp u = _handles[Index(handle)] as Udp;
            if (u == null) throw new System.ArgumentException("not a UDP socket: " + handle.ToString());
            return u;
        }

        private static void CheckTlsStart(DeviceConnection c)
        {
            if (c.ConnectStatus == 0) throw new System.InvalidOperationException("TLS started while connecting");
            if (c.TlsStatus != TlsState.Plain) throw new System.InvalidOperationException("TLS already started");
        }

        private static System.Net.IPAddress ListenAddress(string address)
        {
            if (address == "0.0.0.0" || address == "::") return System.Net.IPAddress.Any;
            byte[] ip = MailGateway.Core.Relay.IpAddress.Parse(address);
            if (ip == null) throw new System.ArgumentException("not an IP address: " + address);
            if (ip.Length != 4) throw new System.NotSupportedException("cannot listen on " + address + ": this device has IPv4 only");
            return System.Net.IPAddress.Parse(address);
        }

        private static void CheckPort(int port)
        {
            if (port < 0 || port > 65535) throw new System.ArgumentOutOfRangeException("port");
        }

        private static void CheckRange(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new System.ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset > buffer.Length - count) throw new System.ArgumentOutOfRangeException("count");
        }
    }
}
