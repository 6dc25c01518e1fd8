// The core resolver and DnsClient against the same real DNS server (dnslib's, zone_server.py) on
// loopback: UDP, the TCP retry after TC, SERVFAIL, REFUSED, NXDOMAIN, NODATA, CNAME chains, a
// null MX, a server that never answers, an MX list longer than the core resolver keeps. Both must say the same thing, lookup by lookup, and the
// MX planner must make the same plan over either. Loopback only: every server here is 127.0.0.1
// and an ephemeral port, and the machine's own resolver is never asked.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Dns;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Dns
{
    public sealed class ZoneServers : IDisposable
    {
        public static readonly string Zone = BaseZone + LongMxList();

        /// <summary>
        /// many.test: 150 MX hosts m0..m149 (more than the 128 records the codec once refused as too
        /// many), preferences 5..750 in scrambled order: m0 5, m53 10, m106 15, m9 20, m62 25, ...
        /// </summary>
        private static string LongMxList()
        {
            var zone = new System.Text.StringBuilder();
            for (int i = 0; i < 150; i++)
            {
                zone.Append("many.test.             IN MX " + ((i * 17 % 150 + 1) * 5) + " m" + i + ".many.test.\n");
                zone.Append("m" + i + ".many.test.        IN A 192.0.2." + (100 + i) + "\n");
            }
            return zone.ToString();
        }

        private const string BaseZone = @"
$TTL 300
example.test.          IN MX 10 mx1.example.test.
example.test.          IN MX 20 mx2.example.test.
example.test.          IN MX 20 mx3.example.test.
mx1.example.test.      IN A 192.0.2.1
mx1.example.test.      IN AAAA 2001:db8::1
mx2.example.test.      IN A 192.0.2.2
mx3.example.test.      IN A 192.0.2.3
www.example.test.      IN CNAME mx1.example.test.
implicit.test.         IN A 192.0.2.10
implicit.test.         IN AAAA 2001:db8::10
nullmx.test.           IN MX 0 .
alias.test.            IN CNAME example.test.
chain.test.            IN CNAME c1.chain-target.test.
c1.chain-target.test.  IN CNAME c2.chain-target.test.
c2.chain-target.test.  IN MX 10 mx1.example.test.
truncated.test.        IN MX 10 mx2.example.test.
bare-tc.test.          IN MX 10 mx3.example.test.
tc-count.test.         IN MX 10 mx2.example.test.
bare-tc-count.test.    IN MX 10 mx3.example.test.
nohost.test.           IN MX 10 missing.nohost.test.
servfail.test.         IN MX 10 mx1.example.test.
refused.test.          IN MX 10 mx1.example.test.
dropped.test.          IN MX 10 mx1.example.test.
loop.test.             IN MX 10 self.loop.test.
loop.test.             IN MX 20 mx2.example.test.
self.loop.test.        IN A 203.0.113.25
";

        private static readonly string[] Knobs =
        {
            "--truncate", "truncated.test", "--truncate-bare", "bare-tc.test",
            "--truncate", "tc-count.test", "--truncate-bare", "bare-tc-count.test", "--servfail", "servfail.test",
            "--refused", "refused.test", "--drop", "dropped.test",
            // dnslib would send the 150 records (about 3 KB) over UDP whatever the EDNS size says;
            // a real server sets TC beyond 1232 bytes, and the answer comes over TCP.
            "--truncate", "many.test",
        };

        /// <summary>Follows CNAMEs inside the zone, as a recursive resolver does.</summary>
        public readonly ZoneServer Following = new ZoneServer(Zone, Knobs);

        /// <summary>Answers a CNAME alone, so the client must ask again for the target.</summary>
        public readonly ZoneServer NotFollowing = new ZoneServer(Zone, Knobs.Append("--no-follow").ToArray());

        public void Dispose()
        {
            Following.Dispose();
            NotFollowing.Dispose();
        }
    }

    public class RealDnsServerTests : IClassFixture<ZoneServers>
    {
        private static readonly DnsSettings Patient = new DnsSettings { TryTimeoutMs = 2000, MaxTries = 3 };
        private const long WallClockLimitMs = 30_000;

        private readonly ZoneServers _servers;

        public RealDnsServerTests(ZoneServers servers)
        {
            _servers = servers;
        }

        private ZoneServer Server(bool follow) => follow ? _servers.Following : _servers.NotFollowing;

        // ---- Drivers: the core's DnsResolver over real sockets, and DnsClient ----

        private static DnsResult CoreLookup(ZoneServer server, string name, int type, DnsSettings settings)
        {
            using var net = new SocketDnsTransport();
            var resolver = new DnsResolver(net, new[] { server.Server }, new HostRandom(), settings);
            int handle = resolver.Begin(name, type);
            long limit = SocketDnsTransport.NowMs + WallClockLimitMs;
            while (true)
            {
                long now = SocketDnsTransport.NowMs;
                resolver.Pump(now);
                DnsResult result = resolver.Poll(handle);
                if (result != null)
                {
                    Assert.Equal(0, net.OpenCount);
                    return result;
                }
                Assert.True(now < limit, "the core lookup of " + name + " did not end");
                net.Wait(Math.Max(0, resolver.PollDeadline() - now));
            }
        }

        private static DnsClientLookups Client(ZoneServer server, DnsSettings settings)
        {
            var lookups = new DnsClientLookups(new[] { server.Server }, settings);
            Assert.All(lookups.NameServers, ns => Assert.True(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(ns.Address)), ns.ToString()));
            return lookups;
        }

        private static DnsResult ClientLookup(ZoneServer server, string name, int type, DnsSettings settings)
        {
            Task<DnsResult> task = Client(server, settings).LookupAsync(name, type);
            Assert.True(task.Wait(TimeSpan.FromMilliseconds(WallClockLimitMs)), "the DnsClient lookup of " + name + " did not end");
            return task.Result;
        }

        private static MxPlan CorePlan(ZoneServer server, string domain, int seed)
        {
            using var net = new SocketDnsTransport();
            var resolver = new DnsResolver(net, new[] { server.Server }, new HostRandom(), Patient);
            var planner = NewPlanner(domain, seed);
            long limit = SocketDnsTransport.NowMs + WallClockLimitMs;
            while (true)
            {
                long now = SocketDnsTransport.NowMs;
                resolver.Pump(now);
                planner.Step(resolver);
                if (planner.IsDone)
                {
                    Assert.Equal(0, resolver.Count);
                    Assert.Equal(0, net.OpenCount);
                    return planner.Plan;
                }
                Assert.True(now < limit, "the core plan for " + domain + " did not end");
                net.Wait(Math.Max(0, resolver.PollDeadline() - now));
            }
        }

        private static MxPlan ClientPlan(ZoneServer server, string domain, int seed)
        {
            var lookups = Client(server, Patient);
            var planner = NewPlanner(domain, seed);
            long limit = SocketDnsTransport.NowMs + WallClockLimitMs;
            while (!planner.IsDone)
            {
                Assert.True(SocketDnsTransport.NowMs < limit, "the DnsClient plan for " + domain + " did not end");
                planner.Step(lookups);
                if (!planner.IsDone) Thread.Sleep(1);
            }
            return planner.Plan;
        }

        private static MxPlanner NewPlanner(string domain, int seed)
            => new MxPlanner(domain, new[] { "gw.lan.test" }, new[] { "203.0.113.25" }, new HostRandom(seed), new MxSettings());

        private static string Describe(DnsResult r)
            => DnsStatusNames.Name(r.Status) + " via " + r.CanonicalName + ": " + string.Join(", ", r.Records.Select(x => x.ToString()));

        private static string Describe(MxPlan plan)
            => plan.Succeeded
                ? (plan.ImplicitMx ? "implicit " : "") + string.Join(" ", plan.Targets.Select(t => t + "/" + t.Preference))
                : plan.Failure.Code + " " + plan.Failure.Enhanced;

        // ---- One lookup, both ways ----

        [Theory]
        [InlineData(true, "example.test", DnsType.MX, "OK via example.test: example.test MX 10 mx1.example.test, example.test MX 20 mx2.example.test, example.test MX 20 mx3.example.test")]
        [InlineData(true, "EXAMPLE.Test.", DnsType.MX, "OK via EXAMPLE.Test: example.test MX 10 mx1.example.test, example.test MX 20 mx2.example.test, example.test MX 20 mx3.example.test")]
        [InlineData(true, "mx1.example.test", DnsType.A, "OK via mx1.example.test: mx1.example.test A 192.0.2.1")]
        [InlineData(true, "mx1.example.test", DnsType.AAAA, "OK via mx1.example.test: mx1.example.test AAAA 2001:db8::1")]
        [InlineData(true, "mx2.example.test", DnsType.AAAA, "NODATA via mx2.example.test: ")]
        [InlineData(true, "implicit.test", DnsType.MX, "NODATA via implicit.test: ")]
        [InlineData(true, "nx.example.test", DnsType.A, "NXDOMAIN via nx.example.test: ")]
        [InlineData(true, "nullmx.test", DnsType.MX, "OK via nullmx.test: nullmx.test MX 0 .")]
        [InlineData(true, "www.example.test", DnsType.A, "OK via mx1.example.test: mx1.example.test A 192.0.2.1")]
        [InlineData(true, "chain.test", DnsType.MX, "OK via c2.chain-target.test: c2.chain-target.test MX 10 mx1.example.test")]
        [InlineData(false, "www.example.test", DnsType.A, "ALIAS via mx1.example.test: ")]
        [InlineData(false, "chain.test", DnsType.MX, "ALIAS via c1.chain-target.test: ")]
        [InlineData(true, "truncated.test", DnsType.MX, "OK via truncated.test: truncated.test MX 10 mx2.example.test")]
        [InlineData(true, "bare-tc.test", DnsType.MX, "OK via bare-tc.test: bare-tc.test MX 10 mx3.example.test")]
        [InlineData(true, "servfail.test", DnsType.MX, "SERVFAIL via servfail.test: ")]
        [InlineData(true, "refused.test", DnsType.MX, "REFUSED via refused.test: ")]
        public void CoreResolverAndDnsClient_AgreeOnEachAnswer(bool follow, string name, int type, string expected)
        {
            ZoneServer server = Server(follow);
            DnsResult core = CoreLookup(server, name, type, Patient);
            DnsResult client = ClientLookup(server, name, type, Patient);
            Assert.Equal(expected, Describe(core));
            Assert.Equal(expected, Describe(client));
        }

        [Theory]
        [InlineData("tc-count.test")] // TC with the question
        [InlineData("bare-tc-count.test")] // TC on a bare header, as dnslib truncates
        public void TruncatedUdpAnswer_IsAskedAgainOverTcp_ByBoth(string name)
        {
            // Names no other test asks, so the server's log counts this test's queries only.
            ZoneServer server = Server(true);
            DnsResult core = CoreLookup(server, name, DnsType.MX, Patient);
            Assert.Equal(DnsStatus.Ok, core.Status);
            Assert.EndsWith("over TCP", core.Detail);
            Assert.Equal(DnsStatus.Ok, ClientLookup(server, name, DnsType.MX, Patient).Status);
            Assert.Equal(2, server.CountQueries("tcp " + name + " MX", 2));
            Assert.True(server.CountQueries("udp " + name + " MX", 2) >= 2); // more only if a try timed out on a busy machine
        }

        [Fact]
        public void LongMxAnswer_IsCutToItsLowestPreferences_ByTheCoreResolverOnly()
        {
            ZoneServer server = Server(true);
            DnsResult core = CoreLookup(server, "many.test", DnsType.MX, Patient);
            Assert.Equal(DnsStatus.Ok, core.Status);
            Assert.EndsWith("over TCP", core.Detail);
            Assert.Equal(Enumerable.Range(1, DnsMessage.DefaultKeptRecords).Select(i => i * 5), core.Records.Select(r => r.Preference).Order());
            Assert.Equal(150, ClientLookup(server, "many.test", DnsType.MX, Patient).Records.Length);
        }

        [Fact]
        public void ServerThatNeverAnswers_IsATimeoutForBoth()
        {
            var quick = new DnsSettings { TryTimeoutMs = 250, MaxTries = 2 };
            ZoneServer server = Server(true);
            Assert.Equal(DnsStatus.Timeout, CoreLookup(server, "dropped.test", DnsType.MX, quick).Status);
            Assert.Equal(DnsStatus.Timeout, ClientLookup(server, "dropped.test", DnsType.MX, quick).Status);
            Assert.Equal(4, server.CountQueries("udp dropped.test MX", 4)); // two tries each
        }

        // ---- The planner over either ----

        [Theory]
        [InlineData(true, "example.test", 1)]
        [InlineData(true, "example.test", 2)]
        [InlineData(false, "example.test", 3)]
        [InlineData(true, "alias.test", 1)]
        [InlineData(false, "alias.test", 1)]
        [InlineData(true, "chain.test", 1)]
        [InlineData(false, "chain.test", 1)]
        [InlineData(true, "implicit.test", 1)]
        [InlineData(true, "truncated.test", 1)]
        [InlineData(true, "nullmx.test", 1)]
        [InlineData(true, "nx.test", 1)]
        [InlineData(true, "servfail.test", 1)]
        [InlineData(true, "refused.test", 1)]
        [InlineData(true, "nohost.test", 1)]
        [InlineData(true, "loop.test", 1)]
        [InlineData(true, "many.test", 1)]
        public void Planner_MakesTheSamePlan_OverTheCoreResolverAndOverDnsClient(bool follow, string domain, int seed)
        {
            ZoneServer server = Server(follow);
            Assert.Equal(Describe(ClientPlan(server, domain, seed)), Describe(CorePlan(server, domain, seed)));
        }

        [Theory]
        [InlineData("example.test", "mx1.example.test[192.0.2.1]/10 mx1.example.test[2001:db8::1]/10 mx{2,3}/20 mx{3,2}/20")]
        [InlineData("alias.test", "mx1.example.test[192.0.2.1]/10 mx1.example.test[2001:db8::1]/10 mx{2,3}/20 mx{3,2}/20")]
        [InlineData("chain.test", "mx1.example.test[192.0.2.1]/10 mx1.example.test[2001:db8::1]/10")]
        [InlineData("implicit.test", "implicit implicit.test[192.0.2.10]/0 implicit.test[2001:db8::10]/0")]
        [InlineData("truncated.test", "mx2.example.test[192.0.2.2]/10")]
        [InlineData("nullmx.test", "556 5.1.10")]
        [InlineData("nx.test", "550 5.1.2")]
        [InlineData("servfail.test", "451 4.4.3")]
        [InlineData("refused.test", "451 4.4.3")]
        [InlineData("nohost.test", "550 5.4.4")]
        [InlineData("loop.test", "554 5.4.6")]
        [InlineData("many.test", "m0.many.test[192.0.2.100]/5 m53.many.test[192.0.2.153]/10 m106.many.test[192.0.2.206]/15 m9.many.test[192.0.2.109]/20 m62.many.test[192.0.2.162]/25")]
        public void Planner_OverTheCoreResolver_FollowsTheOutcomeTable(string domain, string expected)
        {
            string plan = Describe(CorePlan(Server(true), domain, 1));
            if (!expected.Contains('{'))
            {
                Assert.Equal(expected, plan);
                return;
            }
            // Equal preferences come in either order.
            string[] either =
            {
                expected.Replace("mx{2,3}/20 mx{3,2}/20", "mx2.example.test[192.0.2.2]/20 mx3.example.test[192.0.2.3]/20"),
                expected.Replace("mx{2,3}/20 mx{3,2}/20", "mx3.example.test[192.0.2.3]/20 mx2.example.test[192.0.2.2]/20"),
            };
            Assert.Contains(plan, either);
        }
    }
}
