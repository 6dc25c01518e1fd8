// SimulatedNetwork's outbound side as a specification: the gateway's Connect, ConnectStatus and UDP
// calls against servers, DNS handlers and faults that the test scripts. Everything is in memory
// and happens in call order; nothing waits.
using System.Text;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Simulation;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class SimulatedNetworkTests
    {
        private readonly SimulatedNetwork _net = new SimulatedNetwork();

        private INetwork Gateway => _net; // what the core sees

        // Connect to a served address

        [Fact]
        public void Connect_ToServedAddress_IsPendingUntilTheServerAccepts()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);

            int connection = Gateway.Connect("192.0.2.25", 25);

            Assert.Equal(0, Gateway.ConnectStatus(connection));
            Assert.Equal(1, server.PendingCount);
            Assert.Equal(0, Gateway.Send(connection, Ascii("EHLO"), 0, 4));
            Assert.Equal(0, Gateway.Receive(connection, new byte[8], 0, 8));

            SimulatedPeer peer = server.Accept();

            Assert.NotNull(peer);
            Assert.Equal(1, Gateway.ConnectStatus(connection));
            Assert.Equal(0, server.PendingCount);
            Assert.Equal(1, server.AcceptedCount);
            Assert.Equal("192.0.2.25", peer.Address);
            Assert.Equal(25, peer.Port);
            Assert.Equal("192.0.2.25", Gateway.RemoteAddress(connection));
            Assert.Null(server.Accept());
        }

        [Fact]
        public void AcceptedConnection_CarriesBytesBothWays()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();

            peer.Write("220 mx.bbb.test ESMTP\r\n");
            Assert.Equal("220 mx.bbb.test ESMTP\r\n", ReadAll(connection));
            Assert.Equal(0, Gateway.Receive(connection, new byte[8], 0, 8));

            byte[] ehlo = Ascii("xxEHLO gw.test\r\n");
            Assert.Equal(ehlo.Length - 2, Gateway.Send(connection, ehlo, 2, ehlo.Length - 2));
            Assert.Equal("EHLO gw.test\r\n", peer.ReadNew());
            Assert.Equal("", peer.ReadNew());
        }

        [Fact]
        public void Peer_SendWindow_LimitsWhatOneSendTakes()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();
            peer.SendWindow = 3;

            Assert.Equal(3, Gateway.Send(connection, Ascii("QUIT\r\n"), 0, 6));
            Assert.Equal("QUI", peer.AllReceived);
        }

        [Fact]
        public void Peer_Close_LetsTheGatewayReadTheRestThenEof()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();

            peer.Write("221 bye\r\n");
            peer.Close();

            Assert.True(peer.Closed);
            Assert.Equal("221 bye\r\n", ReadAll(connection));
            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(4, Gateway.Send(connection, Ascii("QUIT"), 0, 4)); // a FIN still takes data
        }

        [Fact]
        public void Peer_Reset_DropsUnreadBytes_AndFailsBothWays()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();

            peer.Write("250 ok\r\n");
            peer.Reset();

            Assert.Equal(-1, Gateway.Receive(connection, new byte[8], 0, 8));
            Assert.Equal(-1, Gateway.Send(connection, Ascii("QUIT"), 0, 4));
        }

        [Fact]
        public void GatewayClose_IsSeenByThePeer()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);
            SimulatedPeer peer = server.Accept();

            Gateway.Close(connection);

            Assert.True(peer.GatewayClosed);
            Assert.Equal(0, _net.OpenHandleCount);
        }

        [Fact]
        public void Connect_AbandonedBeforeAccept_IsNotAccepted()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int first = Gateway.Connect("192.0.2.25", 25);
            int second = Gateway.Connect("192.0.2.25", 25);

            Gateway.Close(first);

            Assert.Equal(1, server.PendingCount);
            server.Accept();
            Assert.Equal(1, Gateway.ConnectStatus(second));
            Assert.Null(server.Accept());
        }

        [Fact]
        public void Server_AcceptsInConnectOrder()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int first = Gateway.Connect("192.0.2.25", 25);
            int second = Gateway.Connect("192.0.2.25", 25);

            server.Accept().Write("1");

            Assert.Equal(1, Gateway.ConnectStatus(first));
            Assert.Equal(0, Gateway.ConnectStatus(second));
            Assert.Equal("1", ReadAll(first));
        }

        [Fact]
        public void Server_RefuseNext_FailsTheOldestPendingConnect()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int first = Gateway.Connect("192.0.2.25", 25);
            int second = Gateway.Connect("192.0.2.25", 25);

            Assert.True(server.RefuseNext());

            Assert.Equal(-1, Gateway.ConnectStatus(first));
            Assert.Equal(-1, Gateway.Receive(first, new byte[4], 0, 4));
            Assert.Equal(-1, Gateway.Send(first, new byte[4], 0, 4));
            Assert.Equal(0, Gateway.ConnectStatus(second));
            Assert.True(server.RefuseNext());
            Assert.False(server.RefuseNext());
        }

        [Fact]
        public void Server_Close_RefusesPendingAndLaterConnects_AndFreesTheAddress()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int pending = Gateway.Connect("192.0.2.25", 25);

            server.Close();

            Assert.True(server.IsClosed);
            Assert.Equal(-1, Gateway.ConnectStatus(pending));
            Assert.Equal(-1, Gateway.ConnectStatus(Gateway.Connect("192.0.2.25", 25)));
            SimulatedServer again = _net.Serve("192.0.2.25", 25);
            Assert.Equal(0, Gateway.ConnectStatus(Gateway.Connect("192.0.2.25", 25)));
            Assert.Equal(1, again.PendingCount);
        }

        [Fact]
        public void Serve_TheSameAddressAndPortTwice_Throws()
        {
            _net.Serve("192.0.2.25", 25);
            Assert.Throws<InvalidOperationException>(() => _net.Serve("192.0.2.25", 25));
            _net.Serve("192.0.2.25", 587); // another port is another server
        }

        [Theory]
        [InlineData("2001:DB8::25", "2001:db8::25")]
        [InlineData("2001:db8:0:0::25", "2001:db8::25")]
        [InlineData("::ffff:192.0.2.25", "192.0.2.25")]
        [InlineData(" 192.0.2.25 ", "192.0.2.25")]
        public void Connect_MatchesServersByNormalizedAddress(string connectTo, string served)
        {
            SimulatedServer server = _net.Serve(served, 25);

            int connection = Gateway.Connect(connectTo, 25);

            Assert.Equal(0, Gateway.ConnectStatus(connection));
            Assert.Equal(served, Gateway.RemoteAddress(connection));
            Assert.Equal(served, server.Accept().Address);
        }

        // Connect to nobody, and faults

        [Fact]
        public void Connect_ToAddressNobodyServes_IsRefused()
        {
            _net.Serve("192.0.2.25", 25);

            int otherPort = Gateway.Connect("192.0.2.25", 26);
            int otherHost = Gateway.Connect("192.0.2.26", 25);

            Assert.Equal(-1, Gateway.ConnectStatus(otherPort));
            Assert.Equal(-1, Gateway.ConnectStatus(otherHost));
            Assert.Equal("192.0.2.26", Gateway.RemoteAddress(otherHost));
            Assert.Equal(2, _net.OpenHandleCount); // failed handles stay until Closed
            Gateway.Close(otherPort);
            Gateway.Close(otherHost);
            Assert.Equal(0, _net.OpenHandleCount);
        }

        [Fact]
        public void Connect_ToTheGatewaysOwnListener_IsRefused()
        {
            Gateway.Listen("127.0.0.1", 25);
            Assert.Equal(-1, Gateway.ConnectStatus(Gateway.Connect("127.0.0.1", 25)));
        }

        [Fact]
        public void Connect_IntoABlackhole_StaysPendingUntilTimedOut()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            _net.SetReachability("192.0.2.25", SimulatedReachability.Blackhole);
            int first = Gateway.Connect("192.0.2.25", 25);
            int second = Gateway.Connect("192.0.2.25", 999);
            int elsewhere = Gateway.Connect("192.0.2.26", 25);

            Assert.Equal(0, Gateway.ConnectStatus(first));
            Assert.Equal(0, Gateway.ConnectStatus(second));
            Assert.Equal(0, server.PendingCount); // the SYN never arrived
            Assert.Equal(-1, Gateway.ConnectStatus(elsewhere));

            Assert.Equal(2, _net.TimeOutConnects("192.0.2.25"));

            Assert.Equal(-1, Gateway.ConnectStatus(first));
            Assert.Equal(-1, Gateway.ConnectStatus(second));
            Assert.Equal(0, _net.TimeOutConnects("192.0.2.25"));
        }

        [Fact]
        public void TimeOutConnects_AlsoFailsConnectsTheServerNeverAccepted()
        {
            SimulatedServer server = _net.Serve("192.0.2.25", 25);
            int connection = Gateway.Connect("192.0.2.25", 25);

            Assert.Equal(1, _net.TimeOutConnects("192.0.2.25"));

            Assert.Equal(-1, Gateway.ConnectStatus(connection));
            Assert.Equal(0, server.PendingCount);
            Assert.Null(server.Accept());
        }

        [Fact]
        public void Connect_ToUnreachableAddress_FailsAtOnce_EvenIfServed()
        {
            _net.Serve("192.0.2.25", 25);
            _net.SetReachability("192.0.2.25", SimulatedReachability.Unreachable);

            Assert.Equal(-1, Gateway.ConnectStatus(Gateway.Connect("192.0.2.25", 25)));

            _net.SetReachability("192.0.2.25", SimulatedReachability.Reachable);
            Assert.Equal(0, Gateway.ConnectStatus(Gateway.Connect("192.0.2.25", 25)));
        }

        [Fact]
        public void WithoutIpv6_ConnectsToIpv6Fail_AndNoIpv6UdpSocketOpens()
        {
            _net.Serve("2001:db8::25", 25);
            _net.Ipv6Available = false;

            Assert.Equal(-1, Gateway.ConnectStatus(Gateway.Connect("2001:db8::25", 25)));
            Assert.Equal(-1, Gateway.OpenUdp(true));
            Assert.True(Gateway.OpenUdp(false) > 0);
        }

        [Theory]
        [InlineData("mx.bbb.test")]
        [InlineData("192.0.2")]
        [InlineData("")]
        public void Connect_ToBadLiteral_Throws(string address)
        {
            Assert.Throws<FormatException>(() => Gateway.Connect(address, 25));
        }

        // Inbound connections keep working alongside

        [Fact]
        public void AcceptedClient_IsConnected_AndKeepsItsNames()
        {
            int listener = Gateway.Listen("127.0.0.1", 25);
            SimulatedClient client = _net.Connect("127.0.0.1", 25, "192.168.1.50");
            int connection = Gateway.Accept(listener);

            Assert.Equal(1, Gateway.ConnectStatus(connection));
            client.Write("QUIT\r\n");
            Assert.Equal(6, client.PendingToServer);
            Assert.Equal("QUIT\r\n", ReadAll(connection));
            Gateway.Close(connection);
            Assert.True(client.ServerClosed);
            Assert.False(client.ClientClosed);
        }

        [Fact]
        public void Handles_AreDistinctAcrossListenersConnectionsAndUdpSockets()
        {
            _net.Serve("192.0.2.25", 25);
            var handles = new HashSet<int>
            {
                Gateway.Listen("127.0.0.1", 25),
                Gateway.Connect("192.0.2.25", 25),
                Gateway.Connect("192.0.2.99", 25),
                Gateway.OpenUdp(false),
                Gateway.OpenUdp(true),
            };
            Assert.Equal(5, handles.Count);
            Assert.Equal(5, _net.OpenHandleCount);
        }

        // UDP

        [Fact]
        public void Datagram_ToAHandler_IsAnsweredAtOnce_FromTheHandlersAddress()
        {
            byte[] seen = null;
            _net.OnDatagram("192.0.2.53", 53, query => { seen = query; return Ascii("answer"); });
            int udp = Gateway.OpenUdp(false);

            Assert.True(Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("xxquery"), 2, 5));

            Assert.Equal(Ascii("query"), seen);
            var buffer = new byte[16];
            Assert.Equal(6, Gateway.ReceiveFrom(udp, buffer, 1, 15, out string from, out int port));
            Assert.Equal(Ascii("answer"), buffer.AsSpan(1, 6).ToArray());
            Assert.Equal("192.0.2.53", from);
            Assert.Equal(53, port);
            Assert.Equal(0, Gateway.ReceiveFrom(udp, buffer, 0, 16, out from, out port));
            Assert.Null(from);
            Assert.Equal(0, port);
        }

        [Fact]
        public void Datagram_HandlerReturningNull_GetsNoReply()
        {
            int calls = 0;
            _net.OnDatagram("192.0.2.53", 53, query => { calls++; return null; });
            int udp = Gateway.OpenUdp(false);

            Assert.True(Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1));

            Assert.Equal(1, calls);
            Assert.Equal(0, Gateway.ReceiveFrom(udp, new byte[8], 0, 8, out _, out _));
        }

        [Fact]
        public void Datagram_NobodyHandles_IsDropped_ButRecorded()
        {
            int udp = Gateway.OpenUdp(true);

            Assert.True(Gateway.SendTo(udp, "2001:DB8::53", 53, Ascii("q1"), 0, 2));
            _net.OnDatagram("2001:db8::53", 53, query => Ascii("a"));
            _net.OnDatagram("2001:db8::53", 53, null); // removed again
            Assert.True(Gateway.SendTo(udp, "2001:db8::53", 53, Ascii("q2"), 0, 2));

            Assert.Equal(0, Gateway.ReceiveFrom(udp, new byte[8], 0, 8, out _, out _));
            Assert.Equal(2, _net.SentDatagrams.Count);
            SimulatedDatagram first = _net.SentDatagrams[0];
            Assert.Equal(udp, first.Socket);
            Assert.Equal("2001:db8::53", first.Address);
            Assert.Equal(53, first.Port);
            Assert.Equal(Ascii("q1"), first.Data);
            Assert.Equal(first.SourcePort, _net.SentDatagrams[1].SourcePort);
        }

        [Fact]
        public void Deliver_AnswersLate_Twice_OrFromAnotherAddress()
        {
            int udp = Gateway.OpenUdp(false);
            Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1);
            SimulatedDatagram query = _net.SentDatagrams[0];

            Assert.True(_net.Deliver(query, Ascii("spoof"), "203.0.113.66", 5353));
            Assert.True(_net.Deliver(query, Ascii("real")));
            Assert.True(_net.Deliver(query, Ascii("dup")));

            var buffer = new byte[8];
            Assert.Equal(5, Gateway.ReceiveFrom(udp, buffer, 0, 8, out string from, out int port));
            Assert.Equal(("203.0.113.66", 5353), (from, port));
            Assert.Equal(4, Gateway.ReceiveFrom(udp, buffer, 0, 8, out from, out port));
            Assert.Equal(("192.0.2.53", 53), (from, port));
            Assert.Equal(3, Gateway.ReceiveFrom(udp, buffer, 0, 8, out _, out _));
            Assert.Equal(0, Gateway.ReceiveFrom(udp, buffer, 0, 8, out _, out _));

            Gateway.Close(udp);
            Assert.False(_net.Deliver(query, Ascii("late")));
        }

        [Fact]
        public void ReceiveFrom_CutsALongDatagramToCount_AndTheRestIsLost()
        {
            _net.OnDatagram("192.0.2.53", 53, query => Ascii("0123456789"));
            int udp = Gateway.OpenUdp(false);
            Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1);

            var buffer = new byte[8];
            Assert.Equal(4, Gateway.ReceiveFrom(udp, buffer, 2, 4, out _, out _));

            Assert.Equal(Ascii("\0\00123\0\0"), buffer);
            Assert.Equal(0, Gateway.ReceiveFrom(udp, buffer, 0, 8, out _, out _));
        }

        [Fact]
        public void Datagram_IntoABlackhole_VanishesUnseen_ToAnUnreachableAddress_IsNotSent()
        {
            int calls = 0;
            _net.OnDatagram("192.0.2.53", 53, query => { calls++; return Ascii("a"); });
            _net.OnDatagram("192.0.2.54", 53, query => { calls++; return Ascii("a"); });
            _net.SetReachability("192.0.2.53", SimulatedReachability.Blackhole);
            _net.SetReachability("192.0.2.54", SimulatedReachability.Unreachable);
            int udp = Gateway.OpenUdp(false);

            Assert.True(Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1));
            Assert.False(Gateway.SendTo(udp, "192.0.2.54", 53, Ascii("q"), 0, 1));

            Assert.Equal(0, calls);
            Assert.Single(_net.SentDatagrams); // the blackholed one left; the unreachable one did not
            Assert.Equal(0, Gateway.ReceiveFrom(udp, new byte[8], 0, 8, out _, out _));
        }

        [Fact]
        public void BreakUdp_MakesReceiveFromFailAndSendToReturnFalse()
        {
            _net.OnDatagram("192.0.2.53", 53, query => Ascii("a"));
            int udp = Gateway.OpenUdp(false);
            Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1);

            _net.BreakUdp(udp);

            Assert.Equal(-1, Gateway.ReceiveFrom(udp, new byte[8], 0, 8, out _, out _));
            Assert.Equal(-1, Gateway.ReceiveFrom(udp, new byte[8], 0, 8, out _, out _));
            Assert.False(Gateway.SendTo(udp, "192.0.2.53", 53, Ascii("q"), 0, 1));
            Gateway.Close(udp);
            Assert.Equal(0, _net.OpenHandleCount);
        }

        [Fact]
        public void SendTo_AnAddressOfTheOtherFamily_Throws()
        {
            int v4 = Gateway.OpenUdp(false);
            int v6 = Gateway.OpenUdp(true);
            Assert.Throws<ArgumentException>(() => Gateway.SendTo(v4, "2001:db8::53", 53, new byte[1], 0, 1));
            Assert.Throws<ArgumentException>(() => Gateway.SendTo(v6, "192.0.2.53", 53, new byte[1], 0, 1));
        }

        [Fact]
        public void OpenUdp_GivesEachSocketItsOwnPort()
        {
            int a = Gateway.OpenUdp(false);
            int b = Gateway.OpenUdp(false);
            Gateway.SendTo(a, "192.0.2.53", 53, Ascii("a"), 0, 1);
            Gateway.SendTo(b, "192.0.2.53", 53, Ascii("b"), 0, 1);

            Assert.NotEqual(_net.SentDatagrams[0].SourcePort, _net.SentDatagrams[1].SourcePort);
        }

        // LocalAddresses

        [Fact]
        public void LocalAddresses_AreLoopbackByDefault_AndWhatTheTestSets()
        {
            Assert.Equal(new[] { "127.0.0.1", "::1" }, Gateway.LocalAddresses());

            _net.SetLocalAddresses("127.0.0.1", "192.168.1.2", "2001:db8::2");
            string[] addresses = Gateway.LocalAddresses();
            addresses[0] = "changed by the caller";

            Assert.Equal(new[] { "127.0.0.1", "192.168.1.2", "2001:db8::2" }, Gateway.LocalAddresses());
        }

        // Helpers

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
