// MxPlanner as a specification of "where does mail for this domain go" (RFC 5321 §5.1, RFC 7505,
// REFERENCE.md's DNS outcome table): MX order and shuffling, implicit MX, null MX, NXDOMAIN and
// temporary failures, CNAME chains and their bound, ourselves among the MX hosts, the address cap.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Dns
{
    public class MxPlannerTests
    {
        private const string Domain = "example.org";

        internal static MxPlan Plan(IDnsLookups lookups, string domain = Domain, int seed = 1, string[] ownNames = null, string[] ownAddresses = null, MxSettings settings = null)
        {
            var planner = new MxPlanner(domain, ownNames ?? new[] { "gw.lan.example" }, ownAddresses ?? new[] { "198.51.100.25" }, new HostRandom(seed), settings ?? new MxSettings());
            for (int step = 0; step < 1000 && !planner.IsDone; step++) planner.Step(lookups);
            Assert.True(planner.IsDone, "the planner did not finish in " + planner.State);
            return planner.Plan;
        }

        private static string[] Targets(MxPlan plan) => plan.Targets.Select(t => t.ToString()).ToArray();

        private static void AssertFailure(MxPlan plan, int code, string enhanced)
        {
            Assert.False(plan.Succeeded, "expected a failure, got " + plan);
            Assert.Empty(plan.Targets);
            Assert.Equal((code, enhanced), (plan.Failure.Code, plan.Failure.Enhanced));
            Assert.Equal(code >= 500, plan.IsPermanentFailure);
            Assert.Equal(code < 500, plan.IsTemporaryFailure);
        }

        // ---- MX order ----

        [Fact]
        public void MxHosts_AreTriedByPreference_LowestFirst()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 30, "c.example.org").Mx(Domain, 10, "a.example.org").Mx(Domain, 20, "b.example.org")
                .Addr("a.example.org", "192.0.2.1").Addr("b.example.org", "192.0.2.2").Addr("c.example.org", "192.0.2.3");
            MxPlan plan = Plan(dns);
            Assert.True(plan.Succeeded);
            Assert.False(plan.ImplicitMx);
            Assert.Equal(new[] { "a.example.org[192.0.2.1]", "b.example.org[192.0.2.2]", "c.example.org[192.0.2.3]" }, Targets(plan));
            Assert.Equal(new[] { 10, 20, 30 }, plan.Targets.Select(t => t.Preference));
        }

        private static FakeLookups EqualPreferences()
        {
            var dns = new FakeLookups().Mx(Domain, 5, "first.example.org").Addr("first.example.org", "192.0.2.100");
            foreach (char c in "abcd") dns.Mx(Domain, 10, c + ".example.org").Addr(c + ".example.org", "192.0.2." + (c - 'a' + 1));
            return dns;
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void EqualPreferences_AreShuffled_TheSameWayForTheSameSeed(int seed)
        {
            var order = Plan(EqualPreferences(), seed: seed, settings: new MxSettings { MaxAddresses = 10 }).Targets.Select(t => t.Host).ToArray();
            Assert.Equal("first.example.org", order[0]); // a better preference is never shuffled away
            Assert.Equal(new[] { "a", "b", "c", "d" }, order.Skip(1).Select(h => h.Substring(0, 1)).OrderBy(h => h));
            Assert.Equal(order, Plan(EqualPreferences(), seed: seed, settings: new MxSettings { MaxAddresses = 10 }).Targets.Select(t => t.Host));
        }

        [Fact]
        public void EqualPreferences_OverManySeeds_ComeInEveryOrder_AndEachHostLeadsAsOften()
        {
            var orders = new HashSet<string>();
            var leaders = new Dictionary<string, int>();
            for (int seed = 1; seed <= 400; seed++)
            {
                string[] hosts = Plan(EqualPreferences(), seed: seed, settings: new MxSettings { MaxAddresses = 10 }).Targets.Skip(1).Select(t => t.Host.Substring(0, 1)).ToArray();
                orders.Add(string.Concat(hosts));
                leaders[hosts[0]] = leaders.GetValueOrDefault(hosts[0]) + 1;
            }
            Assert.Equal(24, orders.Count); // 4! orders
            Assert.All(leaders.Values, n => Assert.InRange(n, 60, 140)); // about 100 each
        }

        [Fact]
        public void DuplicateMxHosts_AreAskedOnce_WithTheirBestPreference()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 30, "a.example.org").Mx(Domain, 20, "b.example.org").Mx(Domain, 10, "A.example.org.")
                .Addr("a.example.org", "192.0.2.1").Addr("b.example.org", "192.0.2.2");
            MxPlan plan = Plan(dns);
            Assert.Equal(new[] { "a.example.org[192.0.2.1]", "b.example.org[192.0.2.2]" }, Targets(plan));
            Assert.Equal(10, plan.Targets[0].Preference);
            Assert.Single(dns.Begun, "a.example.org A");
        }

        // ---- Implicit MX, null MX, NXDOMAIN ----

        [Fact]
        public void NoMxRecords_UseTheDomainsOwnAddresses()
        {
            var dns = new FakeLookups().Addr(Domain, "192.0.2.10", "2001:db8::10");
            MxPlan plan = Plan(dns);
            Assert.True(plan.ImplicitMx);
            Assert.Equal(new[] { "example.org[192.0.2.10]", "example.org[2001:db8::10]" }, Targets(plan));
            Assert.All(plan.Targets, t => Assert.Equal(0, t.Preference));
            Assert.Equal(new[] { "example.org MX", "example.org A", "example.org AAAA" }, dns.Begun);
        }

        [Fact]
        public void NoMxAndNoAddresses_IsPermanent544()
        {
            var dns = new FakeLookups().Exists(Domain);
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 550, "5.4.4");
            Assert.Contains("no MX and no A/AAAA", plan.Failure.Text);
        }

        [Fact]
        public void NullMx_IsPermanent5110_AndNeverFallsBackToA()
        {
            var dns = new FakeLookups().Mx(Domain, 0, "").Addr(Domain, "192.0.2.10");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 556, "5.1.10");
            Assert.Equal(new[] { "example.org MX" }, dns.Begun);
        }

        [Fact]
        public void RootExchangeBesideRealMxHosts_IsDropped()
        {
            var dns = new FakeLookups().Mx(Domain, 0, "").Mx(Domain, 10, "mx.example.org").Addr("mx.example.org", "192.0.2.1");
            Assert.Equal(new[] { "mx.example.org[192.0.2.1]" }, Targets(Plan(dns)));
        }

        [Fact]
        public void NxDomain_IsPermanent512()
        {
            MxPlan plan = Plan(new FakeLookups());
            AssertFailure(plan, 550, "5.1.2");
            Assert.Contains("example.org does not exist", plan.Failure.Text);
        }

        [Theory]
        [InlineData(DnsStatus.ServFail)]
        [InlineData(DnsStatus.Timeout)]
        [InlineData(DnsStatus.Unreachable)]
        [InlineData(DnsStatus.Malformed)]
        [InlineData(DnsStatus.Refused)]
        [InlineData(DnsStatus.FormErr)]
        public void MxLookupThatFails_IsTemporary443_NeverABounce(DnsStatus status)
        {
            var dns = new FakeLookups().Status(Domain, DnsType.MX, status).Addr(Domain, "192.0.2.10");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 451, "4.4.3");
            Assert.Contains(DnsStatusNames.Name(status), plan.Failure.Text);
            Assert.Single(dns.Begun); // no fallback to A on a failure
        }

        // ---- The MX hosts' addresses ----

        [Fact]
        public void AllMxHostsNxDomain_IsPermanent544()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "gone1.example.org").Mx(Domain, 20, "gone2.example.org");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 550, "5.4.4");
            Assert.Contains("2 not found", plan.Failure.Text);
        }

        [Fact]
        public void MxHostsWithoutAddresses_ArePermanent544()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "gone.example.org").Mx(Domain, 20, "bare.example.org").Exists("bare.example.org");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 550, "5.4.4");
            Assert.Contains("1 not found, 1 without A/AAAA", plan.Failure.Text);
        }

        [Fact]
        public void OneHostFailingTemporarily_LeavesTheOthers()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 10, "flaky.example.org").Mx(Domain, 20, "good.example.org")
                .Status("flaky.example.org", DnsType.A, DnsStatus.Timeout).Status("flaky.example.org", DnsType.AAAA, DnsStatus.Timeout)
                .Addr("good.example.org", "192.0.2.2");
            Assert.Equal(new[] { "good.example.org[192.0.2.2]" }, Targets(Plan(dns)));
        }

        [Fact]
        public void HostsFailingTemporarilyOrNotFound_IsTemporary443()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 10, "flaky.example.org").Mx(Domain, 20, "gone.example.org")
                .Status("flaky.example.org", DnsType.A, DnsStatus.ServFail).Exists("flaky.example.org");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 451, "4.4.3");
            Assert.Contains("flaky.example.org A: SERVFAIL", plan.Failure.Text);
        }

        [Fact]
        public void AHostsAAndAaaa_AreAskedTogether_IPv4ListedFirst()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Addr("mx.example.org", "2001:db8::1", "192.0.2.1");
            dns.PollsUntilDone = 2;
            MxPlan plan = Plan(dns);
            Assert.Equal(new[] { "example.org MX", "mx.example.org A", "mx.example.org AAAA" }, dns.Begun);
            Assert.Equal(new[] { "192.0.2.1", "2001:db8::1" }, plan.Targets.Select(t => t.Address));
        }

        [Fact]
        public void PreferIPv6_ListsIPv6First()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Addr("mx.example.org", "192.0.2.1", "2001:db8::1");
            MxPlan plan = Plan(dns, settings: new MxSettings { PreferIPv6 = true });
            Assert.Equal(new[] { "2001:db8::1", "192.0.2.1" }, plan.Targets.Select(t => t.Address));
        }

        [Fact]
        public void WithoutIPv6_NoAaaaIsAsked()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Addr("mx.example.org", "192.0.2.1", "2001:db8::1");
            MxPlan plan = Plan(dns, settings: new MxSettings { LookupIPv6 = false });
            Assert.Equal(new[] { "192.0.2.1" }, plan.Targets.Select(t => t.Address));
            Assert.DoesNotContain(dns.Begun, b => b.EndsWith("AAAA"));
        }

        [Fact]
        public void Addresses_StopAtTheCap_AndLaterHostsAreNotAsked()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 10, "a.example.org").Mx(Domain, 20, "b.example.org").Mx(Domain, 30, "c.example.org")
                .Addr("a.example.org", "192.0.2.1", "192.0.2.2", "192.0.2.3")
                .Addr("b.example.org", "192.0.2.4", "192.0.2.5", "192.0.2.6")
                .Addr("c.example.org", "192.0.2.7");
            MxPlan plan = Plan(dns);
            Assert.Equal(new[] { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5" }, plan.Targets.Select(t => t.Address));
            Assert.DoesNotContain(dns.Begun, b => b.StartsWith("c."));
        }

        [Fact]
        public void SameAddressUnderTwoHosts_IsListedOnce()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "a.example.org").Mx(Domain, 20, "b.example.org")
                .Addr("a.example.org", "192.0.2.1").Addr("b.example.org", "192.0.2.1", "192.0.2.2");
            Assert.Equal(new[] { "a.example.org[192.0.2.1]", "b.example.org[192.0.2.2]" }, Targets(Plan(dns)));
        }

        [Fact]
        public void LongMxLists_AreCutAtMaxHosts()
        {
            var dns = new FakeLookups();
            for (int i = 0; i < 12; i++) dns.Mx(Domain, i, "h" + i + ".example.org");
            Plan(dns);
            Assert.Equal(1 + 10 * 2, dns.Begun.Count);
        }

        [Fact]
        public void MxHostThatIsNoHostName_CountsAsNotFound_WithoutALookup()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "bad\\032host.example.org").Mx(Domain, 20, "mx.example.org").Addr("mx.example.org", "192.0.2.1");
            Assert.Equal(new[] { "mx.example.org[192.0.2.1]" }, Targets(Plan(dns)));
            Assert.DoesNotContain(dns.Begun, b => b.StartsWith("bad"));
        }

        [Fact]
        public void DomainThatIsNoDomainName_IsPermanent512_WithoutALookup()
        {
            var dns = new FakeLookups();
            AssertFailure(Plan(dns, domain: "[192.0.2.1]"), 550, "5.1.2");
            Assert.Empty(dns.Begun);
        }

        // ---- CNAMEs ----

        [Fact]
        public void DomainThatIsAnAlias_IsFollowedForItsMx()
        {
            var dns = new FakeLookups().Cname(Domain, "alias1.example.net").Cname("alias1.example.net", "mail.example.net")
                .Mx("mail.example.net", 10, "mx.example.net").Addr("mx.example.net", "192.0.2.1");
            Assert.Equal(new[] { "mx.example.net[192.0.2.1]" }, Targets(Plan(dns)));
            Assert.Equal(new[] { "example.org MX", "alias1.example.net MX", "mail.example.net MX" }, dns.Begun.Take(3));
        }

        [Fact]
        public void MxHostThatIsAnAlias_IsFollowedForItsAddresses()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Cname("mx.example.org", "real.example.net").Addr("real.example.net", "192.0.2.7");
            Assert.Equal(new[] { "mx.example.org[192.0.2.7]" }, Targets(Plan(dns)));
        }

        [Fact]
        public void AliasOfAnAliasWithNoMx_UsesTheLastNamesAddresses()
        {
            var dns = new FakeLookups().Cname(Domain, "www.example.net").Addr("www.example.net", "192.0.2.8");
            MxPlan plan = Plan(dns);
            Assert.True(plan.ImplicitMx);
            Assert.Equal(new[] { "www.example.net[192.0.2.8]" }, Targets(plan));
        }

        private static FakeLookups Chain(int aliases, int type)
        {
            var dns = new FakeLookups();
            string start = type == DnsType.MX ? Domain : "mx.example.org";
            if (type != DnsType.MX) dns.Mx(Domain, 10, start);
            string name = start;
            for (int i = 1; i <= aliases; i++)
            {
                dns.Cname(name, "hop" + i + ".example.net");
                name = "hop" + i + ".example.net";
            }
            if (type == DnsType.MX) dns.Mx(name, 10, "mx.example.net").Addr("mx.example.net", "192.0.2.1");
            else dns.Addr(name, "192.0.2.1");
            return dns;
        }

        [Theory]
        [InlineData(DnsType.MX, 8, true)]
        [InlineData(DnsType.MX, 9, false)]
        [InlineData(DnsType.A, 8, true)]
        [InlineData(DnsType.A, 9, false)]
        public void CnameChains_AreFollowedUpToTheirDepth_ThenFailTemporarily(int type, int aliases, bool delivered)
        {
            MxPlan plan = Plan(Chain(aliases, type), settings: new MxSettings { LookupIPv6 = false });
            if (delivered)
            {
                Assert.Equal("192.0.2.1", Assert.Single(plan.Targets).Address);
                return;
            }
            AssertFailure(plan, 451, "4.4.3");
            Assert.Contains("CNAME chain longer than 8", plan.Failure.Text);
        }

        [Fact]
        public void CnameLoop_EndsAsATemporaryFailure()
        {
            var dns = new FakeLookups().Cname(Domain, "b.example.org").Cname("b.example.org", Domain);
            AssertFailure(Plan(dns), 451, "4.4.3");
            Assert.Equal(9, dns.Begun.Count);
        }

        // ---- Ourselves ----

        [Fact]
        public void MxHostsNoBetterThanOurselves_AreDropped()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 10, "primary.example.org").Mx(Domain, 20, "GW.lan.example.").Mx(Domain, 30, "third.example.org")
                .Addr("primary.example.org", "192.0.2.1").Addr("third.example.org", "192.0.2.3");
            Assert.Equal(new[] { "primary.example.org[192.0.2.1]" }, Targets(Plan(dns)));
            Assert.DoesNotContain(dns.Begun, b => b.StartsWith("gw.") || b.StartsWith("third."));
        }

        [Theory]
        [InlineData(10, 20)]
        [InlineData(10, 10)] // an equal preference goes too, as in Postfix
        public void BestMxIsOurselves_IsALoop554546(int ours, int other)
        {
            var dns = new FakeLookups().Mx(Domain, ours, "gw.lan.example").Mx(Domain, other, "other.example.org").Addr("other.example.org", "192.0.2.2");
            MxPlan plan = Plan(dns);
            AssertFailure(plan, 554, "5.4.6");
            Assert.Equal("Mail for example.org loops back to myself", plan.Failure.Text);
        }

        [Fact]
        public void MxHostWithOneOfOurAddresses_IsOurselves()
        {
            var dns = new FakeLookups()
                .Mx(Domain, 10, "primary.example.org").Mx(Domain, 20, "alias-of-us.example.org").Mx(Domain, 30, "third.example.org")
                .Addr("primary.example.org", "192.0.2.1").Addr("alias-of-us.example.org", "192.0.2.99", "198.51.100.25").Addr("third.example.org", "192.0.2.3");
            Assert.Equal(new[] { "primary.example.org[192.0.2.1]" }, Targets(Plan(dns)));
        }

        [Fact]
        public void OurAddressUnderTheBestMx_IsALoop()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Mx(Domain, 20, "backup.example.org")
                .Addr("mx.example.org", "2001:db8::25").Addr("backup.example.org", "192.0.2.2");
            AssertFailure(Plan(dns, ownAddresses: new[] { "2001:DB8:0::25" }), 554, "5.4.6");
        }

        [Fact]
        public void OurAddressFoundAfterAnEqualPreferenceHost_DropsThatHostToo()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "a.example.org").Mx(Domain, 10, "b.example.org")
                .Addr("a.example.org", "192.0.2.1").Addr("b.example.org", "198.51.100.25");
            // Whatever the shuffle, both go: one is us, the other has our preference.
            for (int seed = 1; seed <= 8; seed++) AssertFailure(Plan(dns, seed: seed), 554, "5.4.6");
        }

        [Fact]
        public void ImplicitMxThatIsOurselves_IsALoop()
        {
            AssertFailure(Plan(new FakeLookups().Addr(Domain, "198.51.100.25")), 554, "5.4.6");
            AssertFailure(Plan(new FakeLookups().Exists(Domain), ownNames: new[] { Domain }), 554, "5.4.6");
        }

        [Fact]
        public void OurselvesBehindABetterHostThatFailedTemporarily_IsTemporary()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "flaky.example.org").Mx(Domain, 20, "gw.lan.example")
                .Status("flaky.example.org", DnsType.A, DnsStatus.Timeout).Status("flaky.example.org", DnsType.AAAA, DnsStatus.Timeout);
            AssertFailure(Plan(dns), 451, "4.4.3");
        }

        // ---- Driving ----

        [Fact]
        public void SlowLookups_GiveTheSamePlan_StepByStep()
        {
            var fast = EqualPreferences();
            var slow = EqualPreferences();
            slow.PollsUntilDone = 3;
            var planner = new MxPlanner(Domain, new string[0], new string[0], new HostRandom(5), new MxSettings());
            planner.Step(slow);
            Assert.False(planner.IsDone);
            Assert.Equal(MxPlannerState.AwaitingMx, planner.State);
            int steps = 1;
            while (!planner.IsDone && steps < 100)
            {
                planner.Step(slow);
                steps++;
            }
            Assert.True(steps > 3);
            Assert.Equal(Targets(Plan(fast, seed: 5, ownNames: new string[0], ownAddresses: new string[0])), Targets(planner.Plan));
            Assert.Equal(0, slow.Running);
        }

        [Fact]
        public void Abandon_CancelsWhatRuns_AndIsTemporary()
        {
            var dns = new FakeLookups().Mx(Domain, 10, "mx.example.org").Addr("mx.example.org", "192.0.2.1");
            dns.PollsUntilDone = 1;
            var planner = new MxPlanner(Domain, null, null, new HostRandom(1), new MxSettings());
            planner.Step(dns);
            planner.Step(dns); // MX done, A and AAAA begun
            Assert.Equal(2, dns.Running);
            planner.Abandon(dns);
            Assert.Equal(0, dns.Running);
            Assert.True(planner.IsDone);
            Assert.Equal((451, "4.4.3"), (planner.Plan.Failure.Code, planner.Plan.Failure.Enhanced));
        }
    }
}
