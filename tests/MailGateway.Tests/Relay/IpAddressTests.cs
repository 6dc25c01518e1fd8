// IpAddress.Parse: IPv4 dotted quads and the RFC 4291 §2.2 IPv6 text forms to bytes; IPv4-mapped
// IPv6 addresses (RFC 4291 §2.5.5.2) come back as their 4-byte IPv4 form.
using MailGateway.Core.Relay;
using Xunit;

namespace MailGateway.Tests.Relay
{
    public class IpAddressTests
    {
        private static string Hex(byte[] bytes) => bytes == null ? null : Convert.ToHexStringLower(bytes);

        [Theory]
        [InlineData("192.0.2.1", "c0000201")]
        [InlineData("0.0.0.0", "00000000")]
        [InlineData("255.255.255.255", "ffffffff")]
        [InlineData("127.0.0.1", "7f000001")]
        [InlineData("10.20.30.40", "0a141e28")]
        public void IPv4_DottedQuad_ParsesToFourBytes(string text, string hex)
        {
            Assert.Equal(hex, Hex(IpAddress.Parse(text)));
        }

        [Theory]
        [InlineData("::", "00000000000000000000000000000000")]
        [InlineData("::1", "00000000000000000000000000000001")]
        [InlineData("1::", "00010000000000000000000000000000")]
        [InlineData("2001:db8::1", "20010db8000000000000000000000001")]
        [InlineData("2001:DB8::1", "20010db8000000000000000000000001")]
        [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "20010db8000000000000000000000001")]
        [InlineData("2001:db8:0:0:1::", "20010db8000000000001000000000000")]
        [InlineData("2001:db8::1:0:0:1", "20010db8000000000001000000000001")]
        [InlineData("fe80::1:2", "fe800000000000000000000000010002")]
        [InlineData("1:2:3:4:5:6:7:8", "00010002000300040005000600070008")]
        [InlineData("1:2:3:4:5:6:7::", "00010002000300040005000600070000")]
        [InlineData("::2:3:4:5:6:7:8", "00000002000300040005000600070008")]
        [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffffffffffffffffffffffffffffffff")]
        // Embedded IPv4 in the last 32 bits that is not IPv4-mapped stays IPv6
        [InlineData("::192.0.2.1", "000000000000000000000000c0000201")]
        [InlineData("64:ff9b::192.0.2.1", "0064ff9b0000000000000000c0000201")]
        [InlineData("1:2:3:4:5:6:192.0.2.1", "000100020003000400050006c0000201")]
        [InlineData("::fffe:192.0.2.1", "00000000000000000000fffec0000201")]
        [InlineData("1::ffff:192.0.2.1", "00010000000000000000ffffc0000201")]
        public void IPv6_TextForms_ParseToSixteenBytes(string text, string hex)
        {
            Assert.Equal(hex, Hex(IpAddress.Parse(text)));
        }

        [Theory]
        [InlineData("::ffff:192.0.2.1", "c0000201")]
        [InlineData("::FFFF:192.0.2.1", "c0000201")]
        [InlineData("0:0:0:0:0:ffff:192.0.2.1", "c0000201")]
        [InlineData("::ffff:c000:201", "c0000201")]
        [InlineData("::ffff:127.0.0.1", "7f000001")]
        public void IPv4Mapped_IsTreatedAsIPv4(string text, string hex)
        {
            Assert.Equal(hex, Hex(IpAddress.Parse(text)));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(" ")]
        // IPv4
        [InlineData("256.0.0.1")]
        [InlineData("1.2.3")]
        [InlineData("1.2.3.4.5")]
        [InlineData("01.2.3.4")]
        [InlineData("1.2.3.04")]
        [InlineData("1.2.3.00")]
        [InlineData("1..2.3")]
        [InlineData(".1.2.3")]
        [InlineData("1.2.3.4.")]
        [InlineData(" 1.2.3.4")]
        [InlineData("1.2.3.4 ")]
        [InlineData("a.b.c.d")]
        [InlineData("1.2.3.-4")]
        [InlineData("1.2.3.+4")]
        [InlineData("4294967295")]
        [InlineData("127.1")]
        [InlineData("0x7f.0.0.1")]
        [InlineData("1.2.3.4/24")]
        [InlineData("1.2.3.99999999999")]
        // IPv6
        [InlineData(":")]
        [InlineData(":::")]
        [InlineData("1:2")]
        [InlineData("1:2:3:4:5:6:7")]
        [InlineData("1:2:3:4:5:6:7:8:9")]
        [InlineData("1::2:3:4:5:6:7:8")]
        [InlineData("::1:2:3:4:5:6:7:8")]
        [InlineData("1:2:3:4:5:6:7:8::")]
        [InlineData("1:::2")]
        [InlineData(":1::2")]
        [InlineData("1::2:")]
        [InlineData("1::2::3")]
        [InlineData("::1::")]
        [InlineData("12345::")]
        [InlineData("g::1")]
        [InlineData("fe80::1%eth0")]
        [InlineData("[::1]")]
        [InlineData("::1 ")]
        [InlineData("1.2.3.4::")]
        [InlineData("::ffff:256.0.0.1")]
        [InlineData("::ffff:1.2.3")]
        [InlineData("::ffff:01.2.3.4")]
        [InlineData("::1.2.3.4:5")]
        [InlineData("::1.2.3.4.5")]
        [InlineData("1:2:3:4:5:6:7:192.0.2.1")]
        [InlineData("::ab.1.2.3")]
        [InlineData("2001:db8::/32")]
        public void Malformed_IsRejected(string text)
        {
            Assert.Null(IpAddress.Parse(text));
        }
    }
}
