// INetwork over real System.Net.Sockets for the emulator and the Raspberry Pi daemon.
//
// How it works: every socket is non-blocking and lives in a table under a small integer handle
// (listeners and connections share one handle space, counted up from 1 and not reused until the
// counter wraps, so a stale handle cannot silently hit a newer connection). Accept, Receive and
// Send make one non-blocking call and translate the outcome into the contract's numbers; they use
// the SocketError overloads, so WouldBlock never costs an exception. Wait is the only call that
// blocks: one Socket.Select over every listener and connection (read list), plus the write list for
// connections that still have unsent output, bounded by maxMs.
//
// Invariants:
//   - A connection whose Receive returned -1 (EOF or error) leaves the read list: an EOF socket is
//     readable forever, and the loop may still be flushing a final reply to it.
//   - A connection is in the write list from a Send that took less than it was given (0 or
//     partial) until a Send that takes everything, so the loop wakes when the kernel has room.
//   - A listener that failed for lack of resources (EMFILE, ENOBUFS) sits out of the read list for
//     a short pause; otherwise its pending connection would make Wait spin.
//
// Deliberately not here: outbound connect, TLS and UDP (the contract has none of them yet), and
// threads: the loop thread is the only caller.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostNetwork : INetwork, IDisposable
    {
        // Limits
        private const int Backlog = 64;
        private const int MaxIdleSleepMs = 1000;           // Wait with no sockets at all
        private const long MaxSelectMs = int.MaxValue / 1000; // Select takes microseconds in an int
        private const int ListenerPauseMs = 100;           // after EMFILE/ENOBUFS on accept
        private const int MaxAcceptAttempts = 8;           // connections that die before we see them

        private sealed class Listener
        {
            public Socket Socket;
            public long PausedUntilMs;
        }

        private sealed class Connection
        {
            public Socket Socket;
            public string RemoteAddress;
            public bool Ended;       // Receive returned -1 once; it keeps returning -1
            public bool SendPending; // the last Send left bytes unsent
            public bool ReceiveUnwatched; // the loop takes no input now (WatchReceive false)
        }

        // Tables
        private readonly Dictionary<int, Listener> _listeners = new Dictionary<int, Listener>();
        private readonly Dictionary<int, Connection> _connections = new Dictionary<int, Connection>();
        private int _lastHandle;

        // Wait's scratch lists, reused so that the idle loop does not allocate
        private readonly List<Socket> _readList = new List<Socket>();
        private readonly List<Socket> _writeList = new List<Socket>();

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

        /// <summary>The port a listener is bound to (the chosen one when Listen was given 0).</summary>
        public int LocalPort(int listener)
        {
            return ((IPEndPoint)GetListener(listener).Socket.LocalEndPoint).Port;
        }

        public int Accept(int listener)
        {
            Listener entry = GetListener(listener);
            if (entry.PausedUntilMs > NowMs()) return -1;

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
                return handle;
            }
            return -1;
        }

        public string RemoteAddress(int connection)
        {
            return GetConnection(connection).RemoteAddress;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            Connection entry = GetConnection(connection);
            CheckRange(buffer, offset, count);
            if (entry.Ended) return -1;
            if (count == 0) return 0; // a 0-byte read would look like EOF

            int n = entry.Socket.Receive(buffer, offset, count, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                if (n > 0) return n;
                entry.Ended = true; // orderly shutdown by the peer
                return -1;
            }
            if (error == SocketError.WouldBlock || error == SocketError.Interrupted) return 0;
            entry.Ended = true; // ConnectionReset, TimedOut, ...
            return -1;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            Connection entry = GetConnection(connection);
            CheckRange(buffer, offset, count);
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
            return GetConnection(connection).SendPending;
        }

        public void WatchReceive(int connection, bool watch)
        {
            ThrowIfDisposed();
            GetConnection(connection).ReceiveUnwatched = !watch;
        }

        /// <summary>Closes a connection or a listener and forgets its handle; unknown handles are ignored.</summary>
        public void Close(int connection)
        {
            if (_connections.TryGetValue(connection, out Connection c))
            {
                _connections.Remove(connection);
                DisposeQuietly(c.Socket);
            }
            else if (_listeners.TryGetValue(connection, out Listener l))
            {
                _listeners.Remove(connection);
                DisposeQuietly(l.Socket);
            }
        }

        /// <summary>
        /// Returns when a listener has a connection waiting, a connection has data, EOF or an error,
        /// a connection with pending output can take more, or maxMs passed. 0 only polls; negative
        /// counts as 0; values beyond Select's range are clamped. Spurious wake-ups are allowed.
        /// </summary>
        public void Wait(long maxMs)
        {
            ThrowIfDisposed();
            if (maxMs < 0) maxMs = 0;

            _readList.Clear();
            _writeList.Clear();
            long nowMs = NowMs();
            foreach (Listener l in _listeners.Values)
            {
                if (l.PausedUntilMs > nowMs)
                    maxMs = Math.Min(maxMs, l.PausedUntilMs - nowMs);
                else
                    _readList.Add(l.Socket);
            }
            foreach (Connection c in _connections.Values)
            {
                if (!c.Ended && !c.ReceiveUnwatched) _readList.Add(c.Socket);
                if (c.SendPending) _writeList.Add(c.Socket);
            }

            if (_readList.Count == 0 && _writeList.Count == 0)
            {
                if (maxMs > 0) Thread.Sleep((int)Math.Min(maxMs, MaxIdleSleepMs));
                return;
            }

            int microSeconds = (int)(Math.Min(maxMs, MaxSelectMs) * 1000);
            try
            {
                Socket.Select(
                    _readList.Count > 0 ? _readList : null,
                    _writeList.Count > 0 ? _writeList : null,
                    null,
                    microSeconds);
            }
            catch (SocketException)
            {
                // EINTR and the like: a spurious wake-up, which the contract allows.
            }
            finally
            {
                _readList.Clear();
                _writeList.Clear();
            }
        }

        /// <summary>An address as the core shows it: IPv4-mapped IPv6 ("::ffff:192.0.2.7") as plain IPv4.</summary>
        public static string AddressText(IPAddress address)
        {
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return address.ToString();
        }

        /// <summary>Closes every listener and connection.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Connection c in _connections.Values) DisposeQuietly(c.Socket);
            foreach (Listener l in _listeners.Values) DisposeQuietly(l.Socket);
            _connections.Clear();
            _listeners.Clear();
        }

        // Helpers

        private int NextHandle()
        {
            // Count up; after a wrap, skip handles still in use.
            do
            {
                _lastHandle = _lastHandle == int.MaxValue ? 1 : _lastHandle + 1;
            }
            while (_connections.ContainsKey(_lastHandle) || _listeners.ContainsKey(_lastHandle));
            return _lastHandle;
        }

        // IPAddress.Parse also takes "127.1" and "10" (inet_aton's short forms); a listen address
        // in a config file that reads like that is far more likely a typo than an intent.
        private static IPAddress ParseLiteral(string text)
        {
            IPAddress ip = IPAddress.Parse(text);
            if (ip.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Length != 4)
                throw new FormatException("An IPv4 listen address needs four dotted parts: '" + text + "'.");
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
