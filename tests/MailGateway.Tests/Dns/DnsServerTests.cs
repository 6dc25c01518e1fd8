// DnsServer: the `dns.servers = ip[:port], …` setting (IPv6 with a port in brackets), and matching
// a reply's source against a server.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsServerTests
    {
        [Theory]
        [InlineData("192.0.2.53", "192.0.2.53", 53)]
        [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
        [InlineData("2001:db8::53", "2001:db8::53", 53)]
        [InlineData("[2001:db8::53]:5353", "2001:db8::53", 5353)]
        [InlineData("[::1]", "::1", 53)]
        [InlineData("::1", "::1", 53)]
        public void TryParse_AcceptsAnAddressWithAnOptionalPort(string text, string address, int port)
        {
            Assert.True(DnsServer.TryParse(text, out DnsServer server));
            Assert.Equal((address, port), (server.Address, server.Port));
        }

        [Theory]
        [InlineData("")]
        [InlineData("dns.example")]
        [InlineData("192.0.2.53:")]
        [InlineData("192.0.2.53:0")]
        [InlineData("192.0.2.53:65536")]
        [InlineData("192.0.2.53:53x")]
        [InlineData("192.0.2.53:-1")]
        [InlineData("[192.0.2.53]:53")]
        [InlineData("[::1")]
        [InlineData("[::1]53")]
        [InlineData("[::1]:")]
        [InlineData("256.0.0.1")]
        [InlineData(" 192.0.2.53")]
        public void TryParse_RefusesAnythingElse(string text)
        {
            Assert.False(DnsServer.TryParse(text, out _));
        }

        [Fact]
        public void TryParseList_ReadsCommaSeparatedEntries()
        {
            Assert.True(DnsServer.TryParseList(" 192.0.2.1, [2001:db8::2]:5353 ,127.0.0.1:53", out DnsServer[] servers, out string error));
            Assert.Null(error);
            Assert.Equal(new[] { "192.0.2.1:53", "[2001:db8::2]:5353", "127.0.0.1:53" }, servers.Select(s => s.ToString()));
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData(null)]
        public void TryParseList_EmptyMeansTheSystemsResolver(string text)
        {
            Assert.True(DnsServer.TryParseList(text, out DnsServer[] servers, out _));
            Assert.Empty(servers);
        }

        [Fact]
        public void TryParseList_NamesTheWrongEntry()
        {
            Assert.False(DnsServer.TryParseList("192.0.2.1, resolver.example", out _, out string error));
            Assert.Contains("\"resolver.example\"", error);
        }

        [Theory]
        [InlineData("127.0.0.1", 53, true)]
        [InlineData("::ffff:127.0.0.1", 53, true)] // a dual-stack socket's view of an IPv4 source
        [InlineData("127.0.0.2", 53, false)]
        [InlineData("127.0.0.1", 54, false)]
        [InlineData("::1", 53, false)]
        [InlineData("not an address", 53, false)]
        public void Is_MatchesAddressBytesAndPort(string address, int port, bool expected)
        {
            Assert.Equal(expected, new DnsServer("127.0.0.1", 53).Is(address, port));
        }

        [Fact]
        public void Constructor_RefusesWhatIsNotAnAddress()
        {
            Assert.Throws<ArgumentException>(() => new DnsServer("resolver.example", 53));
            Assert.Throws<ArgumentException>(() => new DnsServer("192.0.2.1", 0));
        }
    }
}
