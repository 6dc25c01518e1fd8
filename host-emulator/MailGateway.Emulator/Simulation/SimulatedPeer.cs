// The test's end of one simulated TCP connection; the gateway holds the other end by handle.
// SimulatedPeer is the far end of a connection the gateway made (from SimulatedServer.Accept);
// SimulatedClient is the far end of a connection the gateway accepted (from
// SimulatedNetwork.Connect with a client address), named from the client's point of view.
// Bytes move at once and in order; nothing is lost unless the test resets the connection.
//
// TLS is simulated, not encrypted: when the gateway calls StartTlsClient or StartTlsServer, every
// byte written here that it has not read yet is discarded (as HostNetwork drains the kernel's
// buffer; see DiscardedBeforeTls) and the handshake waits for the test: AcceptTls brings TLS up
// (bytes then pass unchanged, and IsTls says so), RefuseTls fails it, as do a Write before either
// (plaintext where a real TLS stack expects records) and Close or Reset (the peer went away). The
// same calls serve both sides: on a SimulatedClient after StartTlsServer they are the client's
// (AcceptTls: the client finished its handshake; RefuseTls: it refused our certificate), and
// TlsServerSide tells which side the gateway plays. With no server certificate configured
// (SimulatedNetwork.HasServerCertificate false) StartTlsServer fails at once. ReceiveWindow lets a
// test leave bytes with the adapter rather than hand them all to one Receive, to show that
// plaintext pipelined after STARTTLS or injected after a "220" is discarded at the upgrade and
// never reaches the gateway.
using System;
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

        // TlsStatus values (INetwork)
        internal const int TlsHandshaking = 0;
        internal const int TlsUp = 1;
        internal const int TlsFailed = -1;
        internal const int TlsPlain = 2;
        private const string DefaultCipher = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384";

        internal readonly Queue<byte> ToGateway = new Queue<byte>();
        internal readonly MemoryStream FromGateway = new MemoryStream();
        /// <summary>What INetwork.ConnectStatus reports for the gateway's handle.</summary>
        internal int Status = Connected;
        /// <summary>What INetwork.TlsStatus reports for the gateway's handle.</summary>
        internal int TlsStatus = TlsPlain;
        /// <summary>What INetwork.TlsDescription reports once TLS is up or failed.</summary>
        internal string TlsText;
        private int _read;
        private int _tlsStartedAt; // FromGateway's length when the gateway started TLS

        internal SimulatedPeer(string address, int port)
        {
            Address = address;
            Port = port;
        }

        /// <summary>This end's address: what the gateway's RemoteAddress reports.</summary>
        public string Address { get; }
        /// <summary>This end's port (the server's port for a connection the gateway made; 0 for a client).</summary>
        public int Port { get; }
        /// <summary>
        /// Fault scripting: the gateway's next Receive on this connection throws this (once), as if
        /// the code behind the connection had a bug; the loop must contain it.
        /// </summary>
        public Exception ThrowOnNextReceive { get; set; }

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
        /// <summary>
        /// Bytes the gateway may have sent that this end has not read yet (ReadNew, ReadNewBytes): a
        /// TCP receive window, so a slow reader holds the gateway's sends back over many passes.
        /// </summary>
        public int ReceiveBuffer { get; set; } = int.MaxValue;
        internal long Unread => FromGateway.Length - _read;
        /// <summary>Most bytes one Receive may return (to leave bytes unread with the adapter).</summary>
        public int ReceiveWindow { get; set; } = int.MaxValue;

        // TLS (see the header)

        /// <summary>The gateway called StartTlsClient or StartTlsServer on this connection.</summary>
        public bool TlsRequested => TlsStatus != TlsPlain;
        /// <summary>The handshake waits for AcceptTls or RefuseTls.</summary>
        public bool IsTlsHandshaking => TlsStatus == TlsHandshaking;
        /// <summary>TLS is up (AcceptTls): what passes now went through TLS.</summary>
        public bool IsTls => TlsStatus == TlsUp;
        /// <summary>The gateway called StartTlsServer: it is the TLS server, this end the client.</summary>
        public bool TlsServerSide { get; private set; }
        /// <summary>The server name the gateway gave StartTlsClient (trailing dot removed); null before and after StartTlsServer.</summary>
        public string TlsServerName { get; internal set; }
        /// <summary>Whether the gateway asked for the certificate to be verified.</summary>
        public bool TlsVerifyCertificate { get; internal set; }
        /// <summary>Bytes written here that the gateway had not read when it started TLS: discarded, never delivered.</summary>
        public int DiscardedBeforeTls { get; private set; }

        /// <summary>
        /// Completes the gateway's handshake (TlsStatus 1). TlsDescription then reads
        /// "Verified TLSv1.3 with cipher TLS_AES_256_GCM_SHA384" if the gateway asked for
        /// verification, else the same with "Untrusted" (nothing was checked); after
        /// StartTlsServer, "Anonymous" (no client certificate is asked for). Throws when no
        /// handshake is waiting.
        /// </summary>
        public void AcceptTls()
        {
            string trust = TlsServerSide ? "Anonymous " : TlsVerifyCertificate ? "Verified " : "Untrusted ";
            AcceptTls(trust + DefaultCipher);
        }

        /// <summary>Completes the gateway's handshake with this TlsDescription (e.g. "Trusted TLSv1.2 with cipher …").</summary>
        public void AcceptTls(string description)
        {
            if (description == null) throw new System.ArgumentNullException(nameof(description));
            RequireHandshake();
            TlsStatus = TlsUp;
            TlsText = description;
        }

        /// <summary>
        /// Fails the gateway's handshake (TlsStatus -1), with reason as its TlsDescription (null:
        /// "handshake failed: refused by the server", or "… by the client" after StartTlsServer).
        /// Throws when no handshake is waiting.
        /// </summary>
        public void RefuseTls(string reason = null)
        {
            RequireHandshake();
            FailTls(reason ?? "handshake failed: refused by the " + PeerRole);
        }

        /// <summary>What the gateway sent since it started TLS ("" before).</summary>
        public string ReceivedSinceTls
        {
            get { return TlsRequested ? AllReceived.Substring(_tlsStartedAt) : ""; }
        }

        internal void StartTls(string serverName, bool verify)
        {
            TlsServerName = serverName;
            TlsVerifyCertificate = verify;
            BeginHandshake(null);
        }

        /// <summary>StartTlsServer; failure: why it cannot start (no certificate), or null.</summary>
        internal void StartTlsServer(string failure)
        {
            TlsServerSide = true;
            BeginHandshake(failure);
        }

        private void BeginHandshake(string failure)
        {
            _tlsStartedAt = (int)FromGateway.Length;
            DiscardedBeforeTls = ToGateway.Count;
            ToGateway.Clear(); // RFC 3207 §4.2: nothing from before the upgrade crosses it
            if (Status != Connected || Closed)
            {
                FailTls("the connection was closed before the handshake");
                return;
            }
            if (failure != null)
            {
                FailTls(failure);
                return;
            }
            TlsStatus = TlsHandshaking;
        }

        // Who this end is in the TLS handshake, for the failure texts.
        private string PeerRole => TlsServerSide ? "client" : "server";

        private void FailTls(string reason)
        {
            TlsStatus = TlsFailed;
            TlsText = reason;
        }

        private void RequireHandshake()
        {
            if (TlsStatus != TlsHandshaking)
                throw new System.InvalidOperationException("No TLS handshake is waiting on this connection.");
            if (GatewayClosed)
                throw new System.InvalidOperationException("The gateway closed this connection during the handshake.");
        }

        /// <summary>
        /// Bytes for the gateway. During the gateway's TLS handshake they are not TLS records:
        /// the handshake fails and they are dropped, as a real TLS stack would do.
        /// </summary>
        public void Write(byte[] bytes)
        {
            if (TlsStatus == TlsHandshaking)
            {
                FailTls("handshake failed: the " + PeerRole + " sent plaintext where TLS was expected");
                return;
            }
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
            if (TlsStatus == TlsHandshaking) FailTls("handshake failed: the " + PeerRole + " closed the connection");
        }

        /// <summary>An abortive close (RST): unread bytes are dropped; the gateway's Receive and Send return -1.</summary>
        public void Reset()
        {
            ToGateway.Clear();
            ResetOnClose = true;
            Closed = true;
            if (TlsStatus == TlsHandshaking) FailTls("handshake failed: the connection was reset");
        }

        /// <summary>Everything the gateway has sent so far.</summary>
        public string AllReceived
        {
            get { return System.Text.Encoding.ASCII.GetString(FromGateway.GetBuffer(), 0, (int)FromGateway.Length); }
        }

        /// <summary>Everything the gateway has sent so far, byte for byte (8-bit included).</summary>
        public byte[] ReceivedBytes
        {
            get { return FromGateway.ToArray(); }
        }

        /// <summary>True when what the gateway sent so far ends with these bytes (cheap: no copy).</summary>
        public bool ReceivedEndsWith(string ascii)
        {
            long length = FromGateway.Length;
            if (length < ascii.Length) return false;
            byte[] all = FromGateway.GetBuffer();
            for (int i = 0; i < ascii.Length; i++)
            {
                if (all[length - ascii.Length + i] != (byte)ascii[i]) return false;
            }
            return true;
        }

        /// <summary>What the gateway sent since the last call of this or ReadNew, byte for byte.</summary>
        public byte[] ReadNewBytes()
        {
            int length = (int)FromGateway.Length;
            var fresh = new byte[length - _read];
            System.Buffer.BlockCopy(FromGateway.GetBuffer(), _read, fresh, 0, fresh.Length);
            _read = length;
            return fresh;
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
