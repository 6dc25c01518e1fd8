// SimulatedNetwork's TLS as a specification: the gateway's StartTlsClient, TlsStatus and
// TlsDescription against a peer whose handshake the test completes (AcceptTls) or fails
// (RefuseTls, a Write of plaintext, Close, Reset). Nothing is encrypted; what is checked is the
// contract the core relies on, the same one HostNetworkTlsTests checks against a real SslStream.
using System.Text;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Simulation;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class SimulatedNetworkTlsTests
    {
        private readonly SimulatedNetwork _net = new SimulatedNetwork();

        private INetwork Gateway => _net; // what the core sees

        // Plain connections

        [Fact]
        public void TlsStatus_OnPlainConnections_IsTwo_WithNoDescription()
        {
            (int connection, SimulatedPeer peer) = Connected();
            int listener = Gateway.Listen("127.0.0.1", 25);
            _net.Connect("127.0.0.1", 25, "192.168.1.20");
            int accepted = Gateway.Accept(listener);

            Assert.Equal(2, Gateway.TlsStatus(connection));
            Assert.Equal(2, Gateway.TlsStatus(accepted));
            Assert.Null(Gateway.TlsDescription(connection));
            Assert.False(peer.TlsRequested);
            Assert.False(peer.IsTls);
            Assert.Equal("", peer.ReceivedSinceTls);
        }

        // The handshake

        [Fact]
        public void StartTls_WaitsForThePeer_SendAndReceiveGiveZero()
        {
            (int connection, SimulatedPeer peer) = Connected();

            Gateway.StartTlsClient(connection, "mx.bbb.test.", verifyCertificate: true);

            Assert.Equal(0, Gateway.TlsStatus(connection));
            Assert.Null(Gateway.TlsDescription(connection));
            Assert.Equal(0, Gateway.Send(connection, Ascii("EHLO"), 0, 4));
            Assert.Equal(0, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.True(peer.TlsRequested);
            Assert.True(peer.IsTlsHandshaking);
            Assert.False(peer.IsTls);
            Assert.Equal("mx.bbb.test", peer.TlsServerName); // the trailing dot is not part of the name
            Assert.True(peer.TlsVerifyCertificate);
            Assert.Equal("", peer.AllReceived);
        }

        [Theory]
        [InlineData(true, "Verified TLSv1.3 with cipher TLS_AES_256_GCM_SHA384")]
        [InlineData(false, "Untrusted TLSv1.3 with cipher TLS_AES_256_GCM_SHA384")]
        public void AcceptTls_BringsTlsUp_AndBytesPassUnchanged(bool verify, string description)
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verify);

            peer.AcceptTls();

            Assert.Equal(1, Gateway.TlsStatus(connection));
            Assert.Equal(description, Gateway.TlsDescription(connection));
            Assert.True(peer.IsTls);
            Assert.False(peer.IsTlsHandshaking);
            Assert.Equal(verify, peer.TlsVerifyCertificate);
            Assert.Equal(14, Gateway.Send(connection, Ascii("EHLO gw.test\r\n"), 0, 14));
            Assert.Equal("EHLO gw.test\r\n", peer.ReadNew());
            peer.Write("250 mx.bbb.test\r\n");
            Assert.Equal("250 mx.bbb.test\r\n", ReadAll(connection));
        }

        [Fact]
        public void AcceptTls_WithADescription_IsWhatTheGatewaySees()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            peer.AcceptTls("Trusted TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

            Assert.Equal("Trusted TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Gateway.TlsDescription(connection));
        }

        [Fact]
        public void RefuseTls_FailsTheHandshake_SendAndReceiveGiveMinusOne()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "smtp.provider.test", verifyCertificate: true);

            peer.RefuseTls("certificate not trusted (UntrustedRoot)");

            Assert.Equal(-1, Gateway.TlsStatus(connection));
            Assert.Equal("certificate not trusted (UntrustedRoot)", Gateway.TlsDescription(connection));
            Assert.Equal(-1, Gateway.Send(connection, Ascii("EHLO"), 0, 4));
            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.False(peer.IsTls);
            Gateway.Close(connection);
            Assert.Equal(0, _net.OpenHandleCount);
        }

        [Fact]
        public void RefuseTls_WithoutReason_SaysTheHandshakeFailed()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            peer.RefuseTls();

            Assert.StartsWith("handshake failed: ", Gateway.TlsDescription(connection));
        }

        // Bytes around the upgrade (RFC 3207 §4.2, CVE-2011-0411)

        [Fact]
        public void StartTls_DiscardsWhatTheGatewayHasNotRead_SoInjectedRepliesNeverArrive()
        {
            (int connection, SimulatedPeer peer) = Connected();
            peer.Write("220 mx.bbb.test ESMTP\r\n");
            Assert.Equal("220 mx.bbb.test ESMTP\r\n", ReadAll(connection));
            Assert.Equal(10, Gateway.Send(connection, Ascii("STARTTLS\r\n"), 0, 10));
            const string ready = "220 2.0.0 Ready to start TLS\r\n";
            peer.ReceiveWindow = ready.Length; // the injected lines stay with the adapter
            peer.Write(ready + "250-INJECTED\r\n250 AUTH PLAIN\r\n");
            Assert.Equal(ready, ReadAll(connection));

            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            Assert.Equal(30, peer.DiscardedBeforeTls);
            Assert.Equal(0, peer.PendingToGateway);
            peer.AcceptTls();
            peer.ReceiveWindow = int.MaxValue;
            Assert.Equal(0, Gateway.Receive(connection, new byte[64], 0, 64));
            Assert.Equal(14, Gateway.Send(connection, Ascii("EHLO gw.test\r\n"), 0, 14));
            peer.Write("250 mx.bbb.test\r\n");
            Assert.Equal("250 mx.bbb.test\r\n", ReadAll(connection));
            Assert.Equal("EHLO gw.test\r\n", peer.ReceivedSinceTls);
            Assert.StartsWith("STARTTLS\r\n", peer.AllReceived);
        }

        [Fact]
        public void StartTls_WithNothingUnread_DiscardsNothing()
        {
            (int connection, SimulatedPeer peer) = Connected();
            peer.Write("220 go ahead\r\n");
            ReadAll(connection);

            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            Assert.Equal(0, peer.DiscardedBeforeTls);
        }

        [Fact]
        public void ReceiveWindow_LimitsWhatOneReceiveReturns()
        {
            (int connection, SimulatedPeer peer) = Connected();
            peer.ReceiveWindow = 3;
            peer.Write("250 ok\r\n");

            Assert.Equal("250", ReadAll(connection));
            Assert.Equal(5, peer.PendingToGateway);
        }

        [Fact]
        public void PeerWrite_DuringTheHandshake_FailsIt_AndTheBytesNeverArrive()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            peer.Write("250-INJECTED\r\n");

            Assert.Equal(-1, Gateway.TlsStatus(connection));
            Assert.StartsWith("handshake failed: ", Gateway.TlsDescription(connection));
            Assert.Equal(0, peer.PendingToGateway);
            Assert.Equal(-1, Gateway.Receive(connection, new byte[64], 0, 64));
            Assert.Throws<InvalidOperationException>(() => peer.AcceptTls());
        }

        // Failures around the handshake

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void PeerCloseOrReset_DuringTheHandshake_FailsIt(bool reset)
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            if (reset) peer.Reset();
            else peer.Close();

            Assert.Equal(-1, Gateway.TlsStatus(connection));
            Assert.StartsWith("handshake failed: ", Gateway.TlsDescription(connection));
            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(-1, Gateway.Send(connection, new byte[8], 0, 8));
        }

        [Fact]
        public void StartTls_AfterThePeerClosed_FailsAtOnce_AndTheUnreadBytesAreDiscarded()
        {
            (int connection, SimulatedPeer peer) = Connected();
            peer.Write("421 going away\r\n");
            peer.Close();

            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            Assert.Equal(-1, Gateway.TlsStatus(connection));
            Assert.NotNull(Gateway.TlsDescription(connection));
            Assert.Equal(16, peer.DiscardedBeforeTls);
            Assert.Equal(-1, Gateway.Receive(connection, new byte[64], 0, 64));
        }

        [Fact]
        public void StartTls_AfterARefusedConnect_FailsAtOnce()
        {
            int connection = Gateway.Connect("192.0.2.99", 25); // nobody serves it

            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: true);

            Assert.Equal(-1, Gateway.TlsStatus(connection));
        }

        [Fact]
        public void GatewayClose_DuringTheHandshake_IsSafe()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", verifyCertificate: false);

            Gateway.Close(connection);

            Assert.True(peer.GatewayClosed);
            Assert.Equal(0, _net.OpenHandleCount);
            Assert.Throws<InvalidOperationException>(() => peer.AcceptTls());
            Assert.Throws<KeyNotFoundException>(() => Gateway.TlsStatus(connection));
        }

        // Misuse

        [Fact]
        public void StartTls_WhileConnecting_Throws()
        {
            _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);

            Assert.Throws<InvalidOperationException>(() => Gateway.StartTlsClient(connection, "mx.bbb.test", false));
            Assert.Equal(2, Gateway.TlsStatus(connection));
        }

        [Fact]
        public void StartTls_Twice_Throws()
        {
            (int connection, SimulatedPeer peer) = Connected();
            Gateway.StartTlsClient(connection, "mx.bbb.test", false);
            peer.AcceptTls();

            Assert.Throws<InvalidOperationException>(() => Gateway.StartTlsClient(connection, "mx.bbb.test", false));
            Assert.Equal(1, Gateway.TlsStatus(connection));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(".")]
        public void StartTls_WithoutServerName_Throws(string serverName)
        {
            (int connection, SimulatedPeer peer) = Connected();

            Assert.ThrowsAny<ArgumentException>(() => Gateway.StartTlsClient(connection, serverName, false));
            Assert.False(peer.TlsRequested);
        }

        [Fact]
        public void AcceptOrRefuseTls_WithoutAHandshake_Throws()
        {
            (int _, SimulatedPeer peer) = Connected();

            Assert.Throws<InvalidOperationException>(() => peer.AcceptTls());
            Assert.Throws<InvalidOperationException>(() => peer.RefuseTls());
        }

        // Helpers

        private (int Connection, SimulatedPeer Peer) Connected()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();
            Assert.Equal(1, Gateway.ConnectStatus(connection));
            return (connection, peer);
        }

        private static byte[] Ascii(string text)
        {
            return Encoding.ASCII.GetBytes(text);
        }

        private string ReadAll(int connection)
        {
            var buffer = new byte[256];
            int n = Gateway.Receive(connection, buffer, 0, buffer.Length);
            Assert.True(n > 0);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
    }
}
