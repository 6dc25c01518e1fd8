// A server the test plays at one address and port, for the connections the gateway makes
// (INetwork.Connect). A connect stays pending (ConnectStatus 0) until the test accepts it, refuses
// it, times it out (SimulatedNetwork.TimeOutConnects) or the gateway abandons it, so a test decides
// exactly when each connection comes up.
using System.Collections.Generic;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedServer
    {
        private readonly SimulatedNetwork _network;
        private readonly Queue<SimulatedPeer> _pending = new Queue<SimulatedPeer>();

        internal SimulatedServer(SimulatedNetwork network, string address, int port)
        {
            _network = network;
            Address = address;
            Port = port;
        }

        public string Address { get; }
        public int Port { get; }
        public bool IsClosed { get; private set; }
        /// <summary>How many connections this server accepted so far.</summary>
        public int AcceptedCount { get; private set; }

        /// <summary>Connects waiting for Accept (abandoned and timed-out ones are not counted).</summary>
        public int PendingCount
        {
            get
            {
                int n = 0;
                foreach (SimulatedPeer p in _pending)
                    if (IsWaiting(p)) n++;
                return n;
            }
        }

        /// <summary>Completes the oldest waiting connect (the gateway's ConnectStatus turns 1); null when none waits.</summary>
        public SimulatedPeer Accept()
        {
            SimulatedPeer peer = NextWaiting();
            if (peer == null) return null;
            peer.Status = SimulatedPeer.Connected;
            AcceptedCount++;
            return peer;
        }

        /// <summary>Refuses the oldest waiting connect (ConnectStatus -1); false when none waits.</summary>
        public bool RefuseNext()
        {
            SimulatedPeer peer = NextWaiting();
            if (peer == null) return false;
            peer.Status = SimulatedPeer.Failed;
            return true;
        }

        /// <summary>Stops listening: waiting connects are refused, and so are later ones.</summary>
        public void Close()
        {
            if (IsClosed) return;
            IsClosed = true;
            while (RefuseNext())
            {
            }
            _network.RemoveServer(this);
        }

        internal void Enqueue(SimulatedPeer peer)
        {
            _pending.Enqueue(peer);
        }

        private SimulatedPeer NextWaiting()
        {
            while (_pending.Count > 0)
            {
                SimulatedPeer peer = _pending.Dequeue();
                if (IsWaiting(peer)) return peer;
            }
            return null;
        }

        private static bool IsWaiting(SimulatedPeer peer)
        {
            return peer.Status == SimulatedPeer.Connecting && !peer.GatewayClosed;
        }
    }
}
