// HostNetwork's UDP (OpenUdp, SendTo, ReceiveFrom) between two sockets of our own over loopback
// only, and LocalAddresses. Datagrams go to 127.0.0.1 and ::1 alone; the "unreachable" case is a
// loopback UDP port that was just closed. No timing is asserted.
using System.Net;
using System.Text;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostNetworkUdpTests
    {
        public static readonly TheoryData<string> Loopbacks = HostNetworkTests.Loopbacks;

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void SendToAndReceiveFrom_CarryADatagramBothWays(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            bool ipv6 = address == "::1";
            using var net = new HostNetwork();
            int a = net.OpenUdp(ipv6);
            int b = net.OpenUdp(ipv6);
            Assert.True(a > 0 && b > 0 && a != b);

            byte[] query = Encoding.ASCII.GetBytes("query: mx bbb.test");
            var framed = new byte[query.Length + 5];
            Array.Copy(query, 0, framed, 5, query.Length);
            Assert.True(net.SendTo(a, address, net.LocalPort(b), framed, 5, query.Length));

            var buffer = new byte[512];
            Datagram got = ReceiveOne(net, b, buffer, 7, 500);
            Assert.Equal(query.Length, got.Length);
            Assert.Equal(query, buffer.AsSpan(7, got.Length).ToArray());
            Assert.Equal(address, got.Address);
            Assert.Equal(net.LocalPort(a), got.Port);

            byte[] answer = Encoding.ASCII.GetBytes("answer: 10 mx.bbb.test");
            Assert.True(net.SendTo(b, got.Address, got.Port, answer, 0, answer.Length));
            got = ReceiveOne(net, a, buffer, 0, buffer.Length);
            Assert.Equal(answer, buffer.AsSpan(0, got.Length).ToArray());
            Assert.Equal(net.LocalPort(b), got.Port);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void ReceiveFrom_WhenNothingWaits_ReturnsZero(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            using var net = new HostNetwork();
            int udp = net.OpenUdp(address == "::1");

            Assert.Equal(0, net.ReceiveFrom(udp, new byte[64], 0, 64, out string from, out int port));
            Assert.Null(from);
            Assert.Equal(0, port);
            Assert.Equal(0, net.ReceiveFrom(udp, new byte[64], 0, 64, out _, out _));
        }

        [Fact]
        public void ReceiveFrom_LongerDatagram_IsCutToCount_AndTheRestIsLost()
        {
            using var net = new HostNetwork();
            int a = net.OpenUdp(false);
            int b = net.OpenUdp(false);
            var big = new byte[1200];
            for (int i = 0; i < big.Length; i++) big[i] = (byte)i;
            Assert.True(net.SendTo(a, "127.0.0.1", net.LocalPort(b), big, 0, big.Length));
            byte[] small = { 0xAA };
            Assert.True(net.SendTo(a, "127.0.0.1", net.LocalPort(b), small, 0, 1));

            var buffer = new byte[16];
            Datagram got = ReceiveOne(net, b, buffer, 0, 10);
            Assert.Equal(10, got.Length);
            Assert.Equal(big.AsSpan(0, 10).ToArray(), buffer.AsSpan(0, 10).ToArray());
            Assert.Equal(0, buffer[10]); // nothing written past count

            got = ReceiveOne(net, b, buffer, 0, buffer.Length); // the next datagram, not the rest
            Assert.Equal(1, got.Length);
            Assert.Equal(0xAA, buffer[0]);
        }

        [Theory]
        [MemberData(nameof(Loopbacks))]
        public void SendTo_ClosedLoopbackPort_LeavesTheSocketUsable(string address)
        {
            if (!LoopbackKit.Available(address)) return;
            bool ipv6 = address == "::1";
            using var net = new HostNetwork();
            int resolver = net.OpenUdp(ipv6);
            int server = net.OpenUdp(ipv6);
            int deadPort = LoopbackKit.ClosedUdpPort(address);
            byte[] query = Encoding.ASCII.GetBytes("query");

            // The ICMP port unreachable comes back to `resolver`; some systems pin it on the socket
            // and report it on a later call. Whatever they do, no call may fail for it.
            for (int i = 0; i < 3; i++)
            {
                net.SendTo(resolver, address, deadPort, query, 0, query.Length);
                net.Wait(LoopbackKit.StepMs);
                Assert.Equal(0, net.ReceiveFrom(resolver, new byte[64], 0, 64, out _, out _));
            }

            Assert.True(net.SendTo(resolver, address, net.LocalPort(server), query, 0, query.Length));
            var buffer = new byte[64];
            Datagram got = ReceiveOne(net, server, buffer, 0, buffer.Length);
            Assert.True(net.SendTo(server, got.Address, got.Port, buffer, 0, got.Length));
            got = ReceiveOne(net, resolver, buffer, 0, buffer.Length);
            Assert.Equal(query, buffer.AsSpan(0, got.Length).ToArray());
        }

        [Fact]
        public void Wait_WhenADatagramArrives_ReturnsAndItIsThere()
        {
            using var net = new HostNetwork();
            int a = net.OpenUdp(false);
            int b = net.OpenUdp(false);
            Assert.True(net.SendTo(a, "127.0.0.1", net.LocalPort(b), new byte[] { 42 }, 0, 1));

            net.Wait(LoopbackKit.DeadlineMs);

            var buffer = new byte[4];
            Assert.Equal(1, ReceiveOne(net, b, buffer, 0, buffer.Length).Length);
            Assert.Equal(42, buffer[0]);
        }

        [Fact]
        public void SendTo_AnAddressOfTheOtherFamily_Throws()
        {
            using var net = new HostNetwork();
            int v4 = net.OpenUdp(false);
            Assert.Throws<ArgumentException>(() => net.SendTo(v4, "::1", 53, new byte[1], 0, 1));
            if (!LoopbackKit.Available("::1")) return;
            int v6 = net.OpenUdp(true);
            Assert.Throws<ArgumentException>(() => net.SendTo(v6, "127.0.0.1", 53, new byte[1], 0, 1));
        }

        [Fact]
        public void SendTo_BadLiteralOrPort_Throws()
        {
            using var net = new HostNetwork();
            int udp = net.OpenUdp(false);
            Assert.Throws<FormatException>(() => net.SendTo(udp, "ns.example.test", 53, new byte[1], 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => net.SendTo(udp, "127.0.0.1", 0, new byte[1], 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => net.SendTo(udp, "127.0.0.1", 53, new byte[1], 1, 1));
        }

        [Fact]
        public void Close_OnUdpSocket_ForgetsItsHandle()
        {
            using var net = new HostNetwork();
            int listener = net.Listen("127.0.0.1", 0);
            int udp = net.OpenUdp(false);
            Assert.NotEqual(listener, udp);

            net.Close(udp);
            net.Close(udp);

            Assert.Throws<ArgumentException>(() => net.ReceiveFrom(udp, new byte[1], 0, 1, out _, out _));
            Assert.Throws<ArgumentException>(() => net.SendTo(udp, "127.0.0.1", 53, new byte[1], 0, 1));
            net.Wait(0);
        }

        // LocalAddresses

        [Fact]
        public void LocalAddresses_IncludeIpv4Loopback_AsPlainLiterals()
        {
            using var net = new HostNetwork();

            string[] addresses = net.LocalAddresses();

            Assert.Contains("127.0.0.1", addresses);
            Assert.Equal(addresses.Length, addresses.Distinct().Count());
            foreach (string a in addresses)
            {
                Assert.DoesNotContain("%", a); // no IPv6 scope ids
                Assert.Equal(a, HostNetwork.AddressText(IPAddress.Parse(a)));
            }
            if (LoopbackKit.Available("::1")) Assert.Contains("::1", addresses);
        }

        // Helpers

        private readonly record struct Datagram(int Length, string Address, int Port);

        private static Datagram ReceiveOne(HostNetwork net, int udp, byte[] buffer, int offset, int count)
        {
            int n = 0;
            string address = null;
            int port = 0;
            LoopbackKit.PollUntil(net, () =>
            {
                n = net.ReceiveFrom(udp, buffer, offset, count, out address, out port);
                Assert.True(n >= 0, "the UDP socket failed");
                return n > 0;
            }, "a datagram");
            return new Datagram(n, address, port);
        }
    }
}
