// HostNetwork: Wait, the only call that blocks (one Socket.Select over what the loop watches, see
// HostNetwork.cs), the readiness it leaves behind (Watched.Readable), and the wake pipe: a
// connected pair of loopback UDP sockets whose receiving end is in every Wait's read list, poked by
// the TLS channels and the storage's commit thread (Wake) so that a Wait in progress returns.
using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace MailGateway.Emulator.Platform
{
    public sealed partial class HostNetwork
    {
        /// <summary>
        /// Returns when a listener has a connection waiting, a connection has data, EOF or an error,
        /// a connection with pending output can take more, a connect completed or failed, a UDP
        /// socket has a datagram (or an error to skip), or maxMs passed. 0 only polls; negative
        /// counts as 0; values beyond Select's range are clamped. Spurious wake-ups are allowed.
        /// </summary>
        public void Wait(long maxMs)
        {
            ThrowIfDisposed();
            if (maxMs < 0) maxMs = 0;
            EnsureWakeSockets(); // so that Wake works from the first Wait on

            _readList.Clear();
            _readOwners.Clear();
            _writeList.Clear();
            bool tlsReady = false;
            long nowMs = NowMs();
            foreach (Listener l in _listeners.Values)
            {
                if (l.PausedUntilMs > nowMs)
                    maxMs = Math.Min(maxMs, l.PausedUntilMs - nowMs);
                else
                    Watch(l.Socket, l);
            }
            foreach (Connection c in _connections.Values)
            {
                if (c.Tls != null)
                {
                    // Its socket belongs to SslStream; the channel pokes the wake socket instead.
                    if (c.Tls.NeedsLoop(!c.Ended && !c.ReceiveUnwatched)) tlsReady = true;
                    continue;
                }
                if (c.State == Connecting)
                {
                    _writeList.Add(c.Socket);
                    _errorList.Add(c.Socket);
                    continue;
                }
                if (c.State == Failed) continue;
                if (!c.Ended && !c.ReceiveUnwatched) Watch(c.Socket, c);
                if (c.SendPending) _writeList.Add(c.Socket);
            }
            foreach (UdpSocket u in _udpSockets.Values)
            {
                if (u.Socket != null) Watch(u.Socket, u);
            }
            if (_wakeReceiver != null) _readList.Add(_wakeReceiver);
            if (tlsReady) maxMs = 0;

            if (_readList.Count == 0 && _writeList.Count == 0)
            {
                if (maxMs > 0) Thread.Sleep((int)Math.Min(maxMs, MaxIdleSleepMs));
                return;
            }

            int microSeconds = (int)(Math.Min(maxMs, MaxSelectMs) * 1000);
            bool woken;
            try
            {
                Socket.Select(
                    _readList.Count > 0 ? _readList : null,
                    _writeList.Count > 0 ? _writeList : null,
                    _errorList.Count > 0 ? _errorList : null,
                    microSeconds);
            }
            catch (SocketException)
            {
                // EINTR and the like: a spurious wake-up, which the contract allows.
            }
            finally
            {
                MarkReadable();
                woken = _wakeReceiver != null && _readList.Count > 0 && _readList[_readList.Count - 1] == _wakeReceiver;
                _readList.Clear();
                _readOwners.Clear();
                _writeList.Clear();
                _errorList.Clear();
            }
            // After Select, so that a poke that came during it is consumed and one that comes
            // later stays for the next Wait; what the pokes announced is in the channels already.
            if (woken) DrainWakeSocket(); // only when a poke came: an empty read is a system call too

            // A finished connect stays writable: settle it now, or the next Wait would not sleep.
            if (_connectsInProgress)
            {
                _connectsInProgress = false;
                foreach (Connection c in _connections.Values)
                {
                    if (Settle(c) == Connecting) _connectsInProgress = true;
                }
            }
        }

        private void Watch(Socket socket, Watched owner)
        {
            _readList.Add(socket);
            _readOwners.Add(owner);
        }

        // Select left in _readList only the readable sockets, in their order: walk both lists once.
        private void MarkReadable()
        {
            int ready = 0;
            for (int i = 0; i < _readOwners.Count && ready < _readList.Count; i++)
            {
                Watched owner = _readOwners[i];
                Socket socket = owner is Connection c ? c.Socket : owner is Listener l ? l.Socket : ((UdpSocket)owner).Socket;
                if (socket != _readList[ready]) continue;
                owner.Readable = true;
                ready++;
            }
        }

        // The self-pipe: two loopback UDP sockets connected to each other, so the receiving end
        // takes datagrams from the sending end only. null when ready, else why not.
        private string EnsureWakeSockets()
        {
            if (_wakeReceiver != null) return null;
            Socket receiver = null;
            Socket sender = null;
            try
            {
                receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                sender.Connect(receiver.LocalEndPoint);
                receiver.Connect(sender.LocalEndPoint);
                receiver.Blocking = false;
                sender.Blocking = false;
            }
            catch (SocketException e)
            {
                DisposeQuietly(receiver);
                DisposeQuietly(sender);
                return "no wake-up socket for TLS (" + e.SocketErrorCode + ")";
            }
            _wakeReceiver = receiver;
            _wakeSender = sender;
            return null;
        }

        /// <summary>
        /// Makes a Wait in progress (or the next one) return at once; safe from any thread (a signal
        /// handler asking the loop to stop). Before the first Wait it does nothing: that Wait comes
        /// after the caller's own check of its flag.
        /// </summary>
        public void Wake()
        {
            Poke();
        }

        // Called on pool threads by the TLS channels: makes a Wait in progress (or the next) return.
        private void Poke()
        {
            Socket sender = Volatile.Read(ref _wakeSender);
            if (sender == null) return;
            try
            {
                // WouldBlock means the pipe is full, so a wake-up is pending anyway.
                sender.Send(s_wakeByte, 0, 1, SocketFlags.None, out SocketError _);
            }
            catch (ObjectDisposedException)
            {
                // The HostNetwork was disposed: nobody waits any more.
            }
        }

        private void DrainWakeSocket()
        {
            for (int drained = 0; drained < MaxWakeBytesDrained; drained += _wakeDrain.Length)
            {
                _wakeReceiver.Receive(_wakeDrain, 0, _wakeDrain.Length, SocketFlags.None, out SocketError error);
                if (error != SocketError.Success && error != SocketError.Interrupted) return;
            }
        }
    }
}
