// INetwork over real System.Net.Sockets for the emulator and the Raspberry Pi daemon.
//
// How it works: every socket is non-blocking and lives in a table under a small integer handle
// (listeners, TCP connections and UDP sockets share one handle space, counted up from 1 and not
// reused until the counter wraps, so a stale handle cannot silently hit a newer socket). Accept,
// Connect, Receive, Send, SendTo and ReceiveFrom make one non-blocking call and translate the
// outcome into the contract's numbers; the TCP calls use the SocketError overloads, so WouldBlock
// never costs an exception, and ReceiveFrom polls before it reads for the same reason. Wait is
// the only call that blocks (HostNetwork.Wait.cs): one Socket.Select over every listener, watched
// connection and UDP socket (read list), connections with unsent output or a connect in progress
// (write list) and connects in progress (error list: Windows reports a failed connect only there),
// bounded by maxMs. What Select found readable is kept (Watched.Readable): Accept, Receive and
// ReceiveFrom make no system call on a socket it did not, so a busy loop costs one poll a pass,
// not a failed read of every socket. The loop polls (Wait(0)) even in passes that ask no wait.
//
// The file is split by concern: here the tables and TCP; HostNetwork.Wait.cs the wait, readiness
// and the wake pipe; HostNetwork.Tls.cs the TLS upgrades; HostNetwork.Udp.cs the DNS sockets.
//
// An outbound connection is Connecting until its socket turns writable or reports an error;
// SO_ERROR then tells success from failure. SO_ERROR is read once and the outcome kept: reading it
// clears it, and Socket.Connected says true after a refused connect too, so neither can be asked
// twice. Wait settles every connect in progress after Select, so a completed connect leaves the
// write list even if the loop has not asked ConnectStatus yet.
//
// Invariants:
//   - A connection whose Receive returned -1 (EOF or error) leaves the read list: an EOF socket is
//     readable forever, and the loop may still be flushing a final reply to it.
//   - A connection is in the write list from a Send that took less than it was given (0 or
//     partial) until a Send that takes everything, so the loop wakes when the kernel has room.
//   - A listener that failed for lack of resources (EMFILE, ENOBUFS) sits out of the read list for
//     a short pause; otherwise its pending connection would make Wait spin.
//   - A failed connect or UDP socket holds no socket (it is disposed at once) but keeps its handle
//     until Close, so the loop's bookkeeping stays the same on every path.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed partial class HostNetwork : INetwork, IDisposable
    {
        // Limits
        private const int Backlog = 64;
        private const int MaxIdleSleepMs = 1000;           // Wait with no sockets at all
        private const long MaxSelectMs = int.MaxValue / 1000; // Select takes microseconds in an int
        private const int ListenerPauseMs = 100;           // after EMFILE/ENOBUFS on accept
        private const int MaxAcceptAttempts = 8;           // connections that die before we see them
        private const int MaxUdpErrorsSkipped = 16;        // queued ICMP errors read past in one call
        private const int MaxDatagramBytes = 65536;        // UDP's own limit: nothing is cut on receipt
        private const int MaxPlaintextBeforeTls = 64 * 1024; // drained at StartTls*; more is a flood
        private const byte TlsHandshakeRecord = 0x16;      // a TLS record's first byte (RFC 8446 §5.1)
        private const byte TlsMajorVersion = 0x03;         // its second: legacy_record_version 3.x
        private const int MaxWakeBytesDrained = 4096;      // per Wait; the rest wakes the next one

        // ConnectStatus values (INetwork)
        private const int Connecting = 0;
        private const int Connected = 1;
        private const int Failed = -1;

        // TlsStatus value for a connection without TLS (INetwork); the others are HostTlsChannel's
        private const int TlsPlain = 2;

        // What Select last said of a socket: readable (a connection or datagram waiting, bytes or
        // EOF to read). Accept, Receive and ReceiveFrom make no system call while it is false.
        private abstract class Watched
        {
            public bool Readable = true;
        }

        private sealed class Listener : Watched
        {
            public Socket Socket;
            public long PausedUntilMs;
        }

        private sealed class Connection : Watched
        {
            public Socket Socket;    // null once a connect failed
            public string RemoteAddress;
            public int State = Connected; // Connecting only for Connect, until it settles
            public bool Ended;       // Receive returned -1 once; it keeps returning -1
            public bool SendPending; // the last Send left bytes unsent
            public bool ReceiveUnwatched; // the loop takes no input now (WatchReceive false)
            public HostTlsChannel Tls; // from StartTlsClient/StartTlsServer on; it owns Socket then
            public int DiscardedBeforeTls; // plaintext dropped at the upgrade
        }

        private sealed class UdpSocket : Watched
        {
            public Socket Socket;    // null once the socket failed
            public AddressFamily Family;
        }

        // Tables
        private readonly Dictionary<int, Listener> _listeners = new Dictionary<int, Listener>();
        private readonly Dictionary<int, Connection> _connections = new Dictionary<int, Connection>();
        private readonly Dictionary<int, UdpSocket> _udpSockets = new Dictionary<int, UdpSocket>();
        private int _lastHandle;

        // Wait's scratch lists, reused so that the idle loop does not allocate
        private readonly List<Socket> _readList = new List<Socket>();
        private readonly List<Watched> _readOwners = new List<Watched>(); // _readList's owners, in order
        private readonly List<Socket> _writeList = new List<Socket>();
        private readonly List<Socket> _errorList = new List<Socket>();
        private bool _connectsInProgress;

        // TLS: the self-pipe that pool threads poke to end a Wait (created with the first TLS
        // connection), and StartTlsClient's drain buffer
        private Socket _wakeReceiver;
        private Socket _wakeSender;
        private readonly byte[] _wakeDrain = new byte[64];
        private static readonly byte[] s_wakeByte = { 1 };
        private byte[] _scratch;

        // StartTlsServer's certificate, built from ServerCertificate and ServerCertificateChain
        // when first needed after either was set
        private SslStreamCertificateContext _serverContext;
        private X509Certificate2 _serverCertificate;
        private X509Certificate2Collection _serverChain;

        // ReceiveFrom reads whole datagrams here, then copies what fits: how a datagram longer than
        // the caller's buffer is reported differs by OS (cut silently on Linux, an error on Windows).
        private byte[] _datagram;

        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private bool _disposed;

        /// <summary>
        /// Binds and listens. "::" is dual-stack: it also takes IPv4 clients, whose addresses are
        /// reported as plain IPv4 (so do not also listen on "0.0.0.0" at the same port). Port 0
        /// picks a free port; see LocalPort. Throws FormatException for a bad literal and
        /// SocketException when the address cannot be bound.
        /// </summary>
        public int Listen(string address, int port)
        {
            ThrowIfDisposed();
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            IPAddress ip = ParseLiteral(address.Trim());

            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                AllowRebindDuringTimeWait(socket);
                if (ip.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // Set explicitly: the OS default differs (dual on Linux, v6-only on Windows).
                    socket.DualMode = ip.Equals(IPAddress.IPv6Any);
                }
                socket.Bind(new IPEndPoint(ip, port));
                socket.Listen(Backlog);
                socket.Blocking = false;
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            int handle = NextHandle();
            _listeners.Add(handle, new Listener { Socket = socket });
            return handle;
        }

        /// <summary>The port a listener or a working UDP socket is bound to (the chosen one when Listen was given 0).</summary>
        public int LocalPort(int handle)
        {
            ThrowIfDisposed();
            if (_udpSockets.TryGetValue(handle, out UdpSocket udp))
            {
                if (udp.Socket == null) throw new InvalidOperationException("UDP socket " + handle + " failed.");
                return ((IPEndPoint)udp.Socket.LocalEndPoint).Port;
            }
            return ((IPEndPoint)GetListener(handle).Socket.LocalEndPoint).Port;
        }

        public int Accept(int listener)
        {
            Listener entry = GetListener(listener);
            if (!entry.Readable || entry.PausedUntilMs > NowMs()) return -1;

            for (int attempt = 0; attempt < MaxAcceptAttempts; attempt++)
            {
                Socket socket;
                try
                {
                    socket = entry.Socket.Accept();
                }
                catch (SocketException e)
                {
                    switch (e.SocketErrorCode)
                    {
                        case SocketError.WouldBlock:
                        case SocketError.Interrupted:
                            entry.Readable = false;
                            return -1;
                        case SocketError.ConnectionAborted: // reset while in the backlog
                        case SocketError.ConnectionReset:
                            continue;
                        default:
                            // EMFILE, ENOBUFS and the like: the connection stays queued and the
                            // listener stays readable, so rest it instead of spinning in Wait.
                            entry.PausedUntilMs = NowMs() + ListenerPauseMs;
                            return -1;
                    }
                }

                string remote;
                try
                {
                    socket.Blocking = false;
                    // Replies are small and written once per command batch; Nagle would hold
                    // each one back for the peer's delayed ACK.
                    socket.NoDelay = true;
                    remote = AddressText(((IPEndPoint)socket.RemoteEndPoint).Address);
                }
                catch (SocketException)
                {
                    socket.Dispose(); // died between accept and here: nothing to report
                    continue;
                }

                int handle = NextHandle();
                _connections.Add(handle, new Connection { Socket = socket, RemoteAddress = remote });
                // The next Wait says whether more are queued: asking Accept would throw for "none"
                // (it has no SocketError form), and an exception costs more than that poll.
                entry.Readable = false;
                return handle;
            }
            return -1;
        }

        /// <summary>
        /// Starts a non-blocking connect. A socket that cannot even be created (no IPv6 here, out of
        /// descriptors) or a connect the system refuses at once gives a handle that is already
        /// Failed. Throws FormatException for a bad literal.
        /// </summary>
        public int Connect(string address, int port)
        {
            ThrowIfDisposed();
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            IPAddress ip = ParseLiteral(address.Trim());

            var entry = new Connection { RemoteAddress = AddressText(ip), State = Connecting };
            try
            {
                entry.Socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                entry.Socket.Blocking = false;
                entry.Socket.NoDelay = true; // commands are small; see Accept
                entry.Socket.Connect(new IPEndPoint(ip, port));
                entry.State = Connected; // loopback may complete at once
            }
            catch (SocketException e)
            {
                if (entry.Socket == null || !IsConnectInProgress(e.SocketErrorCode)) Fail(entry);
            }

            int handle = NextHandle();
            _connections.Add(handle, entry);
            if (entry.State == Connecting) _connectsInProgress = true;
            return handle;
        }

        public int ConnectStatus(int connection)
        {
            return Settle(GetConnection(connection));
        }

        public string RemoteAddress(int connection)
        {
            return GetConnection(connection).RemoteAddress;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            Connection entry = GetConnection(connection);
            CheckRange(buffer, offset, count);
            if (entry.Tls != null)
            {
                if (entry.Ended) return -1;
                int taken = entry.Tls.Receive(buffer, offset, count);
                if (taken < 0) entry.Ended = true;
                return taken;
            }
            if (Settle(entry) == Connecting) return 0;
            if (entry.Ended) return -1;
            if (count == 0 || !entry.Readable) return 0; // a 0-byte read would look like EOF

            int n = entry.Socket.Receive(buffer, offset, count, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                // A short read emptied the kernel's buffer: the next Select says when more came.
                if (n < count) entry.Readable = false;
                if (n > 0) return n;
                entry.Ended = true; // orderly shutdown by the peer
                return -1;
            }
            if (error == SocketError.WouldBlock || error == SocketError.Interrupted)
            {
                entry.Readable = false;
                return 0;
            }
            entry.Ended = true; // ConnectionReset, TimedOut, ...
            return -1;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            Connection entry = GetConnection(connection);
            CheckRange(buffer, offset, count);
            if (entry.Tls != null) return entry.Tls.Send(buffer, offset, count);
            int state = Settle(entry);
            if (state == Connecting) return 0;
            if (state == Failed) return -1;
            if (count == 0) return 0;

            int n = entry.Socket.Send(buffer, offset, count, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                entry.SendPending = n < count;
                return n;
            }
            if (error == SocketError.WouldBlock || error == SocketError.Interrupted)
            {
                entry.SendPending = true;
                return 0;
            }
            entry.SendPending = false; // nothing more will go out; do not wake for it
            return -1;
        }

        /// <summary>True when the last Send on this connection left bytes unsent.</summary>
        public bool IsSendPending(int connection)
        {
            Connection entry = GetConnection(connection);
            return entry.Tls != null ? entry.Tls.SendBlocked : entry.SendPending;
        }

        public void WatchReceive(int connection, bool watch)
        {
            ThrowIfDisposed();
            GetConnection(connection).ReceiveUnwatched = !watch;
        }

        /// <summary>Closes a connection, listener or UDP socket and forgets its handle; unknown handles are ignored.</summary>
        public void Close(int connection)
        {
            if (_connections.TryGetValue(connection, out Connection c))
            {
                _connections.Remove(connection);
                if (c.Tls != null) c.Tls.Close(); // it owns the socket and may flush first
                else DisposeQuietly(c.Socket);
            }
            else if (_listeners.TryGetValue(connection, out Listener l))
            {
                _listeners.Remove(connection);
                DisposeQuietly(l.Socket);
            }
            else if (_udpSockets.TryGetValue(connection, out UdpSocket u))
            {
                _udpSockets.Remove(connection);
                DisposeQuietly(u.Socket);
            }
        }

        // This machine

        /// <summary>
        /// Unicast addresses of every interface, up or down, without IPv6 scope ids ("fe80::1", not
        /// "fe80::1%2"); 127.0.0.1 is always included, even where the interfaces cannot be listed.
        /// </summary>
        public string[] LocalAddresses()
        {
            ThrowIfDisposed();
            var addresses = new List<string>();
            try
            {
                foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
                {
                    foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                    {
                        string text = AddressText(WithoutScope(unicast.Address));
                        if (!addresses.Contains(text)) addresses.Add(text);
                    }
                }
            }
            catch (NetworkInformationException)
            {
                // Fall through to loopback alone: better than no answer at all.
            }
            if (!addresses.Contains("127.0.0.1")) addresses.Insert(0, "127.0.0.1");
            return addresses.ToArray();
        }

        /// <summary>An address as the core shows it: IPv4-mapped IPv6 ("::ffff:192.0.2.7") as plain IPv4.</summary>
        public static string AddressText(IPAddress address)
        {
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return address.ToString();
        }

        /// <summary>Closes every listener, connection and UDP socket (TLS connections as Close does).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Connection c in _connections.Values)
            {
                if (c.Tls != null) c.Tls.Close();
                else DisposeQuietly(c.Socket);
            }
            DisposeQuietly(_wakeReceiver);
            DisposeQuietly(_wakeSender);
            foreach (Listener l in _listeners.Values) DisposeQuietly(l.Socket);
            foreach (UdpSocket u in _udpSockets.Values) DisposeQuietly(u.Socket);
            _connections.Clear();
            _listeners.Clear();
            _udpSockets.Clear();
        }

        // Helpers

        private int NextHandle()
        {
            // Count up; after a wrap, skip handles still in use.
            do
            {
                _lastHandle = _lastHandle == int.MaxValue ? 1 : _lastHandle + 1;
            }
            while (_connections.ContainsKey(_lastHandle) || _listeners.ContainsKey(_lastHandle)
                || _udpSockets.ContainsKey(_lastHandle));
            return _lastHandle;
        }

        // Moves a connect in progress to Connected or Failed once the socket says so; returns the state.
        private static int Settle(Connection entry)
        {
            if (entry.State != Connecting) return entry.State;
            try
            {
                bool writable = entry.Socket.Poll(0, SelectMode.SelectWrite);
                bool error = entry.Socket.Poll(0, SelectMode.SelectError);
                if (!writable && !error) return Connecting;
                // Read once: reading clears it (see the header).
                var soError = (int)entry.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error);
                if (soError != 0) Fail(entry);
                else if (writable) entry.State = Connected;
            }
            catch (SocketException)
            {
                Fail(entry);
            }
            return entry.State;
        }

        private static void Fail(Connection entry)
        {
            entry.State = Failed;
            entry.Ended = true;
            entry.SendPending = false;
            if (entry.Socket != null) DisposeQuietly(entry.Socket);
            entry.Socket = null;
        }

        // EINPROGRESS on Unix (which .NET reports as WouldBlock), WSAEWOULDBLOCK on Windows.
        private static bool IsConnectInProgress(SocketError error)
        {
            return error == SocketError.WouldBlock || error == SocketError.InProgress
                || error == SocketError.AlreadyInProgress || error == SocketError.Interrupted;
        }

        // Errors an ICMP message about an earlier datagram leaves on a UDP socket.
        private static bool IsQueuedIcmpError(SocketError error)
        {
            switch (error)
            {
                case SocketError.ConnectionReset:    // Windows: port unreachable
                case SocketError.ConnectionRefused:  // Linux: port unreachable
                case SocketError.HostUnreachable:
                case SocketError.NetworkUnreachable:
                case SocketError.HostDown:
                    return true;
                default:
                    return false;
            }
        }

        private static IPAddress WithoutScope(IPAddress address)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
                return new IPAddress(address.GetAddressBytes());
            return address;
        }

        // IPAddress.Parse also takes "127.1" and "10" (inet_aton's short forms); an address in a
        // config file that reads like that is far more likely a typo than an intent.
        private static IPAddress ParseLiteral(string text)
        {
            IPAddress ip = IPAddress.Parse(text);
            if (ip.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Length != 4)
                throw new FormatException("An IPv4 address needs four dotted parts: '" + text + "'.");
            return ip;
        }

        private Listener GetListener(int handle)
        {
            ThrowIfDisposed();
            if (_listeners.TryGetValue(handle, out Listener l)) return l;
            throw new ArgumentException("Unknown listener handle " + handle + ".", nameof(handle));
        }

        private Connection GetConnection(int handle)
        {
            ThrowIfDisposed();
            if (_connections.TryGetValue(handle, out Connection c)) return c;
            throw new ArgumentException("Unknown connection handle " + handle + ".", nameof(handle));
        }

        private UdpSocket GetUdp(int handle)
        {
            ThrowIfDisposed();
            if (_udpSockets.TryGetValue(handle, out UdpSocket u)) return u;
            throw new ArgumentException("Unknown UDP socket handle " + handle + ".", nameof(handle));
        }

        // SO_REUSEADDR lets a restarted daemon bind while its old connections sit in TIME_WAIT.
        // .NET (10) already sets it inside Bind for TCP on Unix; it is set here as well so that the
        // restart behaviour does not rest on a runtime detail. Set raw, because on Unix .NET's
        // SocketOptionName.ReuseAddress also sets SO_REUSEPORT, which on Linux lets a second
        // daemon bind the same port and silently take half the connections. On Windows
        // SO_REUSEADDR would let another process steal the port, and a plain bind already
        // succeeds there, so nothing is set.
        private static void AllowRebindDuringTimeWait(Socket socket)
        {
            if (OperatingSystem.IsLinux())
                socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
                socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 4 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        }

        private static void CheckRange(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException(nameof(count));
        }

        private static void DisposeQuietly(Socket socket)
        {
            if (socket == null) return;
            try
            {
                socket.Dispose();
            }
            catch (SocketException)
            {
            }
        }

        private long NowMs()
        {
            return _clock.ElapsedMilliseconds;
        }

        private void ThrowIfDisposed()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }
    }
}
