// One TLS connection of HostNetwork, client (StartTlsClient) or server (StartTlsServer) side: an
// SslStream over a NetworkStream on the connection's socket, driven by async I/O on pool threads,
// so that the loop thread never blocks on it. A server channel may start with bytes of the
// client's handshake that HostNetwork already took from the kernel (see StartServer): SslStream
// reads them first, through PrefixedStream, then the socket.
//
// How it works: Start switches the socket to blocking mode (NetworkStream insists on it; the async
// socket operations underneath never block a thread either way) and runs the handshake on the
// thread pool. Once it succeeds, two pumps run for the life of the connection: the read pump awaits
// SslStream.ReadAsync into its own buffer and moves the plaintext into the inbox; the write pump
// waits for the outbox to hold bytes and awaits SslStream.WriteAsync. The loop thread (Receive,
// Send, Status, NeedsLoop, Close) touches only plain fields and the two rings, under _gate, and
// releases the pumps' semaphores; it calls into the SslStream only to dispose it. Every change the
// loop may be waiting for — handshake over, plaintext in, end of stream, room in the outbox after a
// Send that did not fit, a failed write — calls the wake callback, which makes HostNetwork.Wait
// return; NeedsLoop lets Wait see the same conditions level-triggered (a Receive that took part of
// the inbox leaves no wake-up pending).
//
// Invariants:
//   - The inbox never holds more than InboxCapacity: the read pump reads only while a whole read
//     buffer fits and otherwise parks until Receive makes room, so a peer that floods us meets a
//     closed TCP window, as on a plain connection the loop does not read.
//   - The outbox never holds more than OutboxCapacity; Send takes what fits. Bytes leave the
//     outbox only once WriteAsync finished with them, so an empty outbox means all sent.
//   - Once Close was called the loop never touches the channel again and nothing wakes the loop.
//     What Send took is still written (bounded by CloseLingerMs), as the kernel does for a plain
//     socket; then, or at once when nothing is left to write, everything is disposed. Operations
//     still pending then fail, and their pumps end quietly.
//
// Deliberately not here: close_notify on Close (SMTP frames its own end; servers ignore its
// absence), revocation checks (they would block on the network), client certificates (neither
// shown as a client nor asked for as a server).
using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace MailGateway.Emulator.Platform
{
    internal sealed class HostTlsChannel
    {
        // Limits
        internal const int InboxCapacity = 64 * 1024;
        internal const int OutboxCapacity = 64 * 1024;
        private const int ReadChunk = 16 * 1024;   // one TLS record's plaintext at most
        private const int WriteChunk = 16 * 1024;
        private const int CloseLingerMs = 10 * 1000;

        // TlsStatus values (INetwork)
        internal const int Handshaking = 0;
        internal const int Up = 1;
        internal const int Failed = -1;

        // Set once at construction
        private readonly Socket _socket;          // null when the connect had failed already
        private readonly string _serverName;
        private readonly bool _verify;
        private readonly X509Certificate2Collection _trustedRoots;
        private readonly SslStreamCertificateContext _serverContext; // non-null: the server side
        private readonly Action _wake;
        // Neither is disposed: without a timer or a wait handle they hold nothing but memory, and a
        // pump may still touch them after Close.
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private readonly SemaphoreSlim _roomToRead = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _bytesToWrite = new SemaphoreSlim(0);
        private NetworkStream _stream;
        private SslStream _ssl;
        private int _disposed; // 0 or 1, Interlocked

        // Owned by the pumps (one each)
        private readonly byte[] _readBuffer = new byte[ReadChunk];
        private readonly byte[] _writeBuffer = new byte[WriteChunk];

        // Shared state, under _gate
        private readonly object _gate = new object();
        private int _status = Handshaking;
        private string _description;
        private string _rejection;            // why the certificate callback refused, if it did
        private SslPolicyErrors _policyErrors;
        private readonly ByteRing _inbox = new ByteRing(InboxCapacity);
        private readonly ByteRing _outbox = new ByteRing(OutboxCapacity);
        private bool _readEnded;              // EOF or a read error: Receive gives -1 once the inbox is empty
        private bool _writeFailed;
        private bool _readParked;             // the read pump waits on _roomToRead
        private bool _writerWaiting;          // the write pump waits on _bytesToWrite
        private bool _sendBlocked;            // the last Send did not take everything
        private bool _closed;                 // Close was called: the loop is gone

        private HostTlsChannel(Socket socket, string serverName, bool verify, X509Certificate2Collection trustedRoots,
            SslStreamCertificateContext serverContext, Action wake)
        {
            _socket = socket;
            _serverName = serverName;
            _verify = verify;
            _trustedRoots = trustedRoots;
            _serverContext = serverContext;
            _wake = wake;
        }

        /// <summary>
        /// A channel whose handshake failed before it began (the connection was gone, or the server
        /// flooded us with plaintext); it disposes the socket, if any, at once.
        /// </summary>
        public static HostTlsChannel FailedAtOnce(Socket socket, string reason)
        {
            var channel = new HostTlsChannel(socket, null, false, null, null, null);
            channel._status = Failed;
            channel._description = reason;
            channel.DisposeAll();
            return channel;
        }

        /// <summary>
        /// Takes over a connected socket with nothing unread on it and starts the handshake on the
        /// thread pool. From here the channel owns the socket: Close disposes it.
        /// </summary>
        public static HostTlsChannel Start(Socket socket, string serverName, bool verify,
            X509Certificate2Collection trustedRoots, Action wake)
        {
            var channel = new HostTlsChannel(socket, serverName, verify, trustedRoots, null, wake);
            return channel.Begin(null);
        }

        /// <summary>
        /// The server side: takes over a connection whose unread plaintext HostNetwork discarded;
        /// clientHello holds the bytes of the client's handshake it read past that (null or empty
        /// when none), which SslStream reads before the socket. From here the channel owns the socket.
        /// </summary>
        public static HostTlsChannel StartServer(Socket socket, byte[] clientHello, SslStreamCertificateContext context, Action wake)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            var channel = new HostTlsChannel(socket, null, false, null, context, wake);
            return channel.Begin(clientHello);
        }

        private HostTlsChannel Begin(byte[] prefix)
        {
            try
            {
                _socket.Blocking = true;
                _stream = new NetworkStream(_socket, ownsSocket: true);
                Stream inner = prefix == null || prefix.Length == 0 ? _stream : new PrefixedStream(prefix, _stream);
                _ssl = new SslStream(inner, leaveInnerStreamOpen: false);
            }
            catch (Exception e) when (e is SocketException || e is IOException || e is ObjectDisposedException)
            {
                _status = Failed;
                _description = "handshake failed: " + Innermost(e).Message;
                DisposeAll();
                return this;
            }
            Task.Run(RunAsync);
            return this;
        }

        // The loop's side

        /// <summary>0 handshaking, 1 up, -1 failed (INetwork.TlsStatus).</summary>
        public int Status
        {
            get { lock (_gate) return _status; }
        }

        /// <summary>INetwork.TlsDescription: null while handshaking.</summary>
        public string Description
        {
            get { lock (_gate) return _status == Handshaking ? null : _description; }
        }

        /// <summary>True when the last Send did not take everything (HostNetwork.IsSendPending).</summary>
        public bool SendBlocked
        {
            get { lock (_gate) return _sendBlocked; }
        }

        /// <summary>Plaintext taken from the inbox (> 0), 0 when none is waiting, -1 at its end or when TLS failed.</summary>
        public int Receive(byte[] buffer, int offset, int count)
        {
            bool unpark = false;
            int n;
            lock (_gate)
            {
                if (_status == Handshaking) return 0;
                if (_status == Failed) return -1;
                if (count == 0) return 0;
                n = _inbox.Read(buffer, offset, count);
                if (n == 0) return _readEnded ? -1 : 0;
                if (_readParked && _inbox.Free >= ReadChunk)
                {
                    _readParked = false;
                    unpark = true;
                }
            }
            if (unpark) _roomToRead.Release();
            return n;
        }

        /// <summary>Plaintext queued for sending (0 when the outbox is full or while handshaking), -1 when TLS or a write failed.</summary>
        public int Send(byte[] buffer, int offset, int count)
        {
            bool release = false;
            int n;
            lock (_gate)
            {
                if (_status == Failed || _writeFailed) return -1;
                if (count == 0) return 0;
                if (_status == Handshaking) return 0; // the end of the handshake wakes the loop
                n = Math.Min(count, _outbox.Free);
                _outbox.Write(buffer, offset, n);
                _sendBlocked = n < count;
                if (n > 0 && _writerWaiting)
                {
                    _writerWaiting = false;
                    release = true;
                }
            }
            if (release) _bytesToWrite.Release();
            return n;
        }

        /// <summary>
        /// Whether the loop has something to do here now, so that Wait must not sleep: plaintext or
        /// the end of the stream on a watched connection, or room (or a failure) after a Send that
        /// did not fit.
        /// </summary>
        public bool NeedsLoop(bool receiveWatched)
        {
            lock (_gate)
            {
                if (_status != Up || _closed) return false;
                if (receiveWatched && (_inbox.Count > 0 || _readEnded)) return true;
                return _sendBlocked && (_outbox.Free > 0 || _writeFailed);
            }
        }

        /// <summary>
        /// The loop is done with this connection: abandons a handshake at once; once TLS is up,
        /// what Send took is still written (bounded) before everything is disposed.
        /// </summary>
        public void Close()
        {
            bool linger;
            lock (_gate)
            {
                if (_closed) return;
                _closed = true;
                linger = _status == Up && !_writeFailed && _outbox.Count > 0;
            }
            if (linger)
            {
                // The write pump is busy (the outbox is not empty): it disposes when done.
                try
                {
                    _cancel.CancelAfter(CloseLingerMs);
                }
                catch (ObjectDisposedException)
                {
                }
                return;
            }
            DisposeAll();
        }

        // The pool's side

        private async Task RunAsync()
        {
            string description;
            try
            {
                if (_serverContext != null)
                {
                    var serverOptions = new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _serverContext,
                        ClientCertificateRequired = false,
                        EnabledSslProtocols = SslProtocols.None, // the OS's default protocols
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    };
                    await _ssl.AuthenticateAsServerAsync(serverOptions, _cancel.Token).ConfigureAwait(false);
                    // No client certificate is asked for: always Anonymous (Postfix's word too).
                    description = "Anonymous " + ProtocolName(_ssl.SslProtocol)
                        + " with cipher " + _ssl.NegotiatedCipherSuite;
                }
                else
                {
                    description = await AuthenticateAsClientAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                // A background task must not die of a bad peer: every failure is a value here.
                bool wake;
                lock (_gate)
                {
                    _status = Failed;
                    _description = _rejection ?? "handshake failed: " + Innermost(e).Message;
                    wake = !_closed;
                }
                DisposeAll();
                if (wake) _wake();
                return;
            }

            lock (_gate)
            {
                _status = Up;
                _description = description;
                if (_closed) return; // Close came during the handshake and disposed everything
            }
            _wake();
            _ = Task.Run(WritePumpAsync);
            await ReadPumpAsync().ConfigureAwait(false);
        }

        // The client's handshake; returns the description (see INetwork.TlsDescription).
        private async Task<string> AuthenticateAsClientAsync()
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = _serverName,
                EnabledSslProtocols = SslProtocols.None, // the OS's default protocols
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = ValidateCertificate,
            };
            if (_trustedRoots != null)
            {
                var policy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                policy.CustomTrustStore.AddRange(_trustedRoots);
                options.CertificateChainPolicy = policy;
            }
            await _ssl.AuthenticateAsClientAsync(options, _cancel.Token).ConfigureAwait(false);
            // A Close at this moment may have disposed the stream: the caller catches that.
            return Trust(_policyErrors) + " " + ProtocolName(_ssl.SslProtocol)
                + " with cipher " + _ssl.NegotiatedCipherSuite;
        }

        private async Task ReadPumpAsync()
        {
            while (true)
            {
                bool parked;
                lock (_gate)
                {
                    if (_closed) return;
                    parked = _inbox.Free < ReadChunk;
                    _readParked = parked;
                }
                int n;
                try
                {
                    if (parked)
                    {
                        await _roomToRead.WaitAsync(_cancel.Token).ConfigureAwait(false);
                        continue;
                    }
                    n = await _ssl.ReadAsync(_readBuffer, 0, _readBuffer.Length, _cancel.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    n = -1; // reset, bad record, disposed: the end of the stream for the loop
                }
                lock (_gate)
                {
                    if (_closed) return;
                    if (n > 0) _inbox.Write(_readBuffer, 0, n);
                    else _readEnded = true;
                }
                _wake();
                if (n <= 0) return;
            }
        }

        private async Task WritePumpAsync()
        {
            while (true)
            {
                int n;
                bool done = false;
                lock (_gate)
                {
                    n = _outbox.Peek(_writeBuffer, 0, _writeBuffer.Length);
                    if (n == 0)
                    {
                        if (_closed) done = true;
                        else _writerWaiting = true;
                    }
                }
                if (done)
                {
                    DisposeAll();
                    return;
                }

                bool wake;
                try
                {
                    if (n == 0)
                    {
                        await _bytesToWrite.WaitAsync(_cancel.Token).ConfigureAwait(false);
                        continue;
                    }
                    await _ssl.WriteAsync(_writeBuffer, 0, n, _cancel.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    lock (_gate)
                    {
                        _writeFailed = true;
                        wake = !_closed && _sendBlocked;
                    }
                    DisposeAll();
                    if (wake) _wake();
                    return;
                }
                lock (_gate)
                {
                    _outbox.Skip(n);
                    wake = !_closed && _sendBlocked;
                }
                if (wake) _wake();
            }
        }

        private bool ValidateCertificate(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors)
        {
            lock (_gate)
            {
                _policyErrors = errors;
                if (!_verify || errors == SslPolicyErrors.None) return true;
                _rejection = Rejection(errors, chain, _serverName);
                return false;
            }
        }

        private void DisposeAll()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try
            {
                _cancel.Cancel();
            }
            catch (AggregateException)
            {
                // A callback registered on the token threw; nothing of ours registers any.
            }
            // The socket first, so that pending operations fail at once.
            try
            {
                _socket?.Dispose();
            }
            catch (SocketException)
            {
            }
            try
            {
                _ssl?.Dispose();
                _stream?.Dispose();
            }
            catch (Exception)
            {
                // Disposing with operations in flight may complain; everything is gone either way.
            }
        }

        // Texts for the log

        // Postfix's trust levels (see INetwork.TlsDescription).
        private static string Trust(SslPolicyErrors errors)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "Anonymous";
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0) return "Untrusted";
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return "Trusted";
            return "Verified";
        }

        private static string Rejection(SslPolicyErrors errors, X509Chain chain, string serverName)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the server showed no certificate";
            string text = null;
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                string statuses = "";
                if (chain != null)
                {
                    foreach (X509ChainStatus status in chain.ChainStatus)
                        statuses += (statuses.Length == 0 ? "" : ", ") + status.Status;
                }
                text = "certificate not trusted" + (statuses.Length == 0 ? "" : " (" + statuses + ")");
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                text = (text == null ? "" : text + "; ") + "certificate does not match " + serverName;
            return text ?? "certificate refused (" + errors + ")";
        }

        // Tls and Tls11 are not named: they are obsolete, and naming them breaks the build.
        private static string ProtocolName(SslProtocols protocol)
        {
            switch (protocol)
            {
                case SslProtocols.Tls13: return "TLSv1.3";
                case SslProtocols.Tls12: return "TLSv1.2";
                default: return "TLS (" + (int)protocol + ")";
            }
        }

        // AuthenticationException wraps the TLS library's own words ("wrong version number"),
        // which tell an operator the most.
        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        // The client's first handshake bytes that HostNetwork read while discarding plaintext
        // (StartTlsServer), then the socket's stream: reads take the prefix first; writes pass on.
        private sealed class PrefixedStream : Stream
        {
            private readonly byte[] _prefix;
            private int _taken;
            private readonly Stream _inner;

            public PrefixedStream(byte[] prefix, Stream inner)
            {
                _prefix = prefix;
                _inner = inner;
            }

            public override bool CanRead => true;
            public override bool CanWrite => true;
            public override bool CanSeek => false;
            public override long Length => throw new NotSupportedException();
            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                return Read(buffer.AsSpan(offset, count));
            }

            public override int Read(Span<byte> buffer)
            {
                int n = TakePrefix(buffer);
                return n > 0 || buffer.Length == 0 ? n : _inner.Read(buffer);
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
            }

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                int n = TakePrefix(buffer.Span);
                return n > 0 || buffer.Length == 0 ? new ValueTask<int>(n) : _inner.ReadAsync(buffer, cancellationToken);
            }

            private int TakePrefix(Span<byte> buffer)
            {
                int n = Math.Min(buffer.Length, _prefix.Length - _taken);
                if (n <= 0) return 0;
                _prefix.AsSpan(_taken, n).CopyTo(buffer);
                _taken += n;
                return n;
            }

            public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
            public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);
            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
                => _inner.WriteAsync(buffer, offset, count, cancellationToken);
            public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
                => _inner.WriteAsync(buffer, cancellationToken);
            public override void Flush() => _inner.Flush();
            public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }

        // A fixed-size FIFO of bytes; not thread-safe (the channel holds _gate).
        private sealed class ByteRing
        {
            private readonly byte[] _bytes;
            private int _head;

            public ByteRing(int capacity)
            {
                _bytes = new byte[capacity];
            }

            public int Count { get; private set; }
            public int Free => _bytes.Length - Count;

            /// <summary>Appends count bytes; the caller made sure they fit.</summary>
            public void Write(byte[] source, int offset, int count)
            {
                if (count > Free) throw new InvalidOperationException("ring overflow");
                int tail = (_head + Count) % _bytes.Length;
                int first = Math.Min(count, _bytes.Length - tail);
                Array.Copy(source, offset, _bytes, tail, first);
                Array.Copy(source, offset + first, _bytes, 0, count - first);
                Count += count;
            }

            /// <summary>Copies up to max bytes from the front without taking them.</summary>
            public int Peek(byte[] destination, int offset, int max)
            {
                int n = Math.Min(max, Count);
                int first = Math.Min(n, _bytes.Length - _head);
                Array.Copy(_bytes, _head, destination, offset, first);
                Array.Copy(_bytes, 0, destination, offset + first, n - first);
                return n;
            }

            public void Skip(int count)
            {
                _head = (_head + count) % _bytes.Length;
                Count -= count;
            }

            public int Read(byte[] destination, int offset, int max)
            {
                int n = Peek(destination, offset, max);
                Skip(n);
                return n;
            }
        }
    }
}
