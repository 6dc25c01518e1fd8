// One TCP connection of DeviceNetwork, with what nanoFramework's blocking sockets need around it.
// nanoFramework's Socket has no non-blocking mode and no Select: Connect and the TLS handshake
// (SslStream.AuthenticateAs…) block until done, so each runs on a short-lived helper thread of
// its own, which sets the outcome under this object's lock and wakes the loop; everything else —
// Receive, Send, Poll, Available — runs on the loop's thread and is made not to block:
//   - Receive reads only what Available says is there (Poll(0, SelectRead) with nothing available
//     means the peer closed or reset: -1);
//   - Send first asks Poll(0, SelectWrite) and then offers at most SendChunk bytes, which lwIP
//     takes into its send buffer at once, or after a short wait for the window, when the socket
//     is writable;
//   - through TLS, Read is called only when decrypted bytes are waiting (DataAvailable) or raw
//     bytes arrived; a record that is still incomplete makes it wait at most TlsReadTimeoutMs
//     (the socket's ReceiveTimeout, which SslStream passes to mbedTLS), then it reads as 0
//     (MaxTlsReadErrors such reads in a row count as a broken connection).
// Closing while a helper thread still blocks marks the connection abandoned: the thread closes
// the socket when its call returns (closing it under the blocked call is not safe in lwIP).
namespace MailGateway.Firmware
{
    public sealed class DeviceConnection
    {
        /// <summary>Most bytes one Send offers the socket: about one TCP segment.</summary>
        public const int SendChunk = 1460;
        /// <summary>Longest a TLS read may wait for the rest of a record that has started to arrive.</summary>
        public const int TlsReadTimeoutMs = 100;
        /// <summary>TLS reads that fail in a row before the connection counts as broken.</summary>
        public const int MaxTlsReadErrors = 3;

        private readonly System.Threading.AutoResetEvent _wake;

        // Set by the loop only
        public readonly string RemoteAddress;
        public bool Watch = true;
        public bool WantWrite;
        private int _tlsReadErrors;

        // Shared with a helper thread: read and written under lock (this)
        private System.Net.Sockets.Socket _socket;
        private System.Net.Security.SslStream _tls;
        private int _connect;                 // 0 connecting, 1 connected, -1 failed
        private int _tlsState = MailGateway.Core.Runtime.TlsState.Plain;
        private string _tlsText;
        private bool _abandoned;
        private bool _broken;                 // failed after it was connected: Receive and Send say -1

        // For a connect or a handshake running on a helper thread
        private System.Net.IPEndPoint _target;
        private string _serverName;
        private bool _verify;
        private System.Security.Cryptography.X509Certificates.X509Certificate _certificate;

        /// <summary>An accepted connection (connected), or an outbound one (socket null: it failed at once).</summary>
        public DeviceConnection(System.Net.Sockets.Socket socket, string remoteAddress, bool connected,
                                System.Threading.AutoResetEvent wake)
        {
            _socket = socket;
            RemoteAddress = remoteAddress;
            _wake = wake;
            _connect = socket == null ? -1 : (connected ? 1 : 0);
        }

        public int ConnectStatus { get { lock (this) return _connect; } }
        public int TlsStatus { get { lock (this) return _tlsState; } }
        public string TlsDescription { get { lock (this) return _tlsState == 1 || _tlsState == -1 ? _tlsText : null; } }

        // ---- Connect on a helper thread -----------------------------------------------------

        public void BeginConnect(System.Net.IPEndPoint target)
        {
            _target = target;
            new System.Threading.Thread(RunConnect).Start();
        }

        private void RunConnect()
        {
            bool ok;
            try
            {
                _socket.Connect(_target);
                ok = true;
            }
            catch (System.Exception)
            {
                ok = false;
            }
            lock (this)
            {
                _connect = ok ? 1 : -1;
                if (_abandoned) CloseNow();
            }
            _wake.Set();
        }

        // ---- TLS on a helper thread ---------------------------------------------------------

        /// <summary>Starts the client handshake (the caller checked the state); ca null and verify: fails at once.</summary>
        public void BeginTlsClient(string serverName, bool verify, System.Security.Cryptography.X509Certificates.X509Certificate ca)
        {
            lock (this)
            {
                if (Broken())
                {
                    FailTls("the connection is closed");
                    return;
                }
                if (verify && ca == null)
                {
                    FailTls("certificate cannot be verified: no trust anchors (set tls.ca_file)");
                    return;
                }
                _tlsState = MailGateway.Core.Runtime.TlsState.Handshaking;
            }
            // RFC 3207 §4.2: a server sends nothing between its "220" and our ClientHello, so
            // bytes already here are an attacker's: drop them unread.
            Discard();
            _serverName = serverName;
            _verify = verify;
            _certificate = ca;
            new System.Threading.Thread(RunTlsClient).Start();
        }

        /// <summary>Starts the server handshake; certificate null fails at once.</summary>
        public void BeginTlsServer(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
        {
            lock (this)
            {
                if (Broken())
                {
                    FailTls("the connection is closed");
                    return;
                }
                if (certificate == null)
                {
                    FailTls("no server certificate on this device (set tls.cert and tls.key)");
                    return;
                }
                _tlsState = MailGateway.Core.Runtime.TlsState.Handshaking;
            }
            // Deviation: INetwork asks to drop plaintext a client pipelined after STARTTLS but to keep
            // the first bytes of its ClientHello. nanoFramework's sockets cannot peek, and bytes once
            // read cannot be handed to mbedTLS, so nothing is dropped here: plaintext that arrived
            // early goes to mbedTLS, which fails the handshake on it. No injected command is ever
            // read as one; a client that pipelines plaintext just loses its TLS session.
            _certificate = certificate;
            new System.Threading.Thread(RunTlsServer).Start();
        }

        private void RunTlsClient()
        {
            Handshake(false);
        }

        private void RunTlsServer()
        {
            Handshake(true);
        }

        // The TLS handshake on its helper thread (it blocks on nanoFramework), then Finish.
        private void Handshake(bool server)
        {
            System.Net.Security.SslStream tls = null;
            string text;
            bool ok;
            try
            {
                tls = new System.Net.Security.SslStream(_socket);
                if (server)
                {
                    tls.SslVerification = System.Net.Security.SslVerification.NoVerification;
                    tls.AuthenticateAsServer(_certificate, System.Net.Security.SslProtocols.Tls12);
                    text = "Anonymous TLSv1.2";
                }
                else
                {
                    tls.SslVerification = _verify ? System.Net.Security.SslVerification.CertificateRequired
                                                  : System.Net.Security.SslVerification.NoVerification;
                    tls.AuthenticateAsClient(_serverName, null, _verify ? _certificate : null, System.Net.Security.SslProtocols.Tls12);
                    // nanoFramework does not report the negotiated protocol or cipher, nor whether an
                    // unverified certificate would have verified: Verified or Untrusted only (INetwork allows it).
                    text = (_verify ? "Verified" : "Untrusted") + " TLSv1.2";
                }
                _socket.ReceiveTimeout = TlsReadTimeoutMs;
                ok = true;
            }
            catch (System.Exception e)
            {
                text = "handshake failed (" + e.GetType().Name + ": " + e.Message + ")";
                ok = false;
            }
            Finish(tls, ok, text);
        }

        private void Finish(System.Net.Security.SslStream tls, bool ok, string text)
        {
            lock (this)
            {
                _tls = ok ? tls : null;
                _tlsState = ok ? MailGateway.Core.Runtime.TlsState.Up : MailGateway.Core.Runtime.TlsState.Failed;
                _tlsText = text;
                if (_abandoned) CloseNow();
            }
            _wake.Set();
        }

        private void FailTls(string text)
        {
            _tlsState = MailGateway.Core.Runtime.TlsState.Failed;
            _tlsText = text;
        }

        // ---- I/O on the loop's thread -------------------------------------------------------

        // The socket and TLS stream to use now, taken under the lock the helper threads share:
        // -1 when the connection is broken, 0 while it connects or shakes hands, 1 to go on.
        private int ForIo(out System.Net.Sockets.Socket socket, out System.Net.Security.SslStream tls)
        {
            lock (this)
            {
                socket = _socket;
                tls = _tls;
                if (_connect == -1 || _broken || _tlsState == MailGateway.Core.Runtime.TlsState.Failed) return -1;
                if (_connect == 0 || _tlsState == MailGateway.Core.Runtime.TlsState.Handshaking) return 0;
                return 1;
            }
        }

        /// <summary>INetwork.Receive for this connection.</summary>
        public int Receive(byte[] buffer, int offset, int count)
        {
            System.Net.Sockets.Socket socket;
            System.Net.Security.SslStream tls;
            int state = ForIo(out socket, out tls);
            if (state <= 0) return state;
            if (count == 0) return 0;
            try
            {
                int available = socket.Available;
                if (tls != null)
                {
                    if (!tls.DataAvailable && available == 0) return ClosedOrNothing(socket);
                    try
                    {
                        int n = tls.Read(buffer, offset, count);
                        _tlsReadErrors = 0;
                        return n;
                    }
                    catch (System.Exception)
                    {
                        // A record still on its way ends the read at TlsReadTimeoutMs; nanoFramework
                        // does not say reliably which exception that is, so a read error is taken as
                        // "nothing yet" unless the peer closed, or it repeats (then the TLS session
                        // is broken). The core's own timeouts end a session that never recovers.
                        if (++_tlsReadErrors >= MaxTlsReadErrors) throw;
                        return ClosedOrNothing(socket);
                    }
                }
                if (available == 0) return ClosedOrNothing(socket);
                return socket.Receive(buffer, offset, available < count ? available : count, System.Net.Sockets.SocketFlags.None);
            }
            catch (System.Exception)
            {
                Fail();
                return -1;
            }
        }

        /// <summary>INetwork.Send for this connection.</summary>
        public int Send(byte[] buffer, int offset, int count)
        {
            System.Net.Sockets.Socket socket;
            System.Net.Security.SslStream tls;
            int state = ForIo(out socket, out tls);
            if (state <= 0) return state;
            if (count == 0) return 0;
            try
            {
                if (!socket.Poll(0, System.Net.Sockets.SelectMode.SelectWrite))
                {
                    WantWrite = true;
                    return 0;
                }
                int n = count < SendChunk ? count : SendChunk;
                if (tls != null)
                {
                    tls.Write(buffer, offset, n);
                    return n;
                }
                return socket.Send(buffer, offset, n, System.Net.Sockets.SocketFlags.None);
            }
            catch (System.Exception)
            {
                Fail();
                return -1;
            }
        }

        /// <summary>For Wait: true when this connection has something for the loop.</summary>
        public bool Ready()
        {
            System.Net.Sockets.Socket socket;
            System.Net.Security.SslStream tls;
            lock (this)
            {
                if (_connect != 1 || _tlsState == MailGateway.Core.Runtime.TlsState.Handshaking) return false;
                if (_broken || _tlsState == MailGateway.Core.Runtime.TlsState.Failed) return Watch;
                socket = _socket;
                tls = _tls;
            }
            try
            {
                if (Watch && (socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead) || (tls != null && tls.DataAvailable))) return true;
                if (WantWrite && socket.Poll(0, System.Net.Sockets.SelectMode.SelectWrite))
                {
                    WantWrite = false;
                    return true;
                }
                return false;
            }
            catch (System.Exception)
            {
                Fail();
                return true;
            }
        }

        /// <summary>Closes now, or when the helper thread's blocking call returns.</summary>
        public void Close()
        {
            lock (this)
            {
                if (_connect == 0 || _tlsState == MailGateway.Core.Runtime.TlsState.Handshaking)
                {
                    _abandoned = true;
                    return;
                }
                CloseNow();
            }
        }

        // Under lock (this).
        private void CloseNow()
        {
            try
            {
                if (_tls != null) _tls.Close();          // closes the socket too
                else if (_socket != null) _socket.Close();
            }
            catch (System.Exception)
            {
            }
            _tls = null;
            _socket = null;
        }

        // Under lock (this).
        private bool Broken()
        {
            if (_connect != 1 || _broken) return true;
            try
            {
                return _socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (System.Exception)
            {
                return true;
            }
        }

        private void Discard()
        {
            byte[] sink = new byte[256];
            try
            {
                int available;
                while ((available = _socket.Available) > 0)
                {
                    _socket.Receive(sink, 0, available < sink.Length ? available : sink.Length, System.Net.Sockets.SocketFlags.None);
                }
            }
            catch (System.Exception)
            {
                // A broken connection shows in the handshake that follows.
            }
        }

        // Readable with nothing to read is the peer's close or a reset; a race with arriving bytes
        // is settled by asking Available again.
        private int ClosedOrNothing(System.Net.Sockets.Socket socket)
        {
            if (!socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead)) return 0;
            if (socket.Available > 0) return 0;
            Fail();
            return -1;
        }

        private void Fail()
        {
            lock (this) _broken = true;
        }
    }
}
