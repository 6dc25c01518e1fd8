// DnsClientLookups as an IDnsLookups: results handed over once, cancelled lookups forgotten, names
// that cannot be asked refused without a query. (Its answers are checked against a real server in
// RealDnsServerTests.) The server given is a loopback port nobody asks: nothing leaves the machine.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsClientLookupsTests
    {
        private static DnsClientLookups Lookups() => new DnsClientLookups(new[] { new DnsServer("127.0.0.1", 9) }, new DnsSettings());

        private static DnsResult Wait(DnsClientLookups lookups, int handle)
        {
            for (int i = 0; i < 5000; i++)
            {
                DnsResult result = lookups.Poll(handle);
                if (result != null) return result;
                Thread.Sleep(1);
            }
            throw new TimeoutException("no result");
        }

        [Theory]
        [InlineData("bad name.example")]
        [InlineData("[192.0.2.1]")]
        [InlineData("a..b")]
        public void NameThatCannotBeAsked_IsMalformed_WithoutAQuery(string name)
        {
            var lookups = Lookups();
            DnsResult result = Wait(lookups, lookups.Begin(name, DnsType.MX));
            Assert.Equal(DnsStatus.Malformed, result.Status);
        }

        [Fact]
        public void Result_IsHandedOverOnce()
        {
            var lookups = Lookups();
            int handle = lookups.Begin("bad name", DnsType.A);
            Wait(lookups, handle);
            Assert.Throws<InvalidOperationException>(() => lookups.Poll(handle));
        }

        [Fact]
        public void CancelledLookup_IsForgotten()
        {
            var lookups = Lookups();
            int handle = lookups.Begin("bad name", DnsType.A);
            lookups.Cancel(handle);
            Assert.Throws<InvalidOperationException>(() => lookups.Poll(handle));
        }

        [Fact]
        public void GivenServers_AreTheOnlyOnesAsked()
        {
            Assert.Equal(new[] { "127.0.0.1:9" }, Lookups().NameServers.Select(ns => ns.Address + ":" + ns.Port));
        }
    }
}
