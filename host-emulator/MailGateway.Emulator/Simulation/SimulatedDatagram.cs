// One UDP datagram the gateway sent (SimulatedNetwork.SentDatagrams), kept so that a test can
// inspect it and answer it whenever it likes (SimulatedNetwork.Deliver).
namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedDatagram
    {
        internal SimulatedDatagram(int socket, int sourcePort, string address, int port, byte[] data)
        {
            Socket = socket;
            SourcePort = sourcePort;
            Address = address;
            Port = port;
            Data = data;
        }

        /// <summary>The gateway's UDP handle that sent it.</summary>
        public int Socket { get; }
        /// <summary>The sending socket's (ephemeral) port.</summary>
        public int SourcePort { get; }
        /// <summary>Destination address, normalized ("2001:db8::53", IPv4-mapped shown as IPv4).</summary>
        public string Address { get; }
        public int Port { get; }
        /// <summary>A copy of the bytes sent.</summary>
        public byte[] Data { get; }
    }

    /// <summary>What happens to traffic for one address (SimulatedNetwork.SetReachability).</summary>
    public enum SimulatedReachability
    {
        /// <summary>Connects reach a SimulatedServer or are refused; datagrams reach a handler or are dropped.</summary>
        Reachable,
        /// <summary>Packets vanish: connects stay pending until TimeOutConnects; datagrams are dropped unseen.</summary>
        Blackhole,
        /// <summary>No route: connects fail at once; SendTo returns false.</summary>
        Unreachable,
    }
}
