// DnsAddressText: A and AAAA data as the text .NET's IPAddress writes (RFC 5952 for IPv6), so the
// core resolver and the host's DnsClient print the same addresses.
using System.Net;
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsAddressTextTests
    {
        [Theory]
        [InlineData("192.0.2.1")]
        [InlineData("0.0.0.0")]
        [InlineData("255.255.255.255")]
        [InlineData("::")]
        [InlineData("::1")]
        [InlineData("1::")]
        [InlineData("2001:db8::1")]
        [InlineData("2001:db8:0:0:1:0:0:1")] // first of two equal runs
        [InlineData("2001:0:0:1:0:0:0:1")] // the longer run
        [InlineData("2001:db8:0:1:1:1:1:1")] // a single zero group stays
        [InlineData("fe80::abcd:ef01:2345:6789")]
        [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
        [InlineData("::ffff:192.0.2.1")]
        [InlineData("::192.0.2.1")]
        [InlineData("::ffff:0:192.0.2.1")]
        [InlineData("::ffff:0:0")]
        [InlineData("fe80::5efe:192.0.2.1")]
        [InlineData("64:ff9b::192.0.2.1")]
        [InlineData("1:2:3:4:5:6:7:8")]
        public void Format_WritesWhatIPAddressWrites(string address)
        {
            byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
            Assert.Equal(IPAddress.Parse(address).ToString(), DnsAddressText.Format(bytes, 0, bytes.Length));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(20261129)]
        public void Format_RandomAddresses_MatchIPAddress(int seed)
        {
            var random = new Random(seed);
            for (int i = 0; i < 3000; i++)
            {
                byte[] bytes = new byte[16];
                random.NextBytes(bytes);
                // Zero most groups some of the time, so runs of zeros of every length and place occur.
                for (int g = 0; g < 8; g++)
                {
                    if (random.Next(3) > 0) { bytes[2 * g] = 0; bytes[2 * g + 1] = 0; }
                }
                if (random.Next(8) == 0) { bytes[10] = 0xff; bytes[11] = 0xff; }
                byte[] framed = new byte[20];
                bytes.CopyTo(framed, 3);
                Assert.Equal(new IPAddress(bytes).ToString(), DnsAddressText.Format(framed, 3, 16));
            }
        }

        [Fact]
        public void Format_OtherLengths_GiveNull()
        {
            Assert.Null(DnsAddressText.Format(new byte[8], 0, 5));
        }
    }
}
