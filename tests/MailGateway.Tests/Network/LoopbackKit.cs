// Helpers for the real-socket tests: loopback only, ephemeral ports, and every wait bounded by an
// overall deadline (the loop's own Wait drives the polling, so nothing sleeps blindly).
using System.Net;
using System.Net.Sockets;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    internal static class LoopbackKit
    {
        public const int DeadlineMs = 20_000;
        public const int StepMs = 50;

        private static readonly Lazy<bool> s_ipv6 = new Lazy<bool>(ProbeIpv6Loopback);

        /// <summary>True when "::1" can be bound here; IPv6 cases return early (pass) otherwise.</summary>
        public static bool Available(string address)
        {
            return address != "::1" || s_ipv6.Value;
        }

        private static bool ProbeIpv6Loopback()
        {
            if (!Socket.OSSupportsIPv6) return false;
            try
            {
                using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        /// <summary>Calls net.Wait in short steps until done() is true; fails after the deadline.</summary>
        public static void PollUntil(HostNetwork net, Func<bool> done, string what)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(DeadlineMs);
            while (!done())
            {
                Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for: " + what);
                net.Wait(StepMs);
            }
        }

        /// <summary>A blocking client socket (bounded by timeouts) connected to a listener.</summary>
        public static Socket Connect(string address, int port, int receiveBufferSize = 0)
        {
            IPAddress ip = IPAddress.Parse(address);
            var client = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            client.ReceiveTimeout = DeadlineMs;
            client.SendTimeout = DeadlineMs;
            if (receiveBufferSize > 0) client.ReceiveBufferSize = receiveBufferSize;
            client.Connect(new IPEndPoint(ip, port));
            return client;
        }

        /// <summary>Accepts the next connection, polling with Wait until it shows up.</summary>
        public static int AcceptOne(HostNetwork net, int listener)
        {
            int connection = -1;
            PollUntil(net, () => (connection = net.Accept(listener)) >= 0, "a connection to accept");
            return connection;
        }

        /// <summary>Polls ConnectStatus with Wait until the connect settles; returns 1 or -1.</summary>
        public static int SettleConnect(HostNetwork net, int connection)
        {
            int status = 0;
            PollUntil(net, () => (status = net.ConnectStatus(connection)) != 0, "the connect to settle");
            return status;
        }

        /// <summary>A loopback TCP port that was free a moment ago: bound, then closed again.</summary>
        public static int ClosedTcpPort(string address)
        {
            using var probe = new Socket(IPAddress.Parse(address).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            return ((IPEndPoint)probe.LocalEndPoint).Port;
        }

        /// <summary>A loopback UDP port that was free a moment ago: bound, then closed again.</summary>
        public static int ClosedUdpPort(string address)
        {
            using var probe = new Socket(IPAddress.Parse(address).AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            return ((IPEndPoint)probe.LocalEndPoint).Port;
        }

        /// <summary>Receives exactly count bytes on the gateway side, polling with Wait.</summary>
        public static byte[] ReceiveExactly(HostNetwork net, int connection, int count)
        {
            var data = new byte[count];
            int got = 0;
            PollUntil(net, () =>
            {
                int n = net.Receive(connection, data, got, count - got);
                Assert.True(n >= 0, "connection ended after " + got + " of " + count + " bytes");
                got += n;
                return got == count;
            }, count + " bytes");
            return data;
        }

        /// <summary>Receives exactly count bytes on the blocking client (bounded by ReceiveTimeout).</summary>
        public static byte[] ClientReceiveExactly(Socket client, int count)
        {
            var data = new byte[count];
            int got = 0;
            while (got < count)
            {
                int n = client.Receive(data, got, count - got, SocketFlags.None);
                Assert.True(n > 0, "client saw EOF after " + got + " of " + count + " bytes");
                got += n;
            }
            return data;
        }
    }
}
