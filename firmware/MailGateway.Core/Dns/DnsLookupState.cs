// The states of one DnsLookup, named for what it waits for. Names print as numbers on the device,
// hence the table.
namespace MailGateway.Core.Dns
{
    public enum DnsLookupState
    {
        /// <summary>A UDP query is ready: the driver takes it with PollDatagram.</summary>
        ReadyToSend,
        /// <summary>A UDP query is out; answers go to ReceiveDatagram until the try's deadline.</summary>
        AwaitingDatagram,
        /// <summary>An answer came back truncated: the driver connects to TcpServer and calls TcpConnected or TcpFailed.</summary>
        AwaitingTcpConnect,
        /// <summary>Connected: the query goes out through PollTcpTransmit, the answer comes in through ReceiveTcp.</summary>
        AwaitingTcpAnswer,
        /// <summary>Result holds the outcome; the driver closes the lookup's sockets.</summary>
        Done,
        Count,
    }

    public static class DnsLookupStateNames
    {
        private static readonly string[] Names = { "ReadyToSend", "AwaitingDatagram", "AwaitingTcpConnect", "AwaitingTcpAnswer", "Done" };

        public static string Name(DnsLookupState state)
        {
            int i = (int)state;
            return i >= 0 && i < Names.Length ? Names[i] : "State" + i.ToString();
        }
    }
}
