// The sockets DnsResolver needs, as the loop's network layer offers them: UDP datagrams to and from
// a server, and a TCP connection for answers that came back truncated. The signatures are those
// of the platform network interface (Runtime/INetwork, which gains UDP and outgoing connects), so
// a platform adapts it with a one-line forwarding class. Every call returns at once.
namespace MailGateway.Core.Dns
{
    public interface IDnsTransport
    {
        /// <summary>A new UDP socket bound to an ephemeral port (IPv4 or IPv6); negative (or an exception) when none can be had.</summary>
        int OpenUdp(bool ipv6);

        /// <summary>Sends one datagram; false when it could not be sent (no route, socket failed).</summary>
        bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count);

        /// <summary>One waiting datagram's length and source, 0 when nothing is waiting (negative: an error, treated alike).</summary>
        int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port);

        /// <summary>Starts a TCP connection; its handle, or negative (or an exception) when it cannot start.</summary>
        int Connect(string address, int port);

        /// <summary>0 while the connection is being made, 1 once it is up, -1 when it failed.</summary>
        int ConnectStatus(int connection);

        /// <summary>Bytes taken for sending (0 when the send buffer is full), -1 when the connection failed.</summary>
        int Send(int connection, byte[] buffer, int offset, int count);

        /// <summary>Bytes received (> 0), 0 when nothing is waiting, -1 when the peer closed or the connection failed.</summary>
        int Receive(int connection, byte[] buffer, int offset, int count);

        /// <summary>Closes a UDP socket or a TCP connection.</summary>
        void Close(int handle);
    }
}
