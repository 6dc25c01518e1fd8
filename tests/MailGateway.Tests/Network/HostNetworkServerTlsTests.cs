// HostNetwork's TLS server (StartTlsServer for STARTTLS / STLS and implicit TLS, TlsStatus,
// TlsDescription, ServerCertificate) against a real SslStream client that the test plays over
// loopback (127.0.0.1, ephemeral ports), pinned to the certificate the test gave the gateway or
// trusting a root the test made. The gateway's handshake runs on the thread pool, so the test
// thread plays the client with blocking calls bounded by LoopbackKit.DeadlineMs and drives the
// gateway with bounded polling; no timing is asserted.
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostNetworkServerTlsTests
    {
        private const string Ready = "220 2.0.0 Ready to start TLS\r\n";

        // Handshake and data

        [Fact]
        public void StartTls_ComesUp_AndCarriesBytesBothWays_ThenEof()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            client.SendPlain("STARTTLS\r\n");
            Assert.Equal("STARTTLS\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 10)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii(Ready));
            net.StartTlsServer(connection);

            Assert.Equal(0, net.TlsStatus(connection)); // the client has not begun yet
            Assert.Null(net.TlsDescription(connection));
            Assert.Equal(0, net.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(0, net.Send(connection, TlsKit.Ascii("250"), 0, 3));
            Assert.Equal(Ready, client.ReceivePlain(Ready.Length));
            Assert.True(client.Authenticate(TlsKit.Certificate), client.Failure);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
            Assert.Equal(1, net.TlsStatus(connection)); // stays
            Assert.StartsWith("Anonymous TLSv1.", net.TlsDescription(connection));
            Assert.Contains(" with cipher TLS_", net.TlsDescription(connection));
            Assert.Equal(0, net.DiscardedBeforeTls(connection));

            client.SendTls("EHLO cam.lan.test\r\n");
            Assert.Equal("EHLO cam.lan.test\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 19)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii("250 gw.test\r\n"));
            Assert.Equal("250 gw.test\r\n", Encoding.ASCII.GetString(client.ReceiveTls(13)));

            client.SendTls("QUIT\r\n");
            client.Shutdown();
            Assert.Equal("QUIT\r\n", TlsKit.ReceiveToEnd(net, connection));
            Assert.Equal(1, net.TlsStatus(connection)); // the end of the stream is not a TLS failure
        }

        [Fact]
        public void ImplicitTls_StartedRightAfterAccept_KeepsAClientHelloThatCameFirst()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0); // as SMTP 465 or POP3 995: the core starts TLS at once
            using Socket socket = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            using var client = new TlsClientEnd(socket);
            client.BeginAuthenticate(TlsKit.Certificate); // the ClientHello is in the kernel before Accept
            int connection = LoopbackKit.AcceptOne(net, listener);

            net.StartTlsServer(connection);

            Assert.True(client.EndAuthenticate(), client.Failure);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
            Assert.Equal(0, net.DiscardedBeforeTls(connection)); // the ClientHello is not plaintext
            TlsKit.SendAll(net, connection, TlsKit.Ascii("+OK POP3 ready\r\n"));
            Assert.Equal("+OK POP3 ready\r\n", Encoding.ASCII.GetString(client.ReceiveTls(16)));
            client.SendTls("CAPA\r\n");
            Assert.Equal("CAPA\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 6)));
        }

        [Fact]
        public void StartTls_AClientHelloQuickerThanTheCall_IsKept()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            client.SendPlain("STLS\r\n");
            Assert.Equal("STLS\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 6)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii("+OK Begin TLS\r\n"));

            // The loop is slow to call StartTlsServer: the client's ClientHello is already here.
            Assert.Equal("+OK Begin TLS\r\n", client.ReceivePlain(15));
            client.BeginAuthenticate(TlsKit.Certificate);
            net.StartTlsServer(connection);

            Assert.True(client.EndAuthenticate(), client.Failure);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
            Assert.Equal(0, net.DiscardedBeforeTls(connection));
        }

        [Fact]
        public void Handshake_WithACertificateFromTlsCertificates_IsVerifiedAgainstIt()
        {
            using var dir = new TempFolder();
            X509Certificate2 certificate = TlsCertificates.LoadOrCreate(null, null, dir.Path, "gw.lan.test", out string note);
            using var net = new HostNetwork { ServerCertificate = certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            net.StartTlsServer(connection);
            client.BeginAuthenticate(null, "gw.lan.test", trustedRoot: X509CertificateLoader.LoadCertificate(certificate.RawData));

            Assert.True(client.EndAuthenticate(), client.Failure); // chain and name checked by the client
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
        }

        [Fact]
        public void Handshake_SendsTheChain_SoAClientTrustingOnlyTheRootVerifies()
        {
            using var dir = new TempFolder();
            (X509Certificate2 root, string certPath, string keyPath) = CertificateFactory.IssuedChain(dir.Path, "gw.lan.test");
            X509Certificate2 certificate = TlsCertificates.LoadOrCreate(certPath, keyPath, null, null, out string note, out X509Certificate2Collection chain);
            Assert.Single(chain);
            using var net = new HostNetwork { ServerCertificate = certificate, ServerCertificateChain = chain };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            net.StartTlsServer(connection);
            client.BeginAuthenticate(null, "gw.lan.test", trustedRoot: root);

            Assert.True(client.EndAuthenticate(), client.Failure); // needs the intermediate from the server
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
        }

        // Bytes around the upgrade (RFC 3207 §4.2, RFC 2595 §3.1, CVE-2011-0411)

        [Fact]
        public void StartTls_CommandPipelinedAfterIt_IsDiscarded_NeverDeliveredBeforeOrAfter()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            // One write: the injected command sits in the kernel behind STARTTLS, which the
            // gateway reads exactly, as a careful line reader would.
            client.SendPlain("STARTTLS\r\nRCPT TO:<x@evil.test>\r\n");
            Assert.Equal("STARTTLS\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 10)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii(Ready));
            net.StartTlsServer(connection);
            Assert.Equal(23, net.DiscardedBeforeTls(connection)); // "RCPT TO:<x@evil.test>\r\n"

            Assert.Equal(Ready, client.ReceivePlain(Ready.Length));
            Assert.True(client.Authenticate(TlsKit.Certificate), client.Failure);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
            client.SendTls("EHLO cam.lan.test\r\n");
            client.Shutdown();
            Assert.Equal("EHLO cam.lan.test\r\n", TlsKit.ReceiveToEnd(net, connection)); // and nothing else
        }

        [Fact]
        public void Handshake_ClientSpeakingPlaintextIntoIt_Fails_AndTheBytesAreNeverDelivered()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            client.SendPlain("STARTTLS\r\n");
            Assert.Equal("STARTTLS\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 10)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii(Ready));
            net.StartTlsServer(connection);

            client.SendPlain("RCPT TO:<x@evil.test>\r\n"); // after the call: read as a TLS record

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
            Assert.StartsWith("handshake failed: ", net.TlsDescription(connection));
            Assert.Equal(-1, net.Receive(connection, new byte[64], 0, 64));
            Assert.Equal(-1, net.Send(connection, new byte[4], 0, 4));
            Assert.Equal(-1, net.TlsStatus(connection)); // stays
        }

        [Fact]
        public void ImplicitTls_PlaintextClient_FailsTheHandshake()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            net.StartTlsServer(connection);

            client.SendPlain("EHLO cam.lan.test\r\n");

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
            Assert.Equal(-1, net.Receive(connection, new byte[64], 0, 64));
        }

        // Certificates

        [Fact]
        public void StartTls_WithoutACertificate_FailsAtOnce_SayingSo()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            net.StartTlsServer(connection);

            Assert.Equal(-1, net.TlsStatus(connection));
            Assert.Equal("no server certificate is configured", net.TlsDescription(connection));
            Assert.Equal(-1, net.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(-1, net.Send(connection, new byte[8], 0, 8));
            net.Close(connection);
            Assert.True(client.SeesEof());
        }

        [Fact]
        public void StartTls_WithACertificateWithoutItsKey_FailsAtOnce_SayingSo()
        {
            using var net = new HostNetwork { ServerCertificate = X509CertificateLoader.LoadCertificate(TlsKit.Certificate.RawData) };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;

            net.StartTlsServer(connection);

            Assert.Equal(-1, net.TlsStatus(connection));
            Assert.Equal("the server certificate has no private key", net.TlsDescription(connection));
        }

        [Fact]
        public void ServerCertificate_SetAgain_AppliesToTheNextHandshake()
        {
            using var dir = new TempFolder();
            X509Certificate2 renewed = TlsCertificates.LoadOrCreate(null, null, dir.Path, TlsKit.ServerName, out string note);
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int first, TlsClientEnd one) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = one;
            net.StartTlsServer(first);
            Assert.True(one.Authenticate(TlsKit.Certificate), one.Failure);

            net.ServerCertificate = renewed;
            (int second, TlsClientEnd two) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd __ = two;
            net.StartTlsServer(second);

            Assert.True(two.Authenticate(renewed), two.Failure); // pinned to the new one
            Assert.Equal(1, TlsKit.SettleTls(net, second));
        }

        // The client goes away, or we do

        [Fact]
        public void StartTls_AfterTheClientClosed_FailsAtOnce()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            client.SendPlain("STARTTLS\r\n");
            client.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal("STARTTLS\r\n", TlsKit.ReceiveToEnd(net, connection));

            net.StartTlsServer(connection);

            Assert.Equal(-1, net.TlsStatus(connection));
            Assert.NotNull(net.TlsDescription(connection));
        }

        [Fact]
        public void Close_MidHandshake_IsSafe_AndTheClientSeesTheEnd()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            net.StartTlsServer(connection); // the client never begins

            net.Close(connection);
            net.Close(connection);
            net.Wait(0);

            Assert.Throws<ArgumentException>(() => net.TlsStatus(connection));
            Assert.True(client.SeesEof(), "the client did not see the connection end");
        }

        [Fact]
        public void Close_AfterSend_StillDeliversWhatSendTook()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            net.StartTlsServer(connection);
            Assert.True(client.Authenticate(TlsKit.Certificate), client.Failure);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            byte[] data = TlsKit.Pattern(40_000);
            Assert.Equal(data.Length, net.Send(connection, data, 0, data.Length)); // fits the outbox
            net.Close(connection);

            Assert.Equal(data, client.ReceiveTls(data.Length));
        }

        // Misuse

        [Fact]
        public void StartTls_Twice_OrAfterTheOtherSide_Throws()
        {
            using var net = new HostNetwork { ServerCertificate = TlsKit.Certificate };
            int listener = net.Listen("127.0.0.1", 0);
            (int connection, TlsClientEnd client) = TlsClientEnd.Connect(net, listener);
            using TlsClientEnd _ = client;
            net.StartTlsServer(connection);

            Assert.Throws<InvalidOperationException>(() => net.StartTlsServer(connection));
            Assert.Throws<InvalidOperationException>(() => net.StartTlsClient(connection, TlsKit.ServerName, false));
            Assert.Throws<ArgumentException>(() => net.StartTlsServer(4242));
            net.Close(connection);
        }

        // A temporary folder, deleted afterwards.
        internal sealed class TempFolder : IDisposable
        {
            public TempFolder()
            {
                Path = Directory.CreateTempSubdirectory("mailgw-tls-").FullName;
            }

            public string Path { get; }

            public void Dispose()
            {
                try
                {
                    Directory.Delete(Path, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Certificates and PEM files made for the tests.</summary>
    internal static class CertificateFactory
    {
        /// <summary>A root, an intermediate and a leaf for serverName; writes leaf + intermediate and the leaf's key as PEM.</summary>
        public static (X509Certificate2 Root, string CertPath, string KeyPath) IssuedChain(string dir, string serverName)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootRequest = new CertificateRequest("CN=Test Root", rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
            X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(2));

            using ECDsa midKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var midRequest = new CertificateRequest("CN=Test Intermediate", midKey, HashAlgorithmName.SHA256);
            midRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            midRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            midRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(midRequest.PublicKey, false));
            midRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
            using X509Certificate2 midPublic = midRequest.Create(root, now.AddDays(-1), now.AddYears(1), new byte[] { 1, 2 });
            using X509Certificate2 mid = midPublic.CopyWithPrivateKey(midKey);

            using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leafRequest = new CertificateRequest("CN=" + serverName, leafKey, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(serverName);
            leafRequest.CertificateExtensions.Add(names.Build());
            leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(mid, true, false));
            using X509Certificate2 leaf = leafRequest.Create(mid, now.AddHours(-1), now.AddDays(90), new byte[] { 3, 4 });

            string certPath = Path.Combine(dir, "chain.pem");
            string keyPath = Path.Combine(dir, "leaf.key");
            File.WriteAllText(certPath, leaf.ExportCertificatePem() + "\n" + mid.ExportCertificatePem() + "\n");
            File.WriteAllText(keyPath, leafKey.ExportPkcs8PrivateKeyPem() + "\n");
            return (X509CertificateLoader.LoadCertificate(root.RawData), certPath, keyPath);
        }
    }
}
