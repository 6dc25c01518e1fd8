// The test's (client's) end of a connection to one of the gateway's listeners, for the TLS server
// tests: a blocking socket and, once upgraded, an SslStream client that trusts exactly the
// certificate the test gave the gateway (or a given root), with every read, write and handshake
// bounded by LoopbackKit.DeadlineMs. The gateway's handshake runs on the thread pool, so the test
// thread plays the client with blocking calls.
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Network
{
    internal sealed class TlsClientEnd : TlsTestEnd
    {
        private readonly NotifyingStream _raw;
        private Task<bool> _handshake;

        public TlsClientEnd(Socket socket)
            : base(socket)
        {
            _raw = new NotifyingStream(new NetworkStream(socket, ownsSocket: false));
        }

        /// <summary>A client connected to a gateway listener, and the gateway's handle for it.</summary>
        public static (int Connection, TlsClientEnd Client) Connect(HostNetwork net, int listener)
        {
            Socket socket = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);
            return (connection, new TlsClientEnd(socket));
        }

        /// <summary>Why the last handshake failed on this side (null when it did not).</summary>
        public string Failure { get; private set; }

        /// <summary>
        /// Starts the client handshake on the thread pool; returns once its first flight (the
        /// ClientHello) was handed to the kernel, so that it is on its way to the gateway.
        /// trustedRoot null: trust exactly the certificate the gateway has (expected).
        /// </summary>
        public void BeginAuthenticate(X509Certificate2 expected, string serverName = TlsKit.ServerName, X509Certificate2 trustedRoot = null)
        {
            // Reads and writes are bounded by the socket's own timeouts (LoopbackKit.Connect).
            Tls = new SslStream(_raw, leaveInnerStreamOpen: true);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
            if (trustedRoot != null)
            {
                var policy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                policy.CustomTrustStore.Add(trustedRoot);
                options.CertificateChainPolicy = policy;
            }
            else
            {
                // Pinning: the exact certificate, whatever the chain says.
                options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate != null && certificate.GetRawCertData().AsSpan().SequenceEqual(expected.RawData);
            }
            _handshake = Task.Run(async () =>
            {
                using var deadline = new CancellationTokenSource(LoopbackKit.DeadlineMs);
                try
                {
                    await Tls.AuthenticateAsClientAsync(options, deadline.Token);
                    return true;
                }
                catch (Exception e) when (e is AuthenticationException || e is IOException || e is OperationCanceledException)
                {
                    Failure = e.Message;
                    return false;
                }
            });
            Assert.True(_raw.FirstWrite.Wait(LoopbackKit.DeadlineMs), "no ClientHello went out");
        }

        /// <summary>Waits for the handshake BeginAuthenticate started; false when it failed.</summary>
        public bool EndAuthenticate()
        {
            Assert.True(_handshake.Wait(LoopbackKit.DeadlineMs), "the client's handshake did not end");
            return _handshake.Result;
        }

        public bool Authenticate(X509Certificate2 expected)
        {
            BeginAuthenticate(expected);
            return EndAuthenticate();
        }

        /// <summary>The TLS protocol the client negotiated.</summary>
        public SslProtocols Protocol => Tls.SslProtocol;

        public override void Dispose()
        {
            try
            {
                _handshake?.Wait(LoopbackKit.DeadlineMs);
            }
            catch (AggregateException)
            {
            }
            base.Dispose();
        }

        // The socket's stream, telling when the first write (the ClientHello) has gone to the kernel.
        private sealed class NotifyingStream : Stream
        {
            private readonly Stream _inner;

            public NotifyingStream(Stream inner)
            {
                _inner = inner;
            }

            public ManualResetEventSlim FirstWrite { get; } = new ManualResetEventSlim();

            public override bool CanRead => true;
            public override bool CanWrite => true;
            public override bool CanSeek => false;
            public override long Length => throw new NotSupportedException();
            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
                => _inner.ReadAsync(buffer, cancellationToken);
            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
                => _inner.ReadAsync(buffer, offset, count, cancellationToken);

            public override void Write(byte[] buffer, int offset, int count)
            {
                _inner.Write(buffer, offset, count);
                FirstWrite.Set();
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                await _inner.WriteAsync(buffer, cancellationToken);
                FirstWrite.Set();
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
                => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
    }
}
