// The network as the loop sees it: TCP listeners and connections (accepted and outbound) and UDP
// sockets (for DNS) are small integer handles in one handle space, every call returns at once
// (nothing blocks except Wait), and the core never sees a socket object. Addresses are IPv4 or
// IPv6 literals as text; IPv4-mapped IPv6 addresses are shown as plain IPv4.
//
// Network conditions (refused, unreachable, reset, buffers full) are reported as values, never
// thrown: the core is a loop that must not die of a bad peer. Misuse (an unknown handle, a
// malformed literal, a range outside the buffer) throws: that is a bug in the caller.
//
// nanoFramework's sockets are blocking and have no Select: its adapter polls each socket with a
// zero timeout, and runs blocking connects on a helper thread; the host adapter uses non-blocking
// sockets and Socket.Select in Wait.
//
// TLS upgrades a connection in place, as a client (StartTlsClient: after the server's "220" to
// STARTTLS, RFC 3207, or right after connect for implicit TLS, port 465, RFC 8314) or as a server
// (StartTlsServer: after our "220" to STARTTLS or "+OK" to STLS, RFC 2595, or right after Accept on
// a listener the core treats as implicit TLS: SMTP 465, POP3 995; there is no separate TLS listener,
// the core knows which of its listeners are which). The server's certificate is the adapter's
// business (a file on the host, flash on the device), never the core's. From then on Send and
// Receive carry plaintext through TLS. The handshake runs inside the adapter (the
// host's SslStream uses async I/O; nanoFramework's SslStream blocks, so its adapter needs a helper
// thread, as for connects) and is watched through TlsStatus as a connect is through ConnectStatus.
namespace MailGateway.Core.Runtime
{
    public interface INetwork
    {
        // TCP: listening and accepting

        /// <summary>Starts listening; address is an IPv4 or IPv6 literal. Throws on failure.</summary>
        int Listen(string address, int port);

        /// <summary>A newly accepted connection's handle, or -1 when none is waiting.</summary>
        int Accept(int listener);

        // TCP: outbound connections

        /// <summary>
        /// Starts a TCP connection to an IPv4 or IPv6 literal and returns its handle at once; follow
        /// it with ConnectStatus. Never fails for network conditions — a connection refused or
        /// unreachable even before this returns shows as ConnectStatus -1. The handle must be
        /// Closed whatever the outcome; closing it while connecting abandons the attempt. Throws
        /// only for a malformed literal or port. The caller runs its own connect timeout.
        /// </summary>
        int Connect(string address, int port);

        /// <summary>
        /// 0 while connecting, 1 connected, -1 failed (refused, unreachable, reset, timed out by the
        /// system); once 1 or -1 it stays so. Accepted connections are 1. Before 1, Receive and
        /// Send return 0; after -1 they return -1.
        /// </summary>
        int ConnectStatus(int connection);

        // TCP: connections

        /// <summary>The peer's IP address as text ("192.0.2.7", "::1"); for Connect, the address connected to.</summary>
        string RemoteAddress(int connection);

        /// <summary>Bytes received (> 0), 0 when nothing is waiting, -1 when the peer closed or the connection failed.</summary>
        int Receive(int connection, byte[] buffer, int offset, int count);

        /// <summary>Bytes taken for sending (0 when the send buffer is full), -1 when the connection failed.</summary>
        int Send(int connection, byte[] buffer, int offset, int count);

        /// <summary>Closes a connection, listener or UDP socket and forgets its handle; unknown handles are ignored.</summary>
        void Close(int connection);

        /// <summary>
        /// Whether Wait should wake for bytes arriving on this connection (true after Accept and
        /// Connect). The loop stops watching while it cannot take more input from a client, so that
        /// a client that sends but never reads cannot keep the loop spinning.
        /// </summary>
        void WatchReceive(int connection, bool watch);

        // TCP: TLS (client and server side)

        /// <summary>
        /// Begins a TLS client handshake on a connected connection and returns at once; follow it
        /// with TlsStatus. serverName (a host name; one trailing dot is ignored) goes out as SNI
        /// unless it is an IP literal. With verifyCertificate the server's certificate must chain
        /// to the system's trust store and match serverName, else the handshake fails (TlsStatus
        /// -1); without it any certificate is taken (opportunistic TLS towards MX hosts). Revocation
        /// is not checked. The caller runs its own handshake timeout; Close abandons the handshake.
        /// <para>
        /// Bytes around the upgrade (RFC 3207 §4.2; the injection bugs of CVE-2011-0411): every
        /// byte that arrived before this call and was not yet taken by Receive is discarded, never
        /// delivered — a server sends nothing between its "220" and our ClientHello, so such bytes
        /// are an attacker's. Bytes arriving later must be TLS records; anything else fails the
        /// handshake. From this call on, Receive returns only bytes that came through TLS. The
        /// caller must discard what it has buffered itself (read ahead past the "220") and forget
        /// what it learned before (EHLO again). Plaintext the caller gave to Send before this call
        /// goes out before the handshake.
        /// </para>
        /// A connection that failed or that the peer already closed fails the handshake at once
        /// (TlsStatus -1). Throws when the connection is still connecting or TLS was already
        /// started (a bug in the caller), and for a null or empty serverName.
        /// </summary>
        void StartTlsClient(int connection, string serverName, bool verifyCertificate);

        /// <summary>
        /// Begins a TLS server handshake on a connection and returns at once; follow it with
        /// TlsStatus, as for StartTlsClient. The adapter shows its configured server certificate;
        /// none configured fails the handshake at once (TlsStatus -1, TlsDescription says so).
        /// No client certificate is asked for. The caller runs its own handshake timeout; Close
        /// abandons the handshake.
        /// <para>
        /// STARTTLS / STLS: send the "220" / "+OK" first and call this as soon as Send has taken
        /// all of it (what Send took goes out in plaintext before the handshake; anything sent
        /// after the call goes through TLS, so a reply Send took only in part must be finished
        /// first). Implicit TLS (SMTP 465, POP3 995): call this right after Accept, before
        /// sending anything.
        /// </para>
        /// <para>
        /// Bytes around the upgrade (RFC 3207 §4.2, RFC 2595 §3.1; the command injection of
        /// CVE-2011-0411): every byte the client sent before this call and Receive has not taken
        /// is discarded, never delivered — a client must wait for our "220" before it says more,
        /// so plaintext pipelined after STARTTLS is an attacker's. The first bytes of the
        /// client's handshake, if they already arrived, are not plaintext and are kept (an
        /// adapter tells them apart by the TLS record header). Bytes arriving later must be TLS
        /// records; anything else fails the handshake. From this call on, Receive returns only
        /// bytes that came through TLS. The caller must discard what it has buffered itself
        /// (commands read ahead past STARTTLS) and forget what it learned before (RFC 3207 §4.2:
        /// EHLO, AUTH). Plaintext the caller gave to Send before this call goes out before the
        /// handshake.
        /// </para>
        /// A connection that failed or that the peer already closed fails the handshake at once
        /// (TlsStatus -1). Throws when the connection is still connecting or TLS was already
        /// started (a bug in the caller).
        /// </summary>
        void StartTlsServer(int connection);

        /// <summary>
        /// 2 plain (neither StartTls call made), 0 handshake running, 1 TLS up, -1 handshake
        /// failed (certificate refused, peer closed or sent something that is not TLS); once 1 or
        /// -1 it stays so. While 0, Receive and Send return 0; after -1 they return -1 and the
        /// caller closes. A connection that breaks after TLS was up stays 1 and reports the break
        /// as a plain connection does (Receive or Send -1). Wait wakes when the handshake ends.
        /// </summary>
        int TlsStatus(int connection);

        /// <summary>
        /// For the log. Once TlsStatus is 1: the trust level as the first word (Postfix's words),
        /// then protocol and cipher, e.g. "Verified TLSv1.3 with cipher TLS_AES_256_GCM_SHA384".
        /// Verified: the certificate chains to a trusted root and matches serverName (always so
        /// when verifyCertificate was true); Trusted: it chains but names another host; Untrusted:
        /// it does not chain (self-signed, unknown CA, expired); Anonymous: the server showed none.
        /// An adapter that cannot tell the levels apart reports Verified or Untrusted only.
        /// After StartTlsServer the word is always Anonymous (no client certificate is asked for),
        /// e.g. "Anonymous TLSv1.3 with cipher TLS_AES_128_GCM_SHA256".
        /// Once TlsStatus is -1: why the handshake failed, e.g. "certificate not trusted
        /// (UntrustedRoot)". Null while TlsStatus is 0 or 2.
        /// </summary>
        string TlsDescription(int connection);

        // UDP

        /// <summary>
        /// A UDP socket of the given family on an ephemeral port (for DNS queries), or -1 when none
        /// can be opened now (no IPv6 here, out of sockets). Close it with Close.
        /// </summary>
        int OpenUdp(bool ipv6);

        /// <summary>
        /// Sends one datagram to an address of the socket's family (another family throws). False
        /// when it could not be sent now (no route, buffers full, the socket failed): the datagram
        /// is dropped, as if lost. Never throws for network conditions.
        /// </summary>
        bool SendTo(int udp, string address, int port, byte[] buffer, int offset, int count);

        /// <summary>
        /// Takes one waiting datagram: its length (a longer datagram is cut to count, the rest is
        /// lost), 0 when none is waiting (an empty datagram also reads as 0), -1 when the socket
        /// failed for good (then it stays -1; Close it). address and port are the sender's (null
        /// and 0 unless a datagram was read). Errors the system reports for earlier datagrams
        /// (ICMP port unreachable and the like) are skipped, not reported.
        /// </summary>
        int ReceiveFrom(int udp, byte[] buffer, int offset, int count, out string address, out int port);

        // This machine

        /// <summary>The IP addresses of this machine's interfaces as text, loopback included (to spot an MX that is ourselves).</summary>
        string[] LocalAddresses();

        // Waiting

        /// <summary>
        /// Sleeps until a listener, connection or UDP socket may have work — a connection waiting,
        /// bytes or EOF on a watched connection, room after a partial Send, a datagram, a Connect
        /// or TLS handshake that completed or failed — or maxMs passed. Spurious wake-ups are allowed.
        /// </summary>
        void Wait(long maxMs);
    }
}
