// The test's end of one simulated TCP connection; the gateway holds the other end by handle.
// SimulatedPeer is the far end of a connection the gateway made (from SimulatedServer.Accept);
// SimulatedClient is the far end of a connection the gateway accepted (from
// SimulatedNetwork.Connect with a client address), named from the client's point of view.
// Bytes move at once and in order; nothing is lost unless the test resets the connection.
using System.Collections.Generic;
using System.IO;

namespace MailGateway.Emulator.Simulation
{
    public class SimulatedPeer
    {
        // ConnectStatus values (INetwork)
        internal const int Connecting = 0;
        internal const int Connected = 1;
        internal const int Failed = -1;

        internal readonly Queue<byte> ToGateway = new Queue<byte>();
        internal readonly MemoryStream FromGateway = new MemoryStream();
        /// <summary>What INetwork.ConnectStatus reports for the gateway's handle.</summary>
        internal int Status = Connected;
        private int _read;

        internal SimulatedPeer(string address, int port)
        {
            Address = address;
            Port = port;
        }

        /// <summary>This end's address: what the gateway's RemoteAddress reports.</summary>
        public string Address { get; }
        /// <summary>This end's port (the server's port for a connection the gateway made; 0 for a client).</summary>
        public int Port { get; }
        /// <summary>This end closed (Close or Reset).</summary>
        public bool Closed { get; private set; }
        /// <summary>The gateway closed its handle.</summary>
        public bool GatewayClosed { get; internal set; }
        /// <summary>Bytes written here that the gateway has not read yet.</summary>
        public int PendingToGateway => ToGateway.Count;
        /// <summary>When this end closed: true if the gateway's sends then fail (a reset).</summary>
        public bool ResetOnClose { get; set; }
        /// <summary>Whether the loop currently watches this connection for input (INetwork.WatchReceive).</summary>
        public bool ReceiveWatched { get; internal set; } = true;
        /// <summary>Most bytes one Send may take (to test partial sends).</summary>
        public int SendWindow { get; set; } = int.MaxValue;

        public void Write(byte[] bytes)
        {
            foreach (byte b in bytes) ToGateway.Enqueue(b);
        }

        public void Write(string ascii)
        {
            Write(System.Text.Encoding.ASCII.GetBytes(ascii));
        }

        /// <summary>An orderly close (FIN): the gateway reads what is left, then -1.</summary>
        public void Close()
        {
            Closed = true;
        }

        /// <summary>An abortive close (RST): unread bytes are dropped; the gateway's Receive and Send return -1.</summary>
        public void Reset()
        {
            ToGateway.Clear();
            ResetOnClose = true;
            Closed = true;
        }

        /// <summary>Everything the gateway has sent so far.</summary>
        public string AllReceived
        {
            get { return System.Text.Encoding.ASCII.GetString(FromGateway.GetBuffer(), 0, (int)FromGateway.Length); }
        }

        /// <summary>What the gateway sent since the last call.</summary>
        public string ReadNew()
        {
            string all = AllReceived;
            string fresh = all.Substring(_read);
            _read = all.Length;
            return fresh;
        }
    }

    /// <summary>The client end of a connection the gateway accepted ("server" is the gateway).</summary>
    public sealed class SimulatedClient : SimulatedPeer
    {
        internal SimulatedClient(string address)
            : base(address, 0)
        {
        }

        public bool ClientClosed => Closed;
        public bool ServerClosed => GatewayClosed;
        public int PendingToServer => PendingToGateway;
    }
}
