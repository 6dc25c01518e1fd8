// Fair service under pressure, measured in virtual time on the in-memory transport: lookups for
// domains whose name servers are dead (the recursive server never answers for them) must not hold
// up a lookup for a healthy domain, must not take more than the socket budget, and must still get
// their own tries; a dead server listed first in dns.servers must cost only the first lookup its
// timeout, and be asked again once its hold is over. No clock and no sleeps: the driver jumps
// from one event (a reply landing, a deadline) to the next.
//
// Before this design (4 lookups at once, each holding its own socket, servers always asked in
// list order) a healthy lookup begun behind 4 dead ones finished after 12 020 ms, behind 8 after
// 24 020 ms, behind 20 after 60 020 ms; with a dead first server every lookup took 3 020 ms.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Platform;
using Xunit.Abstractions;

namespace MailGateway.Tests.Dns
{
    public class DnsFairnessTests
    {
        private const int RoundTripMs = 20;
        private const string DeadDomain = ".dead.example";
        private static readonly DnsServer Good = new DnsServer("127.0.0.1", 5301);
        private static readonly DnsServer Good2 = new DnsServer("127.0.0.3", 5303);
        private static readonly DnsServer Dead = new DnsServer("127.0.0.2", 5302);

        private readonly ITestOutputHelper _output;

        public DnsFairnessTests(ITestOutputHelper output)
        {
            _output = output;
        }

        /// <summary>
        /// Recursive servers at the live addresses that answer every name but *.dead.example (whose
        /// own name servers are dead) after RoundTripMs; any other address is a dead server.
        /// </summary>
        private static FakeDnsTransport Network(params DnsServer[] live) => new FakeDnsTransport
        {
            RoundTripMs = RoundTripMs,
            Responder = (q, address, port, tcp) =>
                !live.Any(s => s.Address == address) || q.QuestionName.EndsWith(DeadDomain) ? null
                : FakeDnsTransport.Reply(q, 0, 1, w => w.A(q.QuestionName, "192.0.2.1")),
        };

        private sealed class Run
        {
            public readonly FakeDnsTransport Net;
            public readonly DnsResolver Resolver;
            public int MostSocketsOpen;

            public Run(FakeDnsTransport net, DnsSettings settings, params DnsServer[] servers)
            {
                Net = net;
                Resolver = new DnsResolver(net, servers, new HostRandom(5), settings ?? new DnsSettings());
            }

            public int Begin(string name) => Resolver.Begin(name, DnsType.A);

            /// <summary>Pumps now, then from event to event until handle has a result; returns it and when it came.</summary>
            public (DnsResult Result, long AtMs) Until(int handle, long limitMs = 600_000)
            {
                while (true)
                {
                    Resolver.Pump(Net.NowMs);
                    MostSocketsOpen = Math.Max(MostSocketsOpen, Net.Open.Count);
                    Assert.Equal(Net.Open.Count, Resolver.OpenSockets);
                    DnsResult result = Resolver.Poll(handle);
                    if (result != null) return (result, Net.NowMs);
                    long next = Math.Min(Resolver.PollDeadline(), Net.NextArrivalMs);
                    Assert.True(next <= limitMs, "nothing happens before " + limitMs + " ms");
                    Net.NowMs = Math.Max(Net.NowMs, next);
                }
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(4)]
        [InlineData(7)]
        public void HealthyLookup_BegunAfterDeadOnes_FinishesInOneRoundTrip(int dead)
        {
            var run = new Run(Network(Good), null, Good);
            int[] deadHandles = Enumerable.Range(0, dead).Select(i => run.Begin("mx" + i + DeadDomain)).ToArray();
            run.Resolver.Pump(0);
            run.Net.NowMs = 1;
            var (result, atMs) = run.Until(run.Begin("mx.alive.example"));
            _output.WriteLine(dead + " dead lookups in flight: the healthy one finished at " + atMs + " ms, " + run.MostSocketsOpen + " sockets open at most");
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Equal(1 + RoundTripMs, atMs);
            Assert.InRange(run.MostSocketsOpen, 1, new DnsSettings().UdpSocketsPerFamily);

            // The dead ones still get all their tries, and then nothing is left open.
            foreach (int handle in deadHandles)
            {
                var (deadResult, _) = run.Until(handle);
                Assert.Equal((DnsStatus.Timeout, "no answer after 4 tries"), (deadResult.Status, deadResult.Detail));
            }
            Assert.Empty(run.Net.Open);
        }

        [Theory]
        [InlineData(8, 3000 + RoundTripMs)]  // a full round ahead: it steps back after its first try
        [InlineData(20, 6000 + RoundTripMs)] // two and a half rounds ahead
        public void HealthyLookup_BehindMoreDeadOnesThanRunAtOnce_WaitsOneTryTimeoutPerRoundAhead(int dead, long expectedMs)
        {
            var run = new Run(Network(Good), null, Good);
            int[] deadHandles = Enumerable.Range(0, dead).Select(i => run.Begin("mx" + i + DeadDomain)).ToArray();
            run.Resolver.Pump(0);
            run.Net.NowMs = 1;
            var (result, atMs) = run.Until(run.Begin("mx.alive.example"));
            _output.WriteLine(dead + " dead lookups ahead: the healthy one finished at " + atMs + " ms");
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Equal(expectedMs, atMs);

            long lastMs = 0;
            foreach (int handle in deadHandles)
            {
                var (deadResult, deadAtMs) = run.Until(handle);
                Assert.Equal("no answer after 4 tries", deadResult.Detail);
                lastMs = Math.Max(lastMs, deadAtMs);
            }
            // Every dead lookup had its 4 tries of 3 s; they took turns, none was starved.
            Assert.InRange(lastMs, 12_000, 3000L * 4 * ((dead + 7) / 8) + 3000);
            Assert.InRange(run.MostSocketsOpen, 1, new DnsSettings().UdpSocketsPerFamily);
            Assert.Empty(run.Net.Open);
        }

        [Fact]
        public void DeadServerListedFirst_CostsOnlyTheFirstLookupItsTimeout()
        {
            var run = new Run(Network(Good), null, Dead, Good);
            var took = new List<long>();
            for (int i = 0; i < 5; i++)
            {
                long begunMs = run.Net.NowMs;
                var (result, atMs) = run.Until(run.Begin("mx" + i + ".alive.example"));
                Assert.Equal(DnsStatus.Ok, result.Status);
                took.Add(atMs - begunMs);
                run.Net.NowMs = atMs + 500;
            }
            _output.WriteLine("with a dead first server, lookups took " + string.Join(", ", took) + " ms");
            Assert.Equal(new long[] { 3000 + RoundTripMs, RoundTripMs, RoundTripMs, RoundTripMs, RoundTripMs }, took);
            Assert.Single(run.Net.Datagrams, d => d.Address == Dead.Address);
        }

        [Fact]
        public void DeadServer_IsAskedAgainWhenItsHoldIsOver_AndHeldTwiceAsLongIfStillSilent()
        {
            var run = new Run(Network(Good), null, Dead, Good);
            long Lookup(long atMs)
            {
                run.Net.NowMs = atMs;
                var (result, doneMs) = run.Until(run.Begin("h" + atMs + ".alive.example"));
                Assert.Equal(DnsStatus.Ok, result.Status);
                return doneMs - atMs;
            }
            // Silent at 3000: held until 8000. Asked again at 9000, silent at 12000: held until 22000.
            Assert.Equal(3000 + RoundTripMs, Lookup(0));
            Assert.Equal(RoundTripMs, Lookup(7_000));
            Assert.Equal(3000 + RoundTripMs, Lookup(9_000));
            Assert.Equal(RoundTripMs, Lookup(21_000));
            Assert.Equal(3000 + RoundTripMs, Lookup(23_000));
        }

        [Fact]
        public void DeadServerThatComesBack_IsAskedFirstAgain()
        {
            var net = Network(Good);
            var run = new Run(net, null, Dead, Good);
            run.Until(run.Begin("a.alive.example"));
            net.Responder = Network(Good, Dead).Responder; // it is back
            run.Net.NowMs = 10_000;                        // and its hold is over
            var (result, atMs) = run.Until(run.Begin("b.alive.example"));
            Assert.Equal(10_000 + RoundTripMs, atMs);
            Assert.EndsWith("from 127.0.0.2:5302 over UDP", result.Detail);
            run.Net.NowMs = 10_100;
            Assert.EndsWith("from 127.0.0.2:5302 over UDP", run.Until(run.Begin("c.alive.example")).Result.Detail);
        }

        [Fact]
        public void SlowName_DoesNotHoldDownItsServer()
        {
            // The first server answers others while a dead domain's try to it times out.
            var run = new Run(Network(Good, Good2), null, Good, Good2);
            int slow = run.Begin("mx" + DeadDomain);
            run.Resolver.Pump(0);
            run.Net.NowMs = 100;
            run.Until(run.Begin("a.alive.example"));
            run.Until(slow);
            int before = run.Net.Datagrams.Count;
            run.Until(run.Begin("b.alive.example"));
            Assert.Equal(Good.Address, run.Net.Datagrams[before].Address);
        }
    }
}
