// The DNS resolver's sockets (Dns/IDnsTransport) are the platform's network (INetwork): this class
// only forwards, so the DNS code does not depend on everything else INetwork offers.
using MailGateway.Core.Dns;

namespace MailGateway.Core.Runtime
{
    public sealed class NetworkDnsTransport : IDnsTransport
    {
        private readonly INetwork _network;

        public NetworkDnsTransport(INetwork network)
        {
            _network = network;
        }

        public int OpenUdp(bool ipv6) { return _network.OpenUdp(ipv6); }

        public bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count)
        {
            return _network.SendTo(udp, address, port, buffer, offset, count);
        }

        public int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port)
        {
            return _network.ReceiveFrom(udp, buffer, offset, count, out address, out port);
        }

        public int Connect(string address, int port) { return _network.Connect(address, port); }

        public int ConnectStatus(int connection) { return _network.ConnectStatus(connection); }

        public int Send(int connection, byte[] buffer, int offset, int count) { return _network.Send(connection, buffer, offset, count); }

        public int Receive(int connection, byte[] buffer, int offset, int count) { return _network.Receive(connection, buffer, offset, count); }

        public void Close(int handle) { _network.Close(handle); }
    }
}
