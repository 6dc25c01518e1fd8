// The core's IDnsLookups: runs DnsLookup transactions over the platform's UDP and TCP sockets
// (IDnsTransport). This is how the ESP32 resolves MX records — its platform resolver does A only.
//
// How it works: Begin creates a DnsLookup at once (its random ID is drawn then) and queues it;
// Pump(nowMs), called from the loop, starts queued lookups up to MaxConcurrentLookups, and for each
// running one reads waiting datagrams from its own UDP sockets (one per address family, opened on
// first use on an ephemeral port, so every lookup has its own source port — RFC 5452 §9.2), drives
// its TCP connection when it asked for one, runs its deadline, sends the datagrams it has ready,
// and closes what it no longer needs. Poll hands a finished lookup's result over once and forgets
// the lookup. PollDeadline tells the loop when Pump is due at the latest; the loop should also
// Pump when a DNS socket has something to read. One DnsServerHealth shared by all lookups
// remembers a server that stopped answering and has it asked last for a while, so a dead entry
// in dns.servers costs the first lookup its try timeout and the later ones nothing.
//
// Invariants: a finished or cancelled lookup holds no socket; a transport call that throws is
// taken as that operation failing (the loop never dies of DNS); reads per Pump are bounded, so a
// flood of datagrams cannot hold the loop.
using System.Collections;
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Dns
{
    public sealed class DnsResolver : IDnsLookups
    {
        public const long NoDeadline = long.MaxValue;

        // Datagrams or TCP reads handled per lookup per Pump.
        private const int MaxReadsPerPump = 16;
        // TCP query bytes buffered for sending (a query is under 300 bytes with its prefix).
        private const int TcpOutputBytes = 512;

        private sealed class Slot
        {
            public int Handle;
            public DnsLookup Lookup;
            public bool Started;
            public int Udp4 = -1;
            public int Udp6 = -1;
            public int Tcp = -1;
            public ByteBuffer TcpOutput;
        }

        // Platform
        private readonly IDnsTransport _transport;
        private readonly IRandom _random;

        // Configuration
        private readonly DnsServer[] _servers;
        private readonly DnsSettings _settings;
        private readonly DnsServerHealth _health;

        // Lookups in the order they began
        private readonly ArrayList _slots = new ArrayList();
        private int _nextHandle = 1;

        // Scratch
        private readonly byte[] _datagram;
        private readonly byte[] _tcpScratch = new byte[TcpOutputBytes];

        public DnsResolver(IDnsTransport transport, DnsServer[] servers, IRandom random, DnsSettings settings)
        {
            _transport = transport;
            _servers = servers;
            _random = random;
            _settings = settings;
            _health = new DnsServerHealth(servers.Length, settings);
            int datagramBytes = settings.UdpPayloadBytes > 512 ? settings.UdpPayloadBytes : 512;
            _datagram = new byte[datagramBytes > DnsMessage.MaxQueryBytes ? datagramBytes : DnsMessage.MaxQueryBytes];
        }

        /// <summary>Lookups begun and not yet collected (running, queued or finished).</summary>
        public int Count { get { return _slots.Count; } }

        // ---- IDnsLookups ----

        public int Begin(string name, int type)
        {
            Slot slot = new Slot();
            slot.Handle = _nextHandle++;
            slot.Lookup = new DnsLookup(name, type, _servers, _random, _settings, _health);
            _slots.Add(slot);
            return slot.Handle;
        }

        public DnsResult Poll(int handle)
        {
            int index = IndexOf(handle);
            if (index < 0) throw new System.InvalidOperationException("no DNS lookup with handle " + handle.ToString());
            Slot slot = (Slot)_slots[index];
            if (!slot.Lookup.IsDone) return null;
            CloseSockets(slot);
            _slots.RemoveAt(index);
            return slot.Lookup.Result;
        }

        public void Cancel(int handle)
        {
            int index = IndexOf(handle);
            if (index < 0) return;
            CloseSockets((Slot)_slots[index]);
            _slots.RemoveAt(index);
        }

        private int IndexOf(int handle)
        {
            for (int i = 0; i < _slots.Count; i++)
            {
                if (((Slot)_slots[i]).Handle == handle) return i;
            }
            return -1;
        }

        // ---- Driving ----

        /// <summary>Moves every running lookup along: reads, TCP, deadlines, sends.</summary>
        public void Pump(long nowMs)
        {
            int running = 0;
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Started && !slot.Lookup.IsDone) running++;
            }
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Lookup.IsDone) continue;
                if (!slot.Started)
                {
                    if (running >= _settings.MaxConcurrentLookups) continue;
                    slot.Started = true;
                    running++;
                }
                PumpLookup(slot, nowMs);
                if (slot.Lookup.IsDone)
                {
                    CloseSockets(slot);
                    running--; // room for a queued lookup later in this pass
                }
            }
        }

        /// <summary>When Pump is due at the latest; NoDeadline when no lookup is running.</summary>
        public long PollDeadline()
        {
            long deadline = NoDeadline;
            int running = 0;
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Lookup.IsDone) continue;
                if (!slot.Started)
                {
                    // Queued: due as soon as a running lookup leaves room.
                    continue;
                }
                running++;
                long due = slot.Lookup.PollDeadline();
                if (due < deadline) deadline = due;
            }
            if (running < _settings.MaxConcurrentLookups && HasQueued()) return 0;
            return deadline;
        }

        private bool HasQueued()
        {
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (!slot.Started && !slot.Lookup.IsDone) return true;
            }
            return false;
        }

        private void PumpLookup(Slot slot, long nowMs)
        {
            DnsLookup lookup = slot.Lookup;
            ReadDatagrams(slot, slot.Udp4, nowMs);
            ReadDatagrams(slot, slot.Udp6, nowMs);
            PumpTcp(slot, nowMs);
            lookup.HandleDeadline(nowMs);
            SendDatagrams(slot, nowMs);
            if (lookup.TcpServer == null) CloseTcp(slot);
        }

        private void ReadDatagrams(Slot slot, int udp, long nowMs)
        {
            if (udp < 0) return;
            for (int i = 0; i < MaxReadsPerPump && !slot.Lookup.IsDone; i++)
            {
                string address;
                int port;
                int n = _transport.ReceiveFrom(udp, _datagram, 0, _datagram.Length, out address, out port);
                if (n <= 0) return;
                slot.Lookup.ReceiveDatagram(_datagram, 0, n, address, port, nowMs);
            }
        }

        private void SendDatagrams(Slot slot, long nowMs)
        {
            DnsLookup lookup = slot.Lookup;
            DnsServer server;
            int n;
            while ((n = lookup.PollDatagram(_datagram, 0, nowMs, out server)) > 0)
            {
                int udp = server.IsIPv6 ? slot.Udp6 : slot.Udp4;
                if (udp < 0)
                {
                    udp = OpenUdp(server.IsIPv6);
                    if (server.IsIPv6) slot.Udp6 = udp;
                    else slot.Udp4 = udp;
                }
                if (udp < 0 || !SendTo(udp, server, n)) lookup.DatagramNotSent(nowMs);
            }
        }

        private void PumpTcp(Slot slot, long nowMs)
        {
            DnsLookup lookup = slot.Lookup;
            if (lookup.State == DnsLookupState.AwaitingTcpConnect)
            {
                if (slot.Tcp < 0)
                {
                    slot.Tcp = Connect(lookup.TcpServer);
                    if (slot.Tcp < 0)
                    {
                        lookup.TcpFailed(nowMs);
                        return;
                    }
                }
                int status = _transport.ConnectStatus(slot.Tcp);
                if (status == 0) return;
                if (status < 0)
                {
                    lookup.TcpFailed(nowMs);
                    CloseTcp(slot);
                    return;
                }
                lookup.TcpConnected();
                if (slot.TcpOutput == null) slot.TcpOutput = new ByteBuffer(TcpOutputBytes);
                slot.TcpOutput.Clear();
            }
            if (lookup.State != DnsLookupState.AwaitingTcpAnswer) return;

            int n;
            while (slot.TcpOutput.Count < TcpOutputBytes && (n = lookup.PollTcpTransmit(_tcpScratch, 0, _tcpScratch.Length)) > 0)
            {
                slot.TcpOutput.Append(_tcpScratch, 0, n);
            }
            if (slot.TcpOutput.Count > 0)
            {
                int sent = _transport.Send(slot.Tcp, slot.TcpOutput.Array, slot.TcpOutput.Start, slot.TcpOutput.Count);
                if (sent < 0)
                {
                    lookup.TcpFailed(nowMs);
                    CloseTcp(slot);
                    return;
                }
                slot.TcpOutput.Consume(sent);
            }
            for (int i = 0; i < MaxReadsPerPump && lookup.State == DnsLookupState.AwaitingTcpAnswer; i++)
            {
                int received = _transport.Receive(slot.Tcp, _tcpScratch, 0, _tcpScratch.Length);
                if (received == 0) break;
                if (received < 0)
                {
                    lookup.ReceiveTcpEof(nowMs);
                    break;
                }
                lookup.ReceiveTcp(_tcpScratch, 0, received, nowMs);
            }
        }

        // ---- Sockets (a transport that throws is a transport that failed) ----

        private int OpenUdp(bool ipv6)
        {
            try
            {
                return _transport.OpenUdp(ipv6);
            }
            catch (System.Exception)
            {
                return -1;
            }
        }

        private bool SendTo(int udp, DnsServer server, int count)
        {
            try
            {
                return _transport.SendTo(udp, server.Address, server.Port, _datagram, 0, count);
            }
            catch (System.Exception)
            {
                return false;
            }
        }

        private int Connect(DnsServer server)
        {
            try
            {
                return _transport.Connect(server.Address, server.Port);
            }
            catch (System.Exception)
            {
                return -1;
            }
        }

        private void CloseTcp(Slot slot)
        {
            if (slot.Tcp < 0) return;
            _transport.Close(slot.Tcp);
            slot.Tcp = -1;
            if (slot.TcpOutput != null) slot.TcpOutput.Clear();
        }

        private void CloseSockets(Slot slot)
        {
            CloseTcp(slot);
            if (slot.Udp4 >= 0) _transport.Close(slot.Udp4);
            if (slot.Udp6 >= 0) _transport.Close(slot.Udp6);
            slot.Udp4 = -1;
            slot.Udp6 = -1;
        }
    }
}
