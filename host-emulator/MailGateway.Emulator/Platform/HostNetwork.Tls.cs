// HostNetwork: the TLS upgrades of a connection (INetwork.StartTlsClient, StartTlsServer).
//
// TLS (StartTlsClient): the connection's unread bytes are drained and discarded, then a
// HostTlsChannel takes the socket over — SslStream with async I/O on pool threads, plaintext in
// bounded buffers — and the socket leaves every Select list. The channel wakes Wait through a
// connected pair of loopback UDP sockets (a self-pipe): its completions send one byte to the pair,
// whose receiving end is in Wait's read list and is drained after Select. That is the only thing
// other threads touch here; the loop thread is still the only caller of every public method.
//
// Why the drain is enough (RFC 3207 §4.2, CVE-2011-0411): this adapter keeps no plaintext of its
// own (Receive reads straight from the kernel), so what arrived before StartTlsClient and was not
// read sits in the kernel's buffer; a TLS server says nothing before our ClientHello, so all of it
// is pre-TLS plaintext and goes. Bytes that arrive later are read by SslStream as TLS records;
// anything not TLS fails the handshake. The caller's own read-ahead is the caller's to discard.
//
// StartTlsServer (STARTTLS, STLS, implicit TLS right after Accept) drains the same way, with one
// difference: the client speaks first in TLS, and a quick client's ClientHello may already sit
// behind our "220" in the kernel (or, for implicit TLS, be all there is). So the drain keeps what
// starts at the first TLS handshake record header (0x16 0x03) and hands it to the channel, which
// feeds it to SslStream before the socket; only the plaintext before it is discarded. Text lines
// never contain 0x16, and bytes wrongly kept are read as TLS records, never as commands, so the
// worst a crafted injection can do is fail its own handshake. The certificate (ServerCertificate,
// ServerCertificateChain) becomes one SslStreamCertificateContext, built at the first
// StartTlsServer after it was set and shared by every connection.
using System;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MailGateway.Emulator.Platform
{
    public sealed partial class HostNetwork
    {
        /// <summary>
        /// Roots that replace the system's trust store when StartTlsClient verifies a certificate
        /// (a private CA; tests); null, the default: the system's store. Read at StartTlsClient.
        /// </summary>
        public X509Certificate2Collection TlsTrustedRoots { get; set; }

        /// <summary>
        /// The certificate, with its private key, that StartTlsServer shows (see
        /// TlsCertificates.LoadOrCreate); null, the default: StartTlsServer fails the handshake at
        /// once. Read at StartTlsServer, so a renewed certificate applies to the next handshake.
        /// </summary>
        public X509Certificate2 ServerCertificate
        {
            get => _serverCertificate;
            set
            {
                _serverCertificate = value;
                _serverContext = null;
            }
        }

        /// <summary>Intermediate CA certificates sent after ServerCertificate (a CA-issued chain); null for none.</summary>
        public X509Certificate2Collection ServerCertificateChain
        {
            get => _serverChain;
            set
            {
                _serverChain = value;
                _serverContext = null;
            }
        }

        /// <summary>
        /// Drains and discards what the kernel holds unread (more than 64 KiB of it fails the
        /// handshake: a flood, not a stray line), then hands the socket to a HostTlsChannel, whose
        /// handshake runs on the thread pool. See INetwork for the contract.
        /// </summary>
        public void StartTlsClient(int connection, string serverName, bool verifyCertificate)
        {
            Connection entry = GetConnection(connection);
            if (serverName == null) throw new ArgumentNullException(nameof(serverName));
            if (serverName.EndsWith('.')) serverName = serverName.Substring(0, serverName.Length - 1);
            if (serverName.Length == 0) throw new ArgumentException("An empty server name.", nameof(serverName));
            int state = Settle(entry);
            if (state == Connecting) throw new InvalidOperationException("Connection " + connection + " is still connecting.");
            if (entry.Tls != null) throw new InvalidOperationException("TLS was already started on connection " + connection + ".");

            entry.SendPending = false; // from now on the channel's outbox answers for sends
            string failure = state == Failed || entry.Ended
                ? "the connection was closed before the handshake"
                : DrainBeforeTls(entry);
            if (failure == null) failure = EnsureWakeSockets();
            if (failure != null)
            {
                entry.Tls = HostTlsChannel.FailedAtOnce(entry.Socket, failure);
                return;
            }
            entry.Tls = HostTlsChannel.Start(entry.Socket, serverName, verifyCertificate, TlsTrustedRoots, Poke);
        }

        /// <summary>
        /// Drains and discards the plaintext the kernel holds unread, keeping what starts at the
        /// first TLS handshake record (the client's ClientHello, if it came already; see the
        /// header). More than 64 KiB of it fails the handshake. Then a HostTlsChannel runs the
        /// server handshake with ServerCertificate on the thread pool. See INetwork for the contract.
        /// </summary>
        public void StartTlsServer(int connection)
        {
            Connection entry = GetConnection(connection);
            int state = Settle(entry);
            if (state == Connecting) throw new InvalidOperationException("Connection " + connection + " is still connecting.");
            if (entry.Tls != null) throw new InvalidOperationException("TLS was already started on connection " + connection + ".");

            entry.SendPending = false; // from now on the channel's outbox answers for sends
            byte[] clientHello = null;
            SslStreamCertificateContext context = null;
            string failure = state == Failed || entry.Ended
                ? "the connection was closed before the handshake"
                : DrainBeforeServerTls(entry, out clientHello);
            if (failure == null) failure = ServerContext(out context);
            if (failure == null) failure = EnsureWakeSockets();
            if (failure != null)
            {
                entry.Tls = HostTlsChannel.FailedAtOnce(entry.Socket, failure);
                return;
            }
            entry.Tls = HostTlsChannel.StartServer(entry.Socket, clientHello, context, Poke);
        }

        /// <summary>
        /// Plaintext bytes discarded when TLS started on this connection (StartTlsClient or
        /// StartTlsServer): what the peer sent before the upgrade that was never read. For the log
        /// (an injection attempt or a client that pipelines past STARTTLS); 0 before TLS.
        /// </summary>
        public int DiscardedBeforeTls(int connection)
        {
            return GetConnection(connection).DiscardedBeforeTls;
        }

        public int TlsStatus(int connection)
        {
            Connection entry = GetConnection(connection);
            return entry.Tls == null ? TlsPlain : entry.Tls.Status;
        }

        public string TlsDescription(int connection)
        {
            Connection entry = GetConnection(connection);
            return entry.Tls == null ? null : entry.Tls.Description;
        }

        // Reads and drops every byte the kernel holds for this socket; null when all went, else
        // why the handshake cannot start (EOF, an error, a flood).
        private string DrainBeforeTls(Connection entry)
        {
            if (_scratch == null) _scratch = new byte[4096];
            while (true)
            {
                int n = entry.Socket.Receive(_scratch, 0, _scratch.Length, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock) return null;
                if (error == SocketError.Interrupted) continue;
                if (error != SocketError.Success) return "the connection failed before the handshake (" + error + ")";
                if (n == 0) return "the server closed the connection before the handshake";
                entry.DiscardedBeforeTls += n;
                if (entry.DiscardedBeforeTls > MaxPlaintextBeforeTls)
                    return "the server sent more than " + MaxPlaintextBeforeTls + " bytes of plaintext before the handshake";
            }
        }

        // StartTlsServer's drain: reads every byte the kernel holds for this socket (64 KiB at
        // most: a ClientHello is a few KiB), discards the plaintext and returns in clientHello what
        // starts at the first TLS handshake record header (null when there is none). null when
        // all went well, else why the handshake cannot start.
        private string DrainBeforeServerTls(Connection entry, out byte[] clientHello)
        {
            clientHello = null;
            if (_scratch == null) _scratch = new byte[4096];
            byte[] drained = null;
            int total = 0;
            while (true)
            {
                int n = entry.Socket.Receive(_scratch, 0, _scratch.Length, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock) break;
                if (error == SocketError.Interrupted) continue;
                if (error != SocketError.Success) return "the connection failed before the handshake (" + error + ")";
                if (n == 0) return "the client closed the connection before the handshake";
                if (total + n > MaxPlaintextBeforeTls)
                {
                    entry.DiscardedBeforeTls = total + n;
                    return "the client sent more than " + MaxPlaintextBeforeTls + " bytes before the handshake";
                }
                if (drained == null) drained = new byte[MaxPlaintextBeforeTls];
                Array.Copy(_scratch, 0, drained, total, n);
                total += n;
            }

            int start = 0;
            while (start < total && !IsTlsRecordStart(drained, start, total)) start++;
            entry.DiscardedBeforeTls = start;
            if (start < total)
            {
                clientHello = new byte[total - start];
                Array.Copy(drained, start, clientHello, 0, clientHello.Length);
            }
            return null;
        }

        // 0x16 0x03: a handshake record; a lone 0x16 at the end may be one whose next byte is late.
        private static bool IsTlsRecordStart(byte[] bytes, int index, int end)
        {
            if (bytes[index] != TlsHandshakeRecord) return false;
            return index + 1 == end || bytes[index + 1] == TlsMajorVersion;
        }

        // The server certificate as SslStream takes it, built once per certificate; null when
        // ready, else why the handshake cannot start.
        private string ServerContext(out SslStreamCertificateContext context)
        {
            context = _serverContext;
            if (context != null) return null;
            X509Certificate2 certificate = _serverCertificate;
            if (certificate == null) return "no server certificate is configured";
            if (!certificate.HasPrivateKey) return "the server certificate has no private key";
            try
            {
                // offline: the chain is built from what was given, never fetched (AIA) mid-handshake.
                context = SslStreamCertificateContext.Create(certificate, _serverChain, offline: true);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException || e is ArgumentException
                || e is NotSupportedException || e is PlatformNotSupportedException)
            {
                return "the server certificate cannot be used: " + e.Message;
            }
            _serverContext = context;
            return null;
        }
    }
}
