// The core's IDnsLookups: runs DnsLookup transactions over the platform's UDP and TCP sockets
// (IDnsTransport). This is how the ESP32 resolves MX records — its platform resolver does A only.
//
// How it works: Begin creates a DnsLookup at once (its random ID is drawn then) and queues it;
// Pump(nowMs), called from the loop, reads the resolver's UDP sockets and hands each datagram to
// the running lookups that sent a query through that socket and carry its ID; then it drives each
// running lookup — its TCP connection when it asked for one, its deadline, the datagrams it has
// ready — and starts queued lookups while fewer than MaxConcurrentLookups run. Poll hands a
// finished lookup's result over once and forgets the lookup. PollDeadline tells the loop when
// Pump is due at the latest; the loop should also Pump when a DNS socket has something to read.
//
// Fair service under pressure (a queue of mail for domains whose name servers are dead):
// - Sockets are a budget of their own, not one per lookup. The running lookups share at most
//   UdpSocketsPerFamily UDP sockets per address family (lwIP on an ESP32 has about ten sockets
//   for everything). A query takes a socket of its own while the budget allows, so at light load
//   every lookup has its own ephemeral source port as before (RFC 5452 §9.2); beyond that queries
//   share the least busy socket, and answers are told apart by source, ID and question — which
//   DnsLookup checks anyway. A socket that has carried QueriesPerUdpSocket queries takes no more
//   while another can be had, and every socket is closed as soon as no running lookup waits on
//   it, so the source port keeps changing under steady load too. At most MaxTcpConnections TCP
//   retries run at once; a lookup that needs one waits for its turn within its TCP timeout.
//   A lookup waiting for a silent server thus costs a few hundred bytes, not a socket, and many
//   can wait at once while a healthy lookup goes out and comes back in one round trip.
// - Turns: lookups start in the order they began. A lookup about to start another try (its last
//   one timed out or was refused) steps behind the lookups waiting to start when they would not
//   all find room otherwise, so lookups stuck on dead domains cannot keep the running set to
//   themselves and every queued lookup gets its turn within about one try timeout per
//   MaxConcurrentLookups lookups ahead of it.
// - Servers: one DnsServerHealth shared by all lookups remembers a server that stopped answering
//   and has it asked last for a while, so a dead entry in dns.servers costs the first lookup its
//   try timeout and the later ones nothing.
//
// Invariants: a finished, cancelled or waiting lookup holds no socket, and an idle resolver holds
// none; sockets in use never exceed the budget; a transport call that throws is taken as that
// operation failing (the loop never dies of DNS); reads per socket per Pump are bounded, so a flood
// of datagrams cannot hold the loop.
using System.Collections;
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Dns
{
    public sealed class DnsResolver : IDnsLookups
    {
        public const long NoDeadline = long.MaxValue;

        /// <summary>UDP sockets per address family at most (a lookup's sockets are bits of an int).</summary>
        public const int MaxUdpSocketsPerFamily = 15;

        // Datagrams read per UDP socket, and TCP reads per lookup, per Pump.
        private const int MaxReadsPerPump = 16;
        // TCP query bytes buffered for sending (a query is under 300 bytes with its prefix).
        private const int TcpOutputBytes = 512;
        // RFC 5452 §9.2: after this many queries a socket is retired (no new queries while another
        // can be had, closed once idle), so that a busy resolver's source port still changes.
        private const int QueriesPerUdpSocket = 16;

        private sealed class Slot
        {
            public int Handle;
            public DnsLookup Lookup;
            public bool Running;
            /// <summary>Bit i: a query of this lookup went out through UDP socket i (its answer may come there).</summary>
            public int Sockets;
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

        // Lookups in the order they take turns (begun, or stepped back behind the waiting ones)
        private readonly ArrayList _slots = new ArrayList();
        private int _nextHandle = 1;

        // UDP sockets shared by the running lookups: index family * UdpSocketsPerFamily + n
        // (family 0 IPv4, 1 IPv6); a handle of -1 is a free place in the budget.
        private readonly int[] _udp;
        private readonly int[] _udpQueries; // sent through it since it was opened
        private readonly int[] _udpUsers;   // running lookups with its bit set
        private readonly int _udpPerFamily;

        // TCP connections open (at most MaxTcpConnections)
        private int _tcpOpen;

        // Scratch
        private byte[] _scratch;         // see Scratch
        private readonly int _datagramBytes;

        /// <summary>Throws when settings ask for no lookups, no sockets or more than MaxUdpSocketsPerFamily (a caller bug).</summary>
        public DnsResolver(IDnsTransport transport, DnsServer[] servers, IRandom random, DnsSettings settings)
        {
            if (settings.MaxConcurrentLookups < 1) throw new System.ArgumentException("MaxConcurrentLookups must be at least 1");
            if (settings.UdpSocketsPerFamily < 1 || settings.UdpSocketsPerFamily > MaxUdpSocketsPerFamily)
            {
                throw new System.ArgumentException("UdpSocketsPerFamily must be 1 to " + MaxUdpSocketsPerFamily.ToString());
            }
            if (settings.MaxTcpConnections < 1) throw new System.ArgumentException("MaxTcpConnections must be at least 1");
            _transport = transport;
            _servers = servers;
            _random = random;
            _settings = settings;
            _health = new DnsServerHealth(servers.Length, settings);
            _udpPerFamily = settings.UdpSocketsPerFamily;
            _udp = new int[2 * _udpPerFamily];
            _udpQueries = new int[_udp.Length];
            _udpUsers = new int[_udp.Length];
            for (int i = 0; i < _udp.Length; i++) _udp[i] = -1;
            int datagramBytes = settings.UdpPayloadBytes > 512 ? settings.UdpPayloadBytes : 512;
            _datagramBytes = datagramBytes > DnsMessage.MaxQueryBytes ? datagramBytes : DnsMessage.MaxQueryBytes;
        }

        /// <summary>
        /// Where queries are built and datagrams and TCP bytes pass through, each within the call
        /// that uses it: the loop's scratch (SmtpDeliveries lends it), else one of the resolver's
        /// own. At least a datagram of DnsSettings.UdpPayloadBytes long.
        /// </summary>
        public byte[] Scratch
        {
            get
            {
                if (_scratch == null) _scratch = new byte[_datagramBytes];
                return _scratch;
            }
            set
            {
                if (value == null || value.Length < _datagramBytes) throw new System.ArgumentException("the scratch buffer must hold a datagram");
                _scratch = value;
            }
        }

        /// <summary>Lookups begun and not yet collected (running, queued or finished).</summary>
        public int Count { get { return _slots.Count; } }

        /// <summary>Sockets open now, UDP and TCP: never more than the budget in DnsSettings.</summary>
        public int OpenSockets
        {
            get
            {
                int open = _tcpOpen;
                for (int i = 0; i < _udp.Length; i++)
                {
                    if (_udp[i] >= 0) open++;
                }
                return open;
            }
        }

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
            Stop(slot);
            _slots.RemoveAt(index);
            return slot.Lookup.Result;
        }

        public void Cancel(int handle)
        {
            int index = IndexOf(handle);
            if (index < 0) return;
            Stop((Slot)_slots[index]);
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

        /// <summary>Moves every running lookup along (reads, TCP, deadlines, sends) and starts queued ones.</summary>
        public void Pump(long nowMs)
        {
            for (int socket = 0; socket < _udp.Length; socket++) ReadDatagrams(socket, nowMs);

            // Running lookups in turn order. One about to try again steps behind the waiting ones
            // when they would not all find room otherwise.
            int running = 0;
            int waiting = 0;
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Running) running++;
                else if (!slot.Lookup.IsDone) waiting++;
            }
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (!slot.Running) continue;
                DnsLookup lookup = slot.Lookup;
                if (!lookup.IsDone)
                {
                    PumpTcp(slot, nowMs);
                    lookup.HandleDeadline(nowMs);
                }
                if (!lookup.IsDone && lookup.State == DnsLookupState.ReadyToSend && lookup.TriesStarted > 0 &&
                    waiting > _settings.MaxConcurrentLookups - running)
                {
                    Stop(slot);
                    running--;
                    _slots.RemoveAt(i);
                    _slots.Add(slot); // behind every lookup waiting now; met again below as not running
                    i--;
                    continue;
                }
                if (!lookup.IsDone) Send(slot, nowMs);
                if (lookup.IsDone)
                {
                    Stop(slot);
                    running--;
                }
            }

            // Waiting lookups start in turn order while there is room.
            for (int i = 0; i < _slots.Count && running < _settings.MaxConcurrentLookups; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Running || slot.Lookup.IsDone) continue;
                slot.Running = true;
                running++;
                Send(slot, nowMs);
                if (slot.Lookup.IsDone)
                {
                    Stop(slot);
                    running--;
                }
            }
        }

        /// <summary>When Pump is due at the latest; NoDeadline when no lookup is running or waiting.</summary>
        public long PollDeadline()
        {
            long deadline = NoDeadline;
            int running = 0;
            bool waiting = false;
            for (int i = 0; i < _slots.Count; i++)
            {
                Slot slot = (Slot)_slots[i];
                if (slot.Lookup.IsDone) continue;
                if (!slot.Running)
                {
                    waiting = true; // due as soon as a running lookup leaves room
                    continue;
                }
                running++;
                long due = slot.Lookup.PollDeadline();
                // Waiting for a TCP connection: due at once when one is free.
                if (slot.Lookup.State == DnsLookupState.AwaitingTcpConnect && slot.Tcp < 0 && _tcpOpen < _settings.MaxTcpConnections) due = 0;
                if (due < deadline) deadline = due;
            }
            if (waiting && running < _settings.MaxConcurrentLookups) return 0;
            return deadline;
        }

        // A running lookup gives back what it holds: its share of the UDP sockets, its TCP connection.
        private void Stop(Slot slot)
        {
            CloseTcp(slot);
            for (int socket = 0; slot.Sockets != 0; socket++)
            {
                int bit = 1 << socket;
                if ((slot.Sockets & bit) == 0) continue;
                slot.Sockets &= ~bit;
                if (--_udpUsers[socket] == 0) CloseUdp(socket);
            }
            slot.Running = false;
        }

        // ---- UDP ----

        private void ReadDatagrams(int socket, long nowMs)
        {
            for (int n = 0; n < MaxReadsPerPump && _udp[socket] >= 0; n++)
            {
                string address;
                int port;
                byte[] datagram = Scratch;
                int count = _transport.ReceiveFrom(_udp[socket], datagram, 0, datagram.Length, out address, out port);
                if (count <= 0) return;
                if (count < 2) continue;
                int id = (datagram[0] << 8) | datagram[1];
                int bit = 1 << socket;
                for (int i = 0; i < _slots.Count; i++)
                {
                    Slot slot = (Slot)_slots[i];
                    if ((slot.Sockets & bit) == 0 || slot.Lookup.Id != id || slot.Lookup.IsDone) continue;
                    slot.Lookup.ReceiveDatagram(datagram, 0, count, address, port, nowMs);
                    if (slot.Lookup.IsDone) Stop(slot); // may close this very socket: the loop ends then
                }
            }
        }

        private void Send(Slot slot, long nowMs)
        {
            DnsLookup lookup = slot.Lookup;
            DnsServer server;
            int n;
            while ((n = lookup.PollDatagram(Scratch, 0, nowMs, out server)) > 0)
            {
                int socket = TakeUdp(slot, server.IsIPv6);
                if (socket < 0 || !SendTo(_udp[socket], server, n)) lookup.DatagramNotSent(nowMs);
                else _udpQueries[socket]++;
            }
            if (lookup.TcpServer == null) CloseTcp(slot);
        }

        // The socket for slot's next query in a family, opened or shared within the budget; -1 when
        // no socket can be had. Preference: the lookup's own socket while it has queries left; a
        // new socket while the budget has room; the least busy socket with queries left; failing
        // all that the busiest socket, so that the others drain, close and make room for new ones.
        private int TakeUdp(Slot slot, bool ipv6)
        {
            int first = ipv6 ? _udpPerFamily : 0;
            int end = first + _udpPerFamily;
            int chosen = -1;
            for (int i = first; i < end && chosen < 0; i++)
            {
                if (_udp[i] >= 0 && (slot.Sockets & (1 << i)) != 0 && _udpQueries[i] < QueriesPerUdpSocket) chosen = i;
            }
            for (int i = first; i < end && chosen < 0; i++)
            {
                if (_udp[i] >= 0) continue;
                int handle = OpenUdp(ipv6);
                if (handle < 0) break; // none to be had now: share one that is open
                _udp[i] = handle;
                _udpQueries[i] = 0;
                _udpUsers[i] = 0;
                chosen = i;
            }
            if (chosen < 0) chosen = LeastBusyWithQueriesLeft(first, end);
            if (chosen < 0) chosen = Busiest(first, end);
            if (chosen < 0) return -1;
            int bit = 1 << chosen;
            if ((slot.Sockets & bit) == 0)
            {
                slot.Sockets |= bit;
                _udpUsers[chosen]++;
            }
            return chosen;
        }

        private int LeastBusyWithQueriesLeft(int first, int end)
        {
            int best = -1;
            for (int i = first; i < end; i++)
            {
                if (_udp[i] < 0 || _udpQueries[i] >= QueriesPerUdpSocket) continue;
                if (best < 0 || _udpUsers[i] < _udpUsers[best]) best = i;
            }
            return best;
        }

        private int Busiest(int first, int end)
        {
            int best = -1;
            for (int i = first; i < end; i++)
            {
                if (_udp[i] < 0) continue;
                if (best < 0 || _udpUsers[i] > _udpUsers[best]) best = i;
            }
            return best;
        }

        private void CloseUdp(int socket)
        {
            if (_udp[socket] < 0) return;
            _transport.Close(_udp[socket]);
            _udp[socket] = -1;
            _udpQueries[socket] = 0;
            _udpUsers[socket] = 0;
        }

        // ---- TCP (one connection per lookup that needs one, at most MaxTcpConnections) ----

        private void PumpTcp(Slot slot, long nowMs)
        {
            DnsLookup lookup = slot.Lookup;
            if (lookup.State == DnsLookupState.AwaitingTcpConnect)
            {
                if (slot.Tcp < 0)
                {
                    if (_tcpOpen >= _settings.MaxTcpConnections) return; // its turn comes within its TCP timeout
                    slot.Tcp = Connect(lookup.TcpServer);
                    if (slot.Tcp < 0)
                    {
                        lookup.TcpFailed(nowMs);
                        return;
                    }
                    _tcpOpen++;
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
            byte[] scratch = Scratch;
            while (slot.TcpOutput.Count < TcpOutputBytes && (n = lookup.PollTcpTransmit(scratch, 0, TcpOutputBytes)) > 0)
            {
                slot.TcpOutput.Append(scratch, 0, n);
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
                int received = _transport.Receive(slot.Tcp, scratch, 0, scratch.Length);
                if (received == 0) break;
                if (received < 0)
                {
                    lookup.ReceiveTcpEof(nowMs);
                    break;
                }
                lookup.ReceiveTcp(scratch, 0, received, nowMs);
            }
        }

        private void CloseTcp(Slot slot)
        {
            if (slot.Tcp < 0) return;
            _transport.Close(slot.Tcp);
            slot.Tcp = -1;
            _tcpOpen--;
            if (slot.TcpOutput != null) slot.TcpOutput.Clear();
        }

        // ---- Transport calls (one that throws is one that failed) ----

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
                return _transport.SendTo(udp, server.Address, server.Port, Scratch, 0, count);
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
    }
}
