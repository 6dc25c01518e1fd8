// SimulatedNetwork's TLS server side as a specification: the gateway's StartTlsServer on an
// accepted connection (STARTTLS, STLS, or implicit TLS right after Accept) against a
// SimulatedClient whose handshake the test completes (AcceptTls) or fails (RefuseTls, a Write of
// plaintext, Close, Reset); HasServerCertificate false plays an adapter without a certificate.
// Nothing is encrypted; the contract is the one HostNetworkServerTlsTests checks with SslStream.
using System.Text;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Simulation;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class SimulatedNetworkServerTlsTests
    {
        private const string Ready = "220 2.0.0 Ready to start TLS\r\n";

        private readonly SimulatedNetwork _net = new SimulatedNetwork();

        private INetwork Gateway => _net; // what the core sees

        // The handshake

        [Fact]
        public void StartTlsServer_WaitsForTheClient_ThenAcceptTls_BringsTlsUp()
        {
            (int connection, SimulatedClient client) = Accepted();
            client.Write("STARTTLS\r\n");
            Assert.Equal("STARTTLS\r\n", ReadAll(connection));
            Assert.Equal(Ready.Length, Gateway.Send(connection, Ascii(Ready), 0, Ready.Length));

            Gateway.StartTlsServer(connection);

            Assert.Equal(TlsState.Handshaking, Gateway.TlsStatus(connection));
            Assert.Null(Gateway.TlsDescription(connection));
            Assert.Equal(0, Gateway.Send(connection, Ascii("250"), 0, 3));
            Assert.Equal(0, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.True(client.TlsRequested);
            Assert.True(client.TlsServerSide);
            Assert.True(client.IsTlsHandshaking);
            Assert.Null(client.TlsServerName);
            Assert.Equal(Ready, client.ReadNew()); // sent before the call: went out in plaintext

            client.AcceptTls();

            Assert.Equal(TlsState.Up, Gateway.TlsStatus(connection));
            Assert.Equal("Anonymous TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", Gateway.TlsDescription(connection));
            Assert.True(client.IsTls);
            client.Write("EHLO cam.lan.test\r\n");
            Assert.Equal("EHLO cam.lan.test\r\n", ReadAll(connection));
            Assert.Equal(13, Gateway.Send(connection, Ascii("250 gw.test\r\n"), 0, 13));
            Assert.Equal("250 gw.test\r\n", client.ReceivedSinceTls);
        }

        [Fact]
        public void ImplicitTls_StartTlsServerRightAfterAccept_IsAllItTakes()
        {
            int listener = Gateway.Listen("0.0.0.0", 995);
            SimulatedClient client = _net.Connect("0.0.0.0", 995, "192.168.1.20");
            int connection = Gateway.Accept(listener);

            Gateway.StartTlsServer(connection);
            client.AcceptTls();

            Assert.Equal(TlsState.Up, Gateway.TlsStatus(connection));
            Assert.Equal(0, client.DiscardedBeforeTls);
            Assert.Equal(16, Gateway.Send(connection, Ascii("+OK POP3 ready\r\n"), 0, 16));
            Assert.Equal("+OK POP3 ready\r\n", client.ReceivedSinceTls);
        }

        [Fact]
        public void AcceptTls_WithADescription_IsWhatTheGatewaySees()
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);

            client.AcceptTls("Anonymous TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

            Assert.Equal("Anonymous TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Gateway.TlsDescription(connection));
        }

        [Fact]
        public void RefuseTls_TheClientRefusesOurCertificate_FailsIt()
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);

            client.RefuseTls();

            Assert.Equal(TlsState.Failed, Gateway.TlsStatus(connection));
            Assert.Equal("handshake failed: refused by the client", Gateway.TlsDescription(connection));
            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(-1, Gateway.Send(connection, new byte[8], 0, 8));
            Gateway.Close(connection);
            Assert.True(client.ServerClosed);
        }

        [Fact]
        public void StartTlsServer_WithoutACertificate_FailsAtOnce_SayingSo()
        {
            _net.HasServerCertificate = false;
            (int connection, SimulatedClient client) = Accepted();

            Gateway.StartTlsServer(connection);

            Assert.Equal(TlsState.Failed, Gateway.TlsStatus(connection));
            Assert.Equal("no server certificate is configured", Gateway.TlsDescription(connection));
            Assert.False(client.IsTlsHandshaking);
            Assert.Throws<InvalidOperationException>(() => client.AcceptTls());
        }

        // Bytes around the upgrade (RFC 3207 §4.2, RFC 2595 §3.1, CVE-2011-0411)

        [Fact]
        public void StartTlsServer_CommandPipelinedAfterStartTls_IsDiscarded_NeverDelivered()
        {
            (int connection, SimulatedClient client) = Accepted();
            client.ReceiveWindow = 10; // the gateway reads "STARTTLS\r\n" only, as a careful line reader would
            client.Write("STARTTLS\r\nRCPT TO:<x@evil.test>\r\n");
            Assert.Equal("STARTTLS\r\n", ReadAll(connection));
            Gateway.Send(connection, Ascii(Ready), 0, Ready.Length);

            Gateway.StartTlsServer(connection);

            Assert.Equal(23, client.DiscardedBeforeTls);
            Assert.Equal(0, client.PendingToServer);
            client.AcceptTls();
            client.ReceiveWindow = int.MaxValue;
            Assert.Equal(0, Gateway.Receive(connection, new byte[64], 0, 64)); // nothing survived the upgrade
            client.Write("EHLO cam.lan.test\r\n");
            Assert.Equal("EHLO cam.lan.test\r\n", ReadAll(connection));
        }

        [Fact]
        public void ClientWrite_DuringTheHandshake_FailsIt_AndTheBytesNeverArrive()
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);

            client.Write("RCPT TO:<x@evil.test>\r\n");

            Assert.Equal(TlsState.Failed, Gateway.TlsStatus(connection));
            Assert.Equal("handshake failed: the client sent plaintext where TLS was expected", Gateway.TlsDescription(connection));
            Assert.Equal(0, client.PendingToServer);
            Assert.Equal(-1, Gateway.Receive(connection, new byte[64], 0, 64));
        }

        [Theory]
        [InlineData(false, "handshake failed: the client closed the connection")]
        [InlineData(true, "handshake failed: the connection was reset")]
        public void ClientCloseOrReset_DuringTheHandshake_FailsIt(bool reset, string description)
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);

            if (reset) client.Reset();
            else client.Close();

            Assert.Equal(TlsState.Failed, Gateway.TlsStatus(connection));
            Assert.Equal(description, Gateway.TlsDescription(connection));
            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
        }

        [Fact]
        public void StartTlsServer_AfterTheClientClosed_FailsAtOnce_AndTheUnreadBytesAreDiscarded()
        {
            (int connection, SimulatedClient client) = Accepted();
            client.Write("STARTTLS\r\nQUIT\r\n");
            client.Close();

            Gateway.StartTlsServer(connection);

            Assert.Equal(TlsState.Failed, Gateway.TlsStatus(connection));
            Assert.NotNull(Gateway.TlsDescription(connection));
            Assert.Equal(16, client.DiscardedBeforeTls);
            Assert.Equal(-1, Gateway.Receive(connection, new byte[64], 0, 64));
        }

        [Fact]
        public void GatewayClose_DuringTheHandshake_IsSafe()
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);

            Gateway.Close(connection);

            Assert.True(client.ServerClosed);
            Assert.Throws<InvalidOperationException>(() => client.AcceptTls());
        }

        // Misuse

        [Fact]
        public void StartTlsServer_Twice_OrAfterStartTlsClient_Throws()
        {
            (int connection, SimulatedClient client) = Accepted();
            Gateway.StartTlsServer(connection);
            client.AcceptTls();

            Assert.Throws<InvalidOperationException>(() => Gateway.StartTlsServer(connection));
            Assert.Throws<InvalidOperationException>(() => Gateway.StartTlsClient(connection, "x.test", false));
            Assert.Equal(TlsState.Up, Gateway.TlsStatus(connection));
        }

        [Fact]
        public void StartTlsServer_WhileConnecting_Throws()
        {
            _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);

            Assert.Throws<InvalidOperationException>(() => Gateway.StartTlsServer(connection));
            Assert.Equal(TlsState.Plain, Gateway.TlsStatus(connection));
        }

        // Helpers

        private (int Connection, SimulatedClient Client) Accepted()
        {
            int listener = Gateway.Listen("127.0.0.1", 25);
            SimulatedClient client = _net.Connect("127.0.0.1", 25, "192.168.1.20");
            int connection = Gateway.Accept(listener);
            Assert.True(connection > 0);
            return (connection, client);
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
