// CidrRange: one relay.allow entry, an IPv4 or IPv6 network ("192.0.2.0/24", "2001:db8::/32") or a
// single address. IPv4 ranges match IPv4 clients, including IPv4-mapped IPv6 ones; IPv6 ranges
// match IPv6 clients only.
using MailGateway.Core.Relay;
using Xunit;

namespace MailGateway.Tests.Relay
{
    public class CidrRangeTests
    {
        [Theory]
        // IPv4
        [InlineData("192.168.1.0/24", "192.168.1.0", true)]
        [InlineData("192.168.1.0/24", "192.168.1.255", true)]
        [InlineData("192.168.1.0/24", "192.168.2.1", false)]
        [InlineData("192.168.1.0/24", "192.168.0.255", false)]
        [InlineData("192.168.1.77/24", "192.168.1.5", true)]     // host bits of the entry are ignored
        [InlineData("10.0.0.0/8", "10.255.255.255", true)]
        [InlineData("10.0.0.0/8", "11.0.0.0", false)]
        [InlineData("10.0.0.0/8", "9.255.255.255", false)]
        [InlineData("192.0.2.7/32", "192.0.2.7", true)]
        [InlineData("192.0.2.7/32", "192.0.2.6", false)]
        [InlineData("192.0.2.7", "192.0.2.7", true)]             // a single address is /32
        [InlineData("192.0.2.7", "192.0.2.8", false)]
        [InlineData("192.0.2.128/25", "192.0.2.127", false)]
        [InlineData("192.0.2.128/25", "192.0.2.128", true)]
        [InlineData("192.0.2.4/31", "192.0.2.5", true)]
        [InlineData("192.0.2.4/31", "192.0.2.6", false)]
        [InlineData("172.16.0.0/12", "172.31.255.255", true)]
        [InlineData("172.16.0.0/12", "172.32.0.0", false)]
        [InlineData("0.0.0.0/0", "203.0.113.9", true)]
        [InlineData("0.0.0.0/0", "0.0.0.0", true)]
        // IPv4-mapped clients are IPv4 clients
        [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)]
        [InlineData("192.0.2.0/24", "::ffff:192.0.2.77", true)]
        [InlineData("192.0.2.0/24", "::ffff:198.51.100.7", false)]
        // IPv6
        [InlineData("::1/128", "::1", true)]
        [InlineData("::1/128", "::2", false)]
        [InlineData("::1", "::1", true)]                         // a single address is /128
        [InlineData("::1", "0:0:0:0:0:0:0:1", true)]
        [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
        [InlineData("2001:db8::/32", "2001:db9::1", false)]
        [InlineData("2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff", true)]
        [InlineData("2001:db8:1:2::/64", "2001:db8:1:3::", false)]
        [InlineData("fd00::/8", "fdff::1", true)]
        [InlineData("fd00::/8", "fe00::1", false)]
        [InlineData("fe80::/10", "febf:ffff::1", true)]
        [InlineData("fe80::/10", "fec0::1", false)]
        [InlineData("::/0", "2001:db8::1", true)]
        // Families never mix
        [InlineData("::/0", "192.0.2.1", false)]
        [InlineData("::/0", "::ffff:192.0.2.1", false)]
        [InlineData("0.0.0.0/0", "::1", false)]
        [InlineData("127.0.0.1", "::1", false)]
        [InlineData("::1", "127.0.0.1", false)]
        public void Range_Contains(string range, string address, bool expected)
        {
            var cidr = CidrRange.Parse(range);
            Assert.NotNull(cidr);
            Assert.Equal(expected, cidr.Contains(IpAddress.Parse(address)));
        }

        [Fact]
        public void Range_DoesNotContainAnUnparsedAddress()
        {
            Assert.False(CidrRange.Parse("0.0.0.0/0").Contains(null));
            Assert.False(CidrRange.Parse("::/0").Contains(null));
        }

        [Theory]
        [InlineData("0.0.0.0/0")]
        [InlineData("10.0.0.0/8")]
        [InlineData("192.0.2.0/24")]
        [InlineData("192.0.2.1/32")]
        [InlineData("::/0")]
        [InlineData("2001:db8::/64")]
        [InlineData("::1/128")]
        [InlineData("2001:db8::/032")]
        public void Range_WellFormed_Parses(string text)
        {
            Assert.NotNull(CidrRange.Parse(text));
        }

        [Theory]
        [InlineData("")]
        [InlineData("/24")]
        [InlineData("192.0.2.0/")]
        [InlineData("192.0.2.0/33")]
        [InlineData("192.0.2.0/128")]
        [InlineData("::/129")]
        [InlineData("192.0.2.0/-1")]
        [InlineData("192.0.2.0/+8")]
        [InlineData("192.0.2.0/ 24")]
        [InlineData("192.0.2.0 /24")]
        [InlineData("192.0.2.0/24 ")]
        [InlineData("192.0.2.0/24/8")]
        [InlineData("192.0.2.0/2a")]
        [InlineData("192.0.2/24")]
        [InlineData("192.0.2.256/24")]
        [InlineData("host.example/24")]
        [InlineData("localhost")]
        [InlineData("::ffff:10.0.0.0/104")]                      // IPv4-mapped ranges are ambiguous: write 10.0.0.0/8
        [InlineData("::ffff:10.0.0.1")]
        [InlineData("2001:db8:::/32")]
        [InlineData("192.0.2.0/99999999999999999999")]
        public void Range_Malformed_IsRejected(string text)
        {
            Assert.Null(CidrRange.Parse(text));
        }
    }
}
