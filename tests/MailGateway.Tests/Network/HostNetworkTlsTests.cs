// HostNetwork's TLS client (StartTlsClient, TlsStatus, TlsDescription) against a real SslStream
// server that the test plays over loopback (127.0.0.1, ephemeral ports) with a self-signed
// certificate made in memory. The gateway's handshake runs on the thread pool, so the test thread
// plays the server with blocking calls bounded by LoopbackKit.DeadlineMs and drives the gateway
// with bounded polling; no timing is asserted.
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostNetworkTlsTests
    {
        // Handshake and data

        [Fact]
        public void ImplicitTls_ComesUp_AndCarriesBytesBothWays_ThenEof()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);

            Assert.Equal(0, net.TlsStatus(connection)); // the server has not answered yet
            Assert.Null(net.TlsDescription(connection));
            Assert.Equal(0, net.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(0, net.Send(connection, TlsKit.Ascii("EHLO"), 0, 4));
            Assert.True(server.Authenticate());
            Assert.Equal(1, TlsKit.SettleTls(net, connection));
            Assert.Equal(1, net.TlsStatus(connection)); // stays

            byte[] ehlo = TlsKit.Ascii("xxEHLO gw.test\r\n");
            TlsKit.SendAll(net, connection, ehlo[2..]);
            Assert.Equal("EHLO gw.test\r\n", Encoding.ASCII.GetString(server.ReceiveTls(14)));
            server.SendTls("250 mx.tls.test\r\n");
            Assert.Equal("250 mx.tls.test\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 17)));
            Assert.Equal(0, net.Receive(connection, new byte[8], 0, 8));

            server.SendTls("221 bye\r\n");
            server.Shutdown();
            Assert.Equal("221 bye\r\n", TlsKit.ReceiveToEnd(net, connection));
            Assert.Equal(-1, net.Receive(connection, new byte[8], 0, 8)); // stays ended
            Assert.Equal(1, net.TlsStatus(connection)); // the end of the stream is not a TLS failure
        }

        [Fact]
        public void TlsStatus_OnPlainConnections_IsTwo_WithNoDescription()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            int gatewayListener = net.Listen("127.0.0.1", 0);
            using Socket client = LoopbackKit.Connect("127.0.0.1", net.LocalPort(gatewayListener));
            int accepted = LoopbackKit.AcceptOne(net, gatewayListener);

            Assert.Equal(2, net.TlsStatus(connection));
            Assert.Equal(2, net.TlsStatus(accepted));
            Assert.Null(net.TlsDescription(connection));
        }

        // Certificates: verification, names and the trust word in the description.
        // trusted: the test certificate is given as TlsTrustedRoots (a private CA), else only the
        // system's store is asked, which does not know it.

        [Theory]
        [InlineData(false, false, TlsKit.ServerName, 1, "Untrusted")]
        [InlineData(false, true, TlsKit.ServerName, 1, "Verified")]
        [InlineData(false, true, "other.test", 1, "Trusted")]
        [InlineData(false, false, "other.test", 1, "Untrusted")]
        [InlineData(true, false, TlsKit.ServerName, -1, "certificate not trusted")]
        [InlineData(true, true, TlsKit.ServerName, 1, "Verified")]
        [InlineData(true, true, "mx.tls.test.", 1, "Verified")] // a DNS name's trailing dot is ignored
        [InlineData(true, true, "other.test", -1, "certificate does not match other.test")]
        [InlineData(true, false, "other.test", -1, "certificate not trusted")]
        public void Handshake_VerifiesCertificatesOnlyWhenAsked(bool verify, bool trusted, string serverName,
            int expectedStatus, string expectedText)
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            if (trusted) net.TlsTrustedRoots = new X509Certificate2Collection(TlsKit.Certificate);
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            net.StartTlsClient(connection, serverName, verify);
            bool serverDone = server.Authenticate();

            Assert.Equal(expectedStatus, TlsKit.SettleTls(net, connection));
            string description = net.TlsDescription(connection);
            if (expectedStatus == 1)
            {
                Assert.True(serverDone);
                Assert.StartsWith(expectedText + " TLSv1.", description);
                Assert.Contains(" with cipher TLS_", description);
            }
            else
            {
                Assert.Contains(expectedText, description);
                Assert.Equal(-1, net.Receive(connection, new byte[8], 0, 8));
                Assert.Equal(-1, net.Send(connection, new byte[8], 0, 8));
                Assert.Equal(-1, net.TlsStatus(connection)); // stays
            }
            net.Close(connection);
        }

        [Fact]
        public void Verify_AgainstSelfSignedCertificate_SaysWhyInTheDescription()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: true);
            server.Authenticate();

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
            Assert.Equal("certificate not trusted (UntrustedRoot)", net.TlsDescription(connection));
        }

        // Bytes around the upgrade (RFC 3207 §4.2, CVE-2011-0411)

        [Fact]
        public void StartTls_PlaintextInjectedAfterThe220_IsDiscarded_OnlyTlsBytesArrive()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            server.SendPlain("220 mx.tls.test ESMTP\r\n");
            Assert.Equal("220 mx.tls.test ESMTP\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 23)));
            TlsKit.SendAll(net, connection, TlsKit.Ascii("STARTTLS\r\n"));
            Assert.Equal("STARTTLS\r\n", server.ReceivePlain(10));
            // One send: the injected reply sits in the gateway's kernel buffer behind the 220,
            // which the gateway reads exactly, as a careful line reader would.
            const string ready = "220 2.0.0 Ready to start TLS\r\n";
            server.SendPlain(ready + "250-INJECTED\r\n250 AUTH PLAIN\r\n");
            Assert.Equal(ready, Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, ready.Length)));

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            Assert.True(server.Authenticate());
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            TlsKit.SendAll(net, connection, TlsKit.Ascii("EHLO gw.test\r\n"));
            Assert.Equal("EHLO gw.test\r\n", Encoding.ASCII.GetString(server.ReceiveTls(14)));
            server.SendTls("250 mx.tls.test\r\n");
            server.Shutdown();
            Assert.Equal("250 mx.tls.test\r\n", TlsKit.ReceiveToEnd(net, connection));
        }

        [Fact]
        public void Handshake_PlaintextWhereTlsIsExpected_Fails_AndIsNeverDelivered()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            server.AwaitClientHello();
            server.SendPlain("250-INJECTED\r\n250 AUTH PLAIN\r\n");

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
            Assert.StartsWith("handshake failed: ", net.TlsDescription(connection));
            Assert.Equal(-1, net.Receive(connection, new byte[64], 0, 64));
        }

        [Fact]
        public void StartTls_AfterThePeerClosed_FailsAtOnce()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            server.SendPlain("421 going away\r\n");
            server.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal("421 going away\r\n", TlsKit.ReceiveToEnd(net, connection));

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);

            Assert.Equal(-1, net.TlsStatus(connection));
            Assert.NotNull(net.TlsDescription(connection));
            Assert.Equal(-1, net.Send(connection, new byte[4], 0, 4));
        }

        [Fact]
        public void StartTls_WhenThePeerHasClosedButEofIsUnread_Fails()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            server.SendPlain("220 ready\r\n");
            server.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal("220 ready\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 11)));

            // The FIN is unread: the drain meets it (fails at once), or the handshake does later.
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
        }

        [Fact]
        public void StartTls_AfterRefusedConnect_FailsAtOnce()
        {
            using var net = new HostNetwork();
            int connection = net.Connect("127.0.0.1", LoopbackKit.ClosedTcpPort("127.0.0.1"));
            Assert.Equal(-1, LoopbackKit.SettleConnect(net, connection));

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: true);

            Assert.Equal(-1, net.TlsStatus(connection));
            net.Wait(0);
            net.Close(connection);
        }

        // The peer or we give up mid-handshake

        [Fact]
        public void PeerClosingMidHandshake_FailsIt()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            server.AwaitClientHello();
            server.Dispose();

            Assert.Equal(-1, TlsKit.SettleTls(net, connection));
            Assert.StartsWith("handshake failed: ", net.TlsDescription(connection));
            Assert.Equal(-1, net.Receive(connection, new byte[8], 0, 8));
        }

        [Fact]
        public void Close_MidHandshake_IsSafe_AndThePeerSeesTheEnd()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            server.AwaitClientHello();
            net.Close(connection);
            net.Close(connection);
            net.Wait(0);

            Assert.Throws<ArgumentException>(() => net.TlsStatus(connection));
            Assert.True(server.SeesEof(), "the peer did not see the connection end");
        }

        [Fact]
        public void Dispose_MidHandshake_IsSafe()
        {
            using Socket listener = TlsKit.Listen();
            var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            server.AwaitClientHello();

            net.Dispose();

            Assert.True(server.SeesEof(), "the peer did not see the connection end");
            Assert.Throws<ObjectDisposedException>(() => net.TlsStatus(connection));
        }

        [Fact]
        public void Close_AfterSend_StillDeliversWhatSendTook()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            Assert.True(server.Authenticate());
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            byte[] data = TlsKit.Pattern(40_000);
            Assert.Equal(data.Length, net.Send(connection, data, 0, data.Length)); // fits the outbox
            net.Close(connection);

            Assert.Equal(data, server.ReceiveTls(data.Length));
            Assert.True(server.SeesEof());
        }

        // Misuse

        [Fact]
        public void StartTls_Twice_Throws()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);

            Assert.Throws<InvalidOperationException>(() => net.StartTlsClient(connection, TlsKit.ServerName, false));
            net.Close(connection);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(".")]
        public void StartTls_WithoutServerName_Throws(string serverName)
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;

            Assert.ThrowsAny<ArgumentException>(() => net.StartTlsClient(connection, serverName, false));
            Assert.Equal(2, net.TlsStatus(connection));
        }

        [Fact]
        public void StartTls_OnUnknownHandle_Throws()
        {
            using var net = new HostNetwork();
            Assert.Throws<ArgumentException>(() => net.StartTlsClient(42, TlsKit.ServerName, false));
            Assert.Throws<ArgumentException>(() => net.TlsStatus(42));
            Assert.Throws<ArgumentException>(() => net.TlsDescription(42));
        }

        // Waiting and backpressure

        [Fact]
        public void Wait_WakesWhenTheHandshakeEnds_AndWhenTlsDataArrives()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            Assert.True(server.Authenticate());

            net.Wait(LoopbackKit.DeadlineMs);
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            server.SendTls("250 ok\r\n");
            net.Wait(LoopbackKit.DeadlineMs);
            Assert.Equal("250 ok\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 8)));
        }

        [Fact]
        public async Task Send_ToAPeerThatDoesNotRead_StopsAtTheBound_ThenEverythingArrives()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            Assert.True(server.Authenticate());
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            // Fill the outbox and the kernel's buffers behind it: Send must come to take nothing.
            // No Wait in between: the write pump drains in parallel until the kernel is full.
            byte[] data = TlsKit.Pattern(64 * 1024 * 1024);
            int sent = 0;
            while (true)
            {
                int n = net.Send(connection, data, sent, Math.Min(16 * 1024, data.Length - sent));
                Assert.True(n >= 0, "send failed");
                sent += n;
                Assert.True(sent < data.Length, "64 MiB went out to a peer that does not read");
                if (n == 0) break;
            }
            Assert.True(net.IsSendPending(connection));

            // Now the peer reads everything, while the gateway sends the rest of 1 MiB past the mark.
            int total = sent + 1024 * 1024;
            Task<byte[]> reading = Task.Run(() => server.ReceiveTls(total));
            LoopbackKit.PollUntil(net, () =>
            {
                int n = net.Send(connection, data, sent, total - sent);
                Assert.True(n >= 0, "send failed");
                sent += n;
                return sent == total;
            }, "the rest to be taken");
            byte[] received = await reading.WaitAsync(TimeSpan.FromMilliseconds(LoopbackKit.DeadlineMs));
            Assert.Equal(data.AsSpan(0, total).ToArray(), received);
            Assert.False(net.IsSendPending(connection));
        }

        [Fact]
        public async Task Receive_MegabytesFromTheServer_ArriveIntactAndInOrder()
        {
            using Socket listener = TlsKit.Listen();
            using var net = new HostNetwork();
            (int connection, ServerEnd server) = TlsKit.ConnectPair(net, listener);
            using ServerEnd _ = server;
            net.StartTlsClient(connection, TlsKit.ServerName, verifyCertificate: false);
            Assert.True(server.Authenticate());
            Assert.Equal(1, TlsKit.SettleTls(net, connection));

            // Far more than the inbox holds: the read pump parks and resumes as the loop reads.
            byte[] data = TlsKit.Pattern(8 * 1024 * 1024);
            Task writing = Task.Run(() => server.SendTls(data));

            Assert.Equal(data, LoopbackKit.ReceiveExactly(net, connection, data.Length));
            await writing.WaitAsync(TimeSpan.FromMilliseconds(LoopbackKit.DeadlineMs));
        }
    }
}
