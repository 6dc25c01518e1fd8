// Knobs of the core resolver (DnsLookup, DnsResolver) and the host's DnsClient lookups.
// Defaults: a try waits 3 s (glibc waits 5 s, but we rotate servers and a queue retries anyway),
// at most 4 tries spread over the servers, 10 s for a TCP retry after a truncated answer
// (RFC 7766 §6.2.3 asks clients to be patient), EDNS0 with a 1232-byte UDP payload, TCP answers up
// to 16 KiB (an ESP32 without PSRAM has 50-80 KB of heap; no MX answer comes near that), and 16
// A/AAAA/MX records kept from an answer section — more than the MX planner's 10 hosts, so a long
// MX list is cut to its best entries by the codec and the planner still chooses among them.
// The resolver's budget: 8 lookups at once (4 deliveries asking A and AAAA) over at most 2 UDP
// sockets per address family and 1 TCP connection — lwIP on an ESP32 has about 10 sockets for
// everything, and a lookup waiting on a silent server should cost memory, not a socket. A server
// that stops answering is asked last for 5 s, doubling while it stays silent, up to 5 minutes.
namespace MailGateway.Core.Dns
{
    public sealed class DnsSettings
    {
        /// <summary>How long one UDP try waits for its answer.</summary>
        public int TryTimeoutMs = 3000;
        /// <summary>UDP tries per lookup, rotating across the servers (an answer with an error RCODE ends a server's turns).</summary>
        public int MaxTries = 4;
        /// <summary>Connect, send and answer of the TCP retry after TC, together.</summary>
        public int TcpTimeoutMs = 10000;
        /// <summary>EDNS0 payload size to advertise; 0 sends no OPT record (512-byte answers, RFC 1035 §4.2.1).</summary>
        public int UdpPayloadBytes = DnsMessage.DefaultUdpPayloadBytes;
        /// <summary>The largest answer accepted over TCP; a larger one is Malformed.</summary>
        public int MaxTcpMessageBytes = 16384;
        /// <summary>A, AAAA and MX records kept from one answer section: the lowest MX preferences, the first addresses (DnsMessage).</summary>
        public int MaxAnswerRecords = DnsMessage.DefaultKeptRecords;
        /// <summary>Lookups DnsResolver runs at once; the others wait their turn (a lookup about to try again goes behind them).</summary>
        public int MaxConcurrentLookups = 8;
        /// <summary>UDP sockets DnsResolver keeps per address family its servers use, shared by the running lookups (1 to 15).</summary>
        public int UdpSocketsPerFamily = 2;
        /// <summary>TCP connections at once for answers that came back truncated; the others wait within their TCP timeout.</summary>
        public int MaxTcpConnections = 1;
        /// <summary>How long a server that let a try time out, answering nothing else, is asked last; doubles while it stays silent.</summary>
        public int DeadServerHoldMs = 5000;
        /// <summary>The longest such hold (RFC 9520 §3.2: at most five minutes).</summary>
        public int MaxDeadServerHoldMs = 300000;
    }
}
