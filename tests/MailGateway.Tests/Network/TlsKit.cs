// Helpers for the TLS tests over loopback: a self-signed server certificate made in memory, and
// the server's end of a connection — a blocking socket and, once upgraded, an SslStream — with
// every read, write and handshake bounded by LoopbackKit.DeadlineMs. The gateway's end runs its
// handshake on the thread pool, so the test thread can play the server with blocking calls.
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Network
{
    internal static class TlsKit
    {
        /// <summary>The name in the certificate's subject alternative name (and its CN).</summary>
        public const string ServerName = "mx.tls.test";

        private static readonly Lazy<X509Certificate2> s_certificate = new Lazy<X509Certificate2>(CreateCertificate);

        /// <summary>A self-signed certificate for ServerName with its private key, usable by SslStream as a server.</summary>
        public static X509Certificate2 Certificate => s_certificate.Value;

        private static X509Certificate2 CreateCertificate()
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + ServerName, key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(ServerName);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false)); // serverAuth
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
            // An ephemeral key cannot serve TLS on every platform (Linux and Windows differ): go
            // through PFX so the key is an ordinary imported one.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
        }

        /// <summary>A loopback listener on an ephemeral port for the gateway's Connect.</summary>
        public static Socket Listen()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(8);
            return listener;
        }

        public static int Port(Socket listener)
        {
            return ((IPEndPoint)listener.LocalEndPoint).Port;
        }

        /// <summary>Connects the gateway to the listener and returns both ends, connected.</summary>
        public static (int Connection, ServerEnd Server) ConnectPair(HostNetwork net, Socket listener)
        {
            int connection = net.Connect("127.0.0.1", Port(listener));
            Assert.Equal(1, LoopbackKit.SettleConnect(net, connection));
            Assert.True(listener.Poll(LoopbackKit.DeadlineMs * 1000, SelectMode.SelectRead), "nothing to accept");
            Socket accepted = listener.Accept();
            accepted.ReceiveTimeout = LoopbackKit.DeadlineMs;
            accepted.SendTimeout = LoopbackKit.DeadlineMs;
            return (connection, new ServerEnd(accepted));
        }

        /// <summary>Polls TlsStatus with Wait until the handshake ends; returns 1 or -1.</summary>
        public static int SettleTls(HostNetwork net, int connection)
        {
            int status = 0;
            LoopbackKit.PollUntil(net, () => (status = net.TlsStatus(connection)) != 0, "the TLS handshake to end");
            return status;
        }

        /// <summary>Sends all of data through the gateway, polling with Wait while Send takes less.</summary>
        public static void SendAll(HostNetwork net, int connection, byte[] data)
        {
            int sent = 0;
            LoopbackKit.PollUntil(net, () =>
            {
                int n = net.Send(connection, data, sent, data.Length - sent);
                Assert.True(n >= 0, "send failed after " + sent + " of " + data.Length + " bytes");
                sent += n;
                return sent == data.Length;
            }, data.Length + " bytes sent");
        }

        /// <summary>Reads until Receive gives -1, polling with Wait; returns what came before.</summary>
        public static string ReceiveToEnd(HostNetwork net, int connection)
        {
            var text = new StringBuilder();
            var buffer = new byte[4096];
            LoopbackKit.PollUntil(net, () =>
            {
                int n = net.Receive(connection, buffer, 0, buffer.Length);
                if (n > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, n));
                return n < 0;
            }, "the end of the stream");
            return text.ToString();
        }

        public static byte[] Ascii(string text)
        {
            return Encoding.ASCII.GetBytes(text);
        }

        /// <summary>Bytes 0, 1, …, 250, 0, 1, … so that a lost, doubled or reordered chunk shows.</summary>
        public static byte[] Pattern(int length)
        {
            var data = new byte[length];
            for (int i = 0; i < Math.Min(length, 251); i++) data[i] = (byte)i;
            for (int done = 251; done < length; done *= 2)
                Array.Copy(data, 0, data, done, Math.Min(done, length - done)); // done is a multiple of 251
            return data;
        }
    }

    /// <summary>The test's (server's) end of one connection: plain first, TLS after Authenticate.</summary>
    internal sealed class ServerEnd : TlsTestEnd
    {
        public ServerEnd(Socket socket)
            : base(socket)
        {
        }

        /// <summary>Waits for the first bytes of the gateway's ClientHello (so its handshake is under way) and returns how many.</summary>
        public int AwaitClientHello()
        {
            Assert.True(Socket.Poll(LoopbackKit.DeadlineMs * 1000, SelectMode.SelectRead), "no ClientHello");
            var buffer = new byte[16 * 1024];
            int n = Socket.Receive(buffer);
            Assert.True(n > 0, "EOF instead of a ClientHello");
            Assert.Equal(0x16, buffer[0]); // a TLS handshake record
            return n;
        }

        /// <summary>Runs the server's handshake with the test certificate; false when the gateway broke it off.</summary>
        public bool Authenticate()
        {
            Tls = new SslStream(new NetworkStream(Socket, ownsSocket: false), leaveInnerStreamOpen: true);
            Tls.ReadTimeout = LoopbackKit.DeadlineMs;
            Tls.WriteTimeout = LoopbackKit.DeadlineMs;
            var options = new SslServerAuthenticationOptions { ServerCertificate = TlsKit.Certificate };
            using var deadline = new CancellationTokenSource(LoopbackKit.DeadlineMs);
            try
            {
                Tls.AuthenticateAsServerAsync(options, deadline.Token).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is AuthenticationException || e is IOException)
            {
                return false;
            }
        }
    }
}
