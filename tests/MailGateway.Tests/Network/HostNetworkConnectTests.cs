// HostNetwork's outbound TCP (Connect, ConnectStatus) against listeners of our own, over loopback
// only (127.0.0.1 and ::1, ephemeral ports). A refused connect uses a loopback port that was just
// closed; nothing here ever connects to another address. No timing is asserted.
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostNetworkConnectTests
    {
        public static readonly TheoryData<string> Loopbacks = HostNetworkTests.Loopbacks;

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Connect_ToOurListener_ConnectsAndCarriesBytesBothWays(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using Socket server = TestListener(address);
            using var net = new HostNetwork();

            int connection = net.Connect(address, ((IPEndPoint)server.LocalEndPoint).Port);

            Assert.True(connection > 0);
            Assert.Equal(1, LoopbackKit.SettleConnect(net, connection));
            Assert.Equal(1, net.ConnectStatus(connection)); // stays
            Assert.Equal(address, net.RemoteAddress(connection));
            using Socket accepted = AcceptBounded(server);

            byte[] ehlo = Encoding.ASCII.GetBytes("EHLO gw.test\r\n");
            var framed = new byte[ehlo.Length + 3];
            Array.Copy(ehlo, 0, framed, 3, ehlo.Length);
            Assert.Equal(ehlo.Length, net.Send(connection, framed, 3, ehlo.Length));
            Assert.Equal(ehlo, LoopbackKit.ClientReceiveExactly(accepted, ehlo.Length));

            byte[] reply = Encoding.ASCII.GetBytes("250 mx.test\r\n");
            accepted.Send(reply);
            Assert.Equal(reply, LoopbackKit.ReceiveExactly(net, connection, reply.Length));
            Assert.Equal(0, net.Receive(connection, new byte[8], 0, 8));

            accepted.Shutdown(SocketShutdown.Both);
            int last = 0;
            LoopbackKit.PollUntil(net, () => (last = net.Receive(connection, new byte[8], 0, 8)) != 0, "EOF");
            Assert.Equal(-1, last);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Connect_ToClosedPort_IsRefusedWithMinusOne(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int port = LoopbackKit.ClosedTcpPort(address);

            int connection = net.Connect(address, port);

            Assert.Equal(-1, LoopbackKit.SettleConnect(net, connection));
            Assert.Equal(-1, net.ConnectStatus(connection)); // stays
            Assert.Equal(-1, net.Receive(connection, new byte[4], 0, 4));
            Assert.Equal(-1, net.Send(connection, new byte[4], 0, 4));
            Assert.Equal(address, net.RemoteAddress(connection));
            net.Wait(0); // a failed connect is in no Select list
            net.Close(connection);
            Assert.Throws<ArgumentException>(() => net.ConnectStatus(connection));
        }

        [Fact]
        public void Connect_OurOwnListener_BothEndsInOneHostNetwork()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);

            int client = net.Connect("127.0.0.1", net.LocalPort(listener));
            int server = LoopbackKit.AcceptOne(net, listener);
            Assert.Equal(1, LoopbackKit.SettleConnect(net, client));
            Assert.Equal(1, net.ConnectStatus(server)); // accepted connections are connected

            byte[] greeting = Encoding.ASCII.GetBytes("220 gw.test ESMTP\r\n");
            Assert.Equal(greeting.Length, net.Send(server, greeting, 0, greeting.Length));
            Assert.Equal(greeting, LoopbackKit.ReceiveExactly(net, client, greeting.Length));

            byte[] quit = Encoding.ASCII.GetBytes("QUIT\r\n");
            Assert.Equal(quit.Length, net.Send(client, quit, 0, quit.Length));
            Assert.Equal(quit, LoopbackKit.ReceiveExactly(net, server, quit.Length));
            Assert.NotEqual(client, server);
            Assert.NotEqual(listener, client);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Wait_WhenConnectCompletes_ReturnsAndStatusSettles(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using Socket server = TestListener(address);
            using var net = new HostNetwork();
            int connection = net.Connect(address, ((IPEndPoint)server.LocalEndPoint).Port);

            net.Wait(LoopbackKit.DeadlineMs);

            Assert.Equal(1, LoopbackKit.SettleConnect(net, connection));
        }

        [Fact]
        public void Wait_WhenConnectIsRefused_ReturnsAndStatusSettles()
        {
            using var net = new HostNetwork();
            int connection = net.Connect("127.0.0.1", LoopbackKit.ClosedTcpPort("127.0.0.1"));

            net.Wait(LoopbackKit.DeadlineMs);

            Assert.Equal(-1, LoopbackKit.SettleConnect(net, connection));
        }

        [Fact]
        public void Close_WhileConnecting_OrAfterFailure_IsHarmless()
        {
            using Socket server = TestListener("127.0.0.1");
            using var net = new HostNetwork();
            int pending = net.Connect("127.0.0.1", ((IPEndPoint)server.LocalEndPoint).Port);
            int refused = net.Connect("127.0.0.1", LoopbackKit.ClosedTcpPort("127.0.0.1"));

            net.Close(pending);
            LoopbackKit.SettleConnect(net, refused);
            net.Close(refused);
            net.Close(refused);
            net.Wait(0);

            Assert.Throws<ArgumentException>(() => net.ConnectStatus(pending));
        }

        [Theory]
        [InlineData("mx.example.test")]
        [InlineData("127.1")]
        [InlineData("")]
        public void Connect_ToBadLiteral_Throws(string address)
        {
            using var net = new HostNetwork();
            Assert.Throws<FormatException>(() => net.Connect(address, 25));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(65536)]
        [InlineData(-1)]
        public void Connect_ToBadPort_Throws(int port)
        {
            using var net = new HostNetwork();
            Assert.Throws<ArgumentOutOfRangeException>(() => net.Connect("127.0.0.1", port));
        }

        // Helpers

        private static Socket TestListener(string address)
        {
            IPAddress ip = IPAddress.Parse(address);
            var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(ip, 0));
            listener.Listen(8);
            return listener;
        }

        private static Socket AcceptBounded(Socket listener)
        {
            Assert.True(listener.Poll(LoopbackKit.DeadlineMs * 1000, SelectMode.SelectRead), "nothing to accept");
            Socket accepted = listener.Accept();
            accepted.ReceiveTimeout = LoopbackKit.DeadlineMs;
            accepted.SendTimeout = LoopbackKit.DeadlineMs;
            return accepted;
        }
    }
}
