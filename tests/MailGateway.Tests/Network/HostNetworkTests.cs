// HostNetwork against real sockets over loopback (127.0.0.1 and ::1 only, ephemeral ports).
// Nothing here asserts timing: a Wait is only required to return and the data to be there.
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostNetworkTests
    {
        public static readonly TheoryData<string> Loopbacks = new TheoryData<string> { "127.0.0.1", "::1" };

        // Listen

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Listen_OnPortZero_ReportsTheChosenPort(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            Assert.InRange(net.LocalPort(listener), 1, 65535);
        }

        [Theory]
        [InlineData("not-an-address")]
        [InlineData("127.0.0.256")]
        [InlineData("127.1")]
        [InlineData("2130706433")]
        [InlineData("")]
        public void Listen_OnBadLiteral_Throws(string address)
        {
            using var net = new HostNetwork();
            Assert.Throws<FormatException>(() => net.Listen(address, 0));
        }

        [Fact]
        public void Listen_OnPortAlreadyListening_Throws()
        {
            using var net = new HostNetwork();
            int first = net.Listen("127.0.0.1", 0);
            Assert.Throws<SocketException>(() => net.Listen("127.0.0.1", net.LocalPort(first)));
        }

        [Fact]
        public void Listen_AfterRestartWithConnectionsInTimeWait_BindsTheSamePort()
        {
            int port;
            using (var net = new HostNetwork())
            {
                int listener = net.Listen("127.0.0.1", 0);
                port = net.LocalPort(listener);
                using Socket client = LoopbackKit.Connect("127.0.0.1", port);
                int connection = LoopbackKit.AcceptOne(net, listener);
                net.Close(connection); // the gateway closes first: its side ends in TIME_WAIT
                Assert.Equal(0, client.Receive(new byte[1]));
                client.Close();
                net.Close(listener);
            }

            using var restarted = new HostNetwork();
            int again = restarted.Listen("127.0.0.1", port);
            Assert.Equal(port, restarted.LocalPort(again));
        }

        // Accept

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Accept_WhenNobodyConnected_ReturnsMinusOne(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            Assert.Equal(-1, net.Accept(listener));
            Assert.Equal(-1, net.Accept(listener));
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Accept_AfterClientConnects_ReturnsHandleWithRemoteAddress(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));

            int connection = LoopbackKit.AcceptOne(net, listener);

            Assert.True(connection > 0);
            Assert.NotEqual(listener, connection);
            Assert.Equal(address, net.RemoteAddress(connection));
            Assert.Equal(-1, net.Accept(listener));
        }

        [Fact]
        public void Accept_SeveralClients_GivesDistinctHandles()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            int port = net.LocalPort(listener);
            var clients = new List<Socket>();
            var handles = new HashSet<int> { listener };
            try
            {
                for (int i = 0; i < 5; i++)
                {
                    clients.Add(LoopbackKit.Connect("127.0.0.1", port));
                    Assert.True(handles.Add(LoopbackKit.AcceptOne(net, listener)));
                }
            }
            finally
            {
                foreach (Socket c in clients) c.Dispose();
            }
        }

        // Receive and Send

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Receive_WhenNothingWaiting_ReturnsZero(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            Assert.Equal(0, net.Receive(connection, new byte[64], 0, 64));
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void SendAndReceive_CarryBytesBothWays(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            byte[] greeting = Encoding.ASCII.GetBytes("220 gw.test ESMTP\r\n");
            var framed = new byte[greeting.Length + 4];
            Array.Copy(greeting, 0, framed, 2, greeting.Length); // offset honoured
            Assert.Equal(greeting.Length, net.Send(connection, framed, 2, greeting.Length));
            Assert.False(net.IsSendPending(connection));
            Assert.Equal(greeting, LoopbackKit.ClientReceiveExactly(client, greeting.Length));

            byte[] ehlo = Encoding.ASCII.GetBytes("EHLO client.test\r\n");
            client.Send(ehlo);
            Assert.Equal(ehlo, LoopbackKit.ReceiveExactly(net, connection, ehlo.Length));
            Assert.Equal(0, net.Receive(connection, new byte[8], 0, 8));
        }

        [Fact]
        public void SendAndReceive_WithZeroCount_ReturnZero()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            using Socket client = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);
            client.Send(new byte[] { 1 });

            Assert.Equal(0, net.Receive(connection, new byte[4], 0, 0));
            Assert.Equal(0, net.Send(connection, new byte[4], 0, 0));
            Assert.False(net.IsSendPending(connection));
            Assert.Equal(new byte[] { 1 }, LoopbackKit.ReceiveExactly(net, connection, 1));
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Receive_AfterPeerCloses_GivesDataThenMinusOne(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            client.Send(Encoding.ASCII.GetBytes("QUIT\r\n"));
            client.Shutdown(SocketShutdown.Both);
            client.Dispose();

            Assert.Equal("QUIT\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 6)));
            var buffer = new byte[16];
            int last = 0;
            LoopbackKit.PollUntil(net, () => (last = net.Receive(connection, buffer, 0, buffer.Length)) != 0, "EOF");
            Assert.Equal(-1, last);
            Assert.Equal(-1, net.Receive(connection, buffer, 0, buffer.Length)); // stays ended
            net.Wait(0); // an ended connection leaves the read list; Wait must still work
        }

        [Fact]
        public void ReceiveAndSend_AfterPeerResets_ReturnMinusOne()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            Socket client = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            client.LingerState = new LingerOption(true, 0); // close sends RST instead of FIN
            client.Dispose();

            var buffer = new byte[16];
            int last = 0;
            LoopbackKit.PollUntil(net, () => (last = net.Receive(connection, buffer, 0, buffer.Length)) != 0, "reset");
            Assert.Equal(-1, last);

            byte[] reply = Encoding.ASCII.GetBytes("221 bye\r\n");
            int sent = 0;
            LoopbackKit.PollUntil(net, () => (sent = net.Send(connection, reply, 0, reply.Length)) < 0, "send failure");
            Assert.Equal(-1, sent);
        }

        // Close

        [Fact]
        public void Close_LetsPeerSeeEof_AndTwiceIsHarmless()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            using Socket client = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            net.Close(connection);
            net.Close(connection);
            net.Close(12345);

            Assert.Equal(0, client.Receive(new byte[1]));
            Assert.Throws<ArgumentException>(() => net.Receive(connection, new byte[1], 0, 1));
            Assert.Throws<ArgumentException>(() => net.Send(connection, new byte[1], 0, 1));
            Assert.Throws<ArgumentException>(() => net.RemoteAddress(connection));
        }

        [Fact]
        public void Close_OnListener_StopsListening()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            int port = net.LocalPort(listener);
            net.Close(listener);

            Assert.Throws<ArgumentException>(() => net.Accept(listener));
            int again = net.Listen("127.0.0.1", port); // the port is free again
            Assert.NotEqual(listener, again);
        }

        // Wait

        [Theory]
        [InlineData(0L)]
        [InlineData(-5L)]
        [InlineData(5L)]
        public void Wait_WithNoSockets_Returns(long maxMs)
        {
            using var net = new HostNetwork();
            net.Wait(maxMs);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Wait_WhenClientConnects_ReturnsAndAcceptFindsIt(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));

            net.Wait(LoopbackKit.DeadlineMs);

            Assert.True(LoopbackKit.AcceptOne(net, listener) > 0);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Wait_WhenDataArrives_ReturnsAndDataIsThere(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);

            client.Send(Encoding.ASCII.GetBytes("NOOP\r\n"));
            net.Wait(LoopbackKit.DeadlineMs);

            Assert.Equal("NOOP\r\n", Encoding.ASCII.GetString(LoopbackKit.ReceiveExactly(net, connection, 6)));
        }

        [Fact]
        public void Wait_WithHugeMaxAndDataReady_Returns()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            using Socket client = LoopbackKit.Connect("127.0.0.1", net.LocalPort(listener));
            int connection = LoopbackKit.AcceptOne(net, listener);
            client.Send(new byte[] { 42 });
            Assert.Equal(new byte[] { 42 }, LoopbackKit.ReceiveExactly(net, connection, 1));
            client.Send(new byte[] { 43 });

            net.Wait(long.MaxValue);

            Assert.Equal(new byte[] { 43 }, LoopbackKit.ReceiveExactly(net, connection, 1));
        }

        // Pending output

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void Send_ToPeerThatDoesNotRead_FillsUp_ThenDeliversEverythingOnceItReads(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            const int ChunkSize = 64 * 1024;
            const long MaxBytesBeforeFull = 256L * 1024 * 1024; // bound: kernel buffers are a few MB

            using var net = new HostNetwork();
            int listener = net.Listen(address, 0);
            using Socket client = LoopbackKit.Connect(address, net.LocalPort(listener), receiveBufferSize: 4096);
            int connection = LoopbackKit.AcceptOne(net, listener);

            // Fill: whole chunks go out until the kernel takes less than a chunk.
            var chunk = new byte[ChunkSize];
            long sentTotal = 0;
            int chunkOffset = 0;
            while (true)
            {
                Fill(chunk, sentTotal);
                int n = net.Send(connection, chunk, 0, ChunkSize);
                Assert.True(n >= 0, "send failed while filling");
                sentTotal += n;
                if (n < ChunkSize)
                {
                    chunkOffset = n;
                    break;
                }
                Assert.True(sentTotal < MaxBytesBeforeFull, "the send buffer never filled up");
            }
            Assert.True(net.IsSendPending(connection));

            // Drain: the peer reads; the gateway finishes the chunk as Wait reports room.
            client.Blocking = false;
            long expectedTotal = sentTotal + (ChunkSize - chunkOffset);
            long receivedTotal = 0;
            var sink = new byte[ChunkSize];
            LoopbackKit.PollUntil(net, () =>
            {
                while (client.Available > 0)
                {
                    int r = client.Receive(sink);
                    for (int i = 0; i < r; i++)
                        Assert.Equal(PatternByte(receivedTotal + i), sink[i]);
                    receivedTotal += r;
                }
                if (chunkOffset < ChunkSize)
                {
                    int n = net.Send(connection, chunk, chunkOffset, ChunkSize - chunkOffset);
                    Assert.True(n >= 0, "send failed while draining");
                    chunkOffset += n;
                }
                return chunkOffset == ChunkSize && receivedTotal == expectedTotal;
            }, "all " + expectedTotal + " bytes to arrive");

            Assert.False(net.IsSendPending(connection));
        }

        private static void Fill(byte[] chunk, long streamPosition)
        {
            for (int i = 0; i < chunk.Length; i++) chunk[i] = PatternByte(streamPosition + i);
        }

        private static byte PatternByte(long streamPosition)
        {
            return (byte)(streamPosition % 251);
        }

        // Addresses

        [Theory]
        [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
        [InlineData("192.0.2.7", "192.0.2.7")]
        [InlineData("::1", "::1")]
        [InlineData("2001:db8::25", "2001:db8::25")]
        public void AddressText_ShowsMappedIpv4AsPlainIpv4(string input, string expected)
        {
            Assert.Equal(expected, HostNetwork.AddressText(IPAddress.Parse(input)));
        }

        [Fact]
        public void Calls_OnUnknownHandles_Throw()
        {
            using var net = new HostNetwork();
            Assert.Throws<ArgumentException>(() => net.Accept(7));
            Assert.Throws<ArgumentException>(() => net.LocalPort(7));
            Assert.Throws<ArgumentException>(() => net.Receive(7, new byte[1], 0, 1));
        }
    }
}
