// An in-memory TCP network for deterministic tests of the whole loop (Gateway) without sockets.
// A test opens client connections to a listening address with Connect, writes bytes, and reads
// what the gateway answered; Wait does nothing (time is the test's VirtualClock). A connection's
// send window can be limited so that the loop's handling of partial sends is exercised.
using System;
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedNetwork : INetwork
    {
        private readonly Dictionary<int, string> _listeners = new Dictionary<int, string>();
        private readonly Dictionary<string, Queue<SimulatedClient>> _pending = new Dictionary<string, Queue<SimulatedClient>>();
        private readonly Dictionary<int, SimulatedClient> _connections = new Dictionary<int, SimulatedClient>();
        private int _nextHandle = 1;

        public int Listen(string address, int port)
        {
            string key = address + "|" + port;
            if (_pending.ContainsKey(key)) throw new IOException("address in use: " + key);
            _pending[key] = new Queue<SimulatedClient>();
            _listeners[_nextHandle] = key;
            return _nextHandle++;
        }

        /// <summary>A client connecting from clientAddress to a listening address and port.</summary>
        public SimulatedClient Connect(string address, int port, string clientAddress)
        {
            Queue<SimulatedClient> queue;
            if (!_pending.TryGetValue(address + "|" + port, out queue)) throw new IOException("connection refused");
            var client = new SimulatedClient(clientAddress);
            queue.Enqueue(client);
            return client;
        }

        public int Accept(int listener)
        {
            Queue<SimulatedClient> queue = _pending[_listeners[listener]];
            if (queue.Count == 0) return -1;
            _connections[_nextHandle] = queue.Dequeue();
            return _nextHandle++;
        }

        public string RemoteAddress(int connection)
        {
            return _connections[connection].Address;
        }

        public int Receive(int connection, byte[] buffer, int offset, int count)
        {
            SimulatedClient c = _connections[connection];
            if (c.ToServer.Count == 0) return c.ClientClosed ? -1 : 0;
            int n = Math.Min(count, c.ToServer.Count);
            for (int i = 0; i < n; i++) buffer[offset + i] = c.ToServer.Dequeue();
            return n;
        }

        public int Send(int connection, byte[] buffer, int offset, int count)
        {
            SimulatedClient c = _connections[connection];
            if (c.ClientClosed && c.ResetOnClose) return -1;
            int n = Math.Min(count, c.SendWindow);
            c.ToClient.Write(buffer, offset, n);
            return n;
        }

        public void Close(int connection)
        {
            SimulatedClient c;
            if (_connections.TryGetValue(connection, out c))
            {
                c.ServerClosed = true;
                _connections.Remove(connection);
            }
            else if (_listeners.ContainsKey(connection))
            {
                _pending.Remove(_listeners[connection]);
                _listeners.Remove(connection);
            }
        }

        public void WatchReceive(int connection, bool watch)
        {
            _connections[connection].ReceiveWatched = watch;
        }

        public void Wait(long maxMs)
        {
        }
    }

    /// <summary>The client end of a simulated connection.</summary>
    public sealed class SimulatedClient
    {
        internal readonly Queue<byte> ToServer = new Queue<byte>();
        internal readonly MemoryStream ToClient = new MemoryStream();
        private int _read;

        internal SimulatedClient(string address)
        {
            Address = address;
        }

        public string Address { get; }
        public bool ClientClosed { get; private set; }
        public int PendingToServer => ToServer.Count;
        /// <summary>When the client closed: true if the server's sends then fail (a reset).</summary>
        public bool ResetOnClose { get; set; }
        public bool ServerClosed { get; internal set; }
        /// <summary>Whether the loop currently watches this connection for input (INetwork.WatchReceive).</summary>
        public bool ReceiveWatched { get; internal set; } = true;
        /// <summary>Most bytes one Send may take (to test partial sends).</summary>
        public int SendWindow { get; set; } = int.MaxValue;

        public void Write(byte[] bytes)
        {
            foreach (byte b in bytes) ToServer.Enqueue(b);
        }

        public void Write(string ascii)
        {
            Write(System.Text.Encoding.ASCII.GetBytes(ascii));
        }

        public void Close()
        {
            ClientClosed = true;
        }

        /// <summary>Everything the server has sent so far.</summary>
        public string AllReceived
        {
            get { return System.Text.Encoding.ASCII.GetString(ToClient.GetBuffer(), 0, (int)ToClient.Length); }
        }

        /// <summary>What the server sent since the last call.</summary>
        public string ReadNew()
        {
            string all = AllReceived;
            string fresh = all.Substring(_read);
            _read = all.Length;
            return fresh;
        }
    }
}
