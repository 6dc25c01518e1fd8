// DnsResult.FromAnswer: the one reading of a response that the core resolver and DnsClient share —
// records of the asked type, CNAME chains inside the answer (RFC 1034 §3.6.2), NODATA and NXDOMAIN
// (RFC 2308), the RCODE of the chain's last name (RFC 6604), RCODEs mapped to statuses.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsResultTests
    {
        private static DnsRecord Mx(string owner, int preference, string exchange) => DnsRecord.Mx(owner, 300, preference, exchange);
        private static DnsRecord Cname(string owner, string target) => DnsRecord.Cname(owner, 300, target);
        private static DnsRecord Addr(string owner, string address) => DnsRecord.Addr(owner, 300, address);

        [Fact]
        public void RecordsOfTheAskedType_AreOk()
        {
            var r = DnsResult.FromAnswer("example.org", DnsType.MX, 0, new[] { Mx("example.org", 10, "mx1.example.org"), Mx("EXAMPLE.org", 20, "mx2.example.org") }, null);
            Assert.Equal(DnsStatus.Ok, r.Status);
            Assert.Equal(2, r.Records.Length);
            Assert.Equal("example.org", r.CanonicalName);
        }

        [Fact]
        public void NoRecordsAndNoAlias_IsNoData()
        {
            var r = DnsResult.FromAnswer("example.org.", DnsType.MX, 0, new DnsRecord[0], null);
            Assert.Equal(DnsStatus.NoData, r.Status);
            Assert.Equal("example.org", r.Name);
            Assert.Empty(r.Records);
        }

        [Fact]
        public void ChainInsideTheAnswer_IsFollowedToTheRecords()
        {
            var answers = new[] { Addr("c.example", "192.0.2.3"), Cname("a.example", "b.example"), Cname("b.example", "c.example") };
            var r = DnsResult.FromAnswer("a.example", DnsType.A, 0, answers, null);
            Assert.Equal(DnsStatus.Ok, r.Status);
            Assert.Equal("c.example", r.CanonicalName);
            Assert.Equal("192.0.2.3", Assert.Single(r.Records).Address);
        }

        [Fact]
        public void ChainEndingWithoutRecords_IsAnAliasToAskAgain()
        {
            var r = DnsResult.FromAnswer("a.example", DnsType.MX, 0, new[] { Cname("a.example", "b.example") }, null);
            Assert.Equal(DnsStatus.Alias, r.Status);
            Assert.Equal("b.example", r.CanonicalName);
        }

        [Fact]
        public void ChainInALoop_EndsAsAnAlias()
        {
            var r = DnsResult.FromAnswer("a.example", DnsType.A, 0, new[] { Cname("a.example", "b.example"), Cname("b.example", "a.example") }, null);
            Assert.Equal(DnsStatus.Alias, r.Status);
        }

        [Fact]
        public void RecordsOfOtherNamesOrTypes_AreIgnored()
        {
            var answers = new[] { Addr("other.example", "192.0.2.9"), Mx("a.example", 10, "mx.example"), Addr("a.example", "2001:db8::1") };
            var r = DnsResult.FromAnswer("a.example", DnsType.A, 0, answers, null);
            Assert.Equal(DnsStatus.NoData, r.Status);
        }

        [Fact]
        public void NxDomainAfterAChain_SpeaksOfTheChainsLastName()
        {
            var r = DnsResult.FromAnswer("a.example", DnsType.A, 3, new[] { Cname("a.example", "gone.example") }, null);
            Assert.Equal(DnsStatus.NxDomain, r.Status);
            Assert.Equal("gone.example", r.CanonicalName);
            Assert.Empty(r.Records);
        }

        [Theory]
        [InlineData(1, DnsStatus.FormErr, true)]
        [InlineData(2, DnsStatus.ServFail, true)]
        [InlineData(3, DnsStatus.NxDomain, false)]
        [InlineData(4, DnsStatus.Refused, true)]
        [InlineData(5, DnsStatus.Refused, true)]
        [InlineData(9, DnsStatus.ServFail, true)]
        [InlineData(15, DnsStatus.ServFail, true)]
        public void ErrorRcodes_MapToStatuses(int rcode, DnsStatus status, bool temporary)
        {
            var r = DnsResult.FromAnswer("a.example", DnsType.A, rcode, new[] { Addr("a.example", "192.0.2.1") }, null);
            Assert.Equal(status, r.Status);
            Assert.Equal(temporary, r.IsTemporaryFailure);
            Assert.Empty(r.Records);
        }

        [Theory]
        [InlineData(DnsStatus.Ok, false)]
        [InlineData(DnsStatus.NoData, false)]
        [InlineData(DnsStatus.Alias, false)]
        [InlineData(DnsStatus.NxDomain, false)]
        [InlineData(DnsStatus.ServFail, true)]
        [InlineData(DnsStatus.Refused, true)]
        [InlineData(DnsStatus.FormErr, true)]
        [InlineData(DnsStatus.Timeout, true)]
        [InlineData(DnsStatus.Malformed, true)]
        [InlineData(DnsStatus.Unreachable, true)]
        public void OnlyAnswersAboutTheName_AreNotTemporary(DnsStatus status, bool temporary)
        {
            Assert.Equal(temporary, DnsStatusNames.IsTemporary(status));
            Assert.False(string.IsNullOrEmpty(DnsStatusNames.Name(status)));
        }
    }
}
