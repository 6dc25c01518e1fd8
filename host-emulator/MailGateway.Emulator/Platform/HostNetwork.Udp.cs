// HostNetwork: the UDP sockets the core's DNS resolver uses (OpenUdp, SendTo, ReceiveFrom).
// ICMP errors that the system pins on a UDP socket (port unreachable for an earlier datagram:
// ConnectionReset on Windows; ECONNREFUSED on Linux, which pins them only on connected sockets
// or with IP_RECVERR, neither used here) are skipped: one dead DNS server must not break the
// socket used for the others.
using System;
using System.Net;
using System.Net.Sockets;

namespace MailGateway.Emulator.Platform
{
    public sealed partial class HostNetwork
    {
        /// <summary>
        /// Binds a UDP socket to the wildcard address of the family on an ephemeral port (see
        /// LocalPort). An IPv6 socket is IPv6-only, on every OS alike. -1 when it cannot be opened.
        /// </summary>
        public int OpenUdp(bool ipv6)
        {
            ThrowIfDisposed();
            AddressFamily family = ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            Socket socket = null;
            try
            {
                socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                if (ipv6) socket.DualMode = false; // the OS default differs, as in Listen
                socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
                socket.Blocking = false;
            }
            catch (SocketException)
            {
                if (socket != null) DisposeQuietly(socket);
                return -1;
            }

            int handle = NextHandle();
            _udpSockets.Add(handle, new UdpSocket { Socket = socket, Family = family });
            return handle;
        }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            UdpSocket entry = GetUdp(udp);
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            CheckRange(buffer, offset, count);
            IPAddress ip = ParseLiteral(address.Trim());
            if (ip.AddressFamily != entry.Family)
                throw new ArgumentException("Address " + address + " is not of the UDP socket's family.", nameof(address));
            if (entry.Socket == null) return false;

            var to = new IPEndPoint(ip, port);
            for (int attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    return entry.Socket.SendTo(buffer, offset, count, SocketFlags.None, to) == count;
                }
                catch (SocketException e)
                {
                    // A queued ICMP error can surface on the send instead of this datagram's own
                    // outcome; it was about an earlier datagram, so try this one once more.
                    if (attempt == 0 && IsQueuedIcmpError(e.SocketErrorCode)) continue;
                    return false; // WouldBlock, NoBufferSpaceAvailable, NetworkUnreachable, ...
                }
            }
            return false;
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            address = null;
            port = 0;
            UdpSocket entry = GetUdp(udp);
            CheckRange(buffer, offset, count);
            if (entry.Socket == null) return -1;
            if (!entry.Readable) return 0;
            if (_datagram == null) _datagram = new byte[MaxDatagramBytes];

            for (int skipped = 0; skipped < MaxUdpErrorsSkipped; skipped++)
            {
                int n;
                EndPoint from = entry.Family == AddressFamily.InterNetworkV6
                    ? new IPEndPoint(IPAddress.IPv6Any, 0)
                    : new IPEndPoint(IPAddress.Any, 0);
                try
                {
                    // Poll first: ReceiveFrom has no SocketError overload, and an exception for
                    // every empty poll would be the common case.
                    if (!entry.Socket.Poll(0, SelectMode.SelectRead))
                    {
                        // An error pinned on the socket with no datagram behind it shows only as
                        // POLLERR, which makes Select return at once: clear it, or Wait would spin.
                        if (entry.Socket.Poll(0, SelectMode.SelectError))
                            entry.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error);
                        return 0;
                    }
                    n = entry.Socket.ReceiveFrom(_datagram, 0, _datagram.Length, SocketFlags.None, ref from);
                }
                catch (SocketException e)
                {
                    SocketError error = e.SocketErrorCode;
                    if (error == SocketError.WouldBlock || error == SocketError.Interrupted) return 0;
                    if (IsQueuedIcmpError(error) || error == SocketError.MessageSize) continue;
                    DisposeQuietly(entry.Socket);
                    entry.Socket = null;
                    return -1;
                }

                int taken = Math.Min(n, count);
                Array.Copy(_datagram, 0, buffer, offset, taken);
                var sender = (IPEndPoint)from;
                address = AddressText(sender.Address);
                port = sender.Port;
                return taken;
            }
            return 0; // a burst of errors: report nothing now; Wait wakes again if more is queued
        }
    }
}
