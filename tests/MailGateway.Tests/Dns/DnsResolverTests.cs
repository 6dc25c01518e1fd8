// DnsResolver, the core's IDnsLookups, over an in-memory transport: lookups begun, pumped and
// collected; the cap on lookups at once and their turns; the socket budget shared by many lookups
// (each still takes only its own answer, and the source port keeps changing under steady load);
// the TCP retry through a connect that takes a while, a small send buffer and reads of a few
// bytes, one connection at a time; transport failures as values; no socket left open.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Dns
{
    public class DnsResolverTests
    {
        private static readonly DnsServer V4 = new DnsServer("127.0.0.1", 5301);
        private static readonly DnsServer V6 = new DnsServer("::1", 5302);

        private static DnsResolver Resolver(FakeDnsTransport transport, DnsSettings settings = null, params DnsServer[] servers)
            => new DnsResolver(transport, servers.Length == 0 ? new[] { V4, V6 } : servers, new HostRandom(3), settings ?? new DnsSettings());

        private static byte[] AnswerA(DnsMessage query, string address) => FakeDnsTransport.Reply(query, 0, 1, w => w.A(query.QuestionName, address));

        [Fact]
        public void Lookup_IsSentOnPump_AndItsResultCollectedOnce()
        {
            var net = new FakeDnsTransport { Responder = (q, a, p, tcp) => AnswerA(q, "192.0.2.1") };
            var resolver = Resolver(net);
            int handle = resolver.Begin("mx.example.org", DnsType.A);
            Assert.Null(resolver.Poll(handle));
            Assert.Equal(0, resolver.PollDeadline()); // queued: due now
            Assert.Empty(net.Datagrams);

            resolver.Pump(0);
            var sent = Assert.Single(net.Datagrams);
            Assert.Equal(("127.0.0.1", 5301, "mx.example.org"), (sent.Address, sent.Port, sent.Query.QuestionName));
            Assert.Equal(3000, resolver.PollDeadline());
            Assert.Null(resolver.Poll(handle));

            resolver.Pump(5);
            DnsResult result = resolver.Poll(handle);
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Equal("192.0.2.1", Assert.Single(result.Records).Address);
            Assert.Empty(net.Open);
            Assert.Equal(0, resolver.Count);
            Assert.Throws<InvalidOperationException>(() => resolver.Poll(handle));
            Assert.Equal(DnsResolver.NoDeadline, resolver.PollDeadline());
        }

        [Fact]
        public void SilentServer_TimesOut_ThenTheNextServerOnItsOwnSocketFamily()
        {
            var net = new FakeDnsTransport();
            var resolver = Resolver(net);
            int handle = resolver.Begin("example.org", DnsType.MX);
            resolver.Pump(0);
            resolver.Pump(2999);
            Assert.Single(net.Datagrams);
            resolver.Pump(resolver.PollDeadline());
            Assert.Equal(new[] { "127.0.0.1", "::1" }, net.Datagrams.Select(d => d.Address));
            Assert.Equal(new[] { false, true }, net.UdpFamilies);
            for (int i = 0; i < 10 && resolver.Poll(handle) == null; i++) resolver.Pump(resolver.PollDeadline());
            Assert.Equal(4, net.Datagrams.Count);
            Assert.Empty(net.Open);
        }

        [Fact]
        public void LookupsAtOnce_AreCapped_AndTheRestWait()
        {
            var net = new FakeDnsTransport { Responder = (q, a, p, tcp) => AnswerA(q, "192.0.2.1") };
            var resolver = Resolver(net, new DnsSettings { MaxConcurrentLookups = 2 });
            int[] handles = Enumerable.Range(0, 5).Select(i => resolver.Begin("h" + i + ".example", DnsType.A)).ToArray();
            resolver.Pump(0);
            Assert.Equal(2, net.Datagrams.Count);
            Assert.Equal(2, net.Open.Count);
            resolver.Pump(1); // the first two finish; two more start in the same pass
            Assert.Equal(4, net.Datagrams.Count);
            resolver.Pump(2);
            resolver.Pump(3);
            Assert.All(handles, h => Assert.Equal(DnsStatus.Ok, resolver.Poll(h).Status));
            Assert.Equal(new[] { "h0.example", "h1.example", "h2.example", "h3.example", "h4.example" }, net.Datagrams.Select(d => d.Query.QuestionName));
            Assert.Empty(net.Open);
        }

        [Fact]
        public void LookupAboutToTryAgain_StepsBehindTheWaitingOnes()
        {
            var net = new FakeDnsTransport
            {
                RoundTripMs = 20,
                Responder = (q, a, p, tcp) => q.QuestionName.StartsWith("dead") ? null : AnswerA(q, "192.0.2.1"),
            };
            var resolver = Resolver(net, new DnsSettings { MaxConcurrentLookups = 1 }, V4);
            int dead = resolver.Begin("dead.example", DnsType.A);
            int alive = resolver.Begin("alive.example", DnsType.A);
            resolver.Pump(0);
            Assert.Equal(3000, resolver.PollDeadline());
            net.NowMs = 3000;
            resolver.Pump(3000); // the dead one's try ran out: it waits behind the other
            Assert.Equal(new[] { "dead.example", "alive.example" }, net.Datagrams.Select(d => d.Query.QuestionName));
            net.NowMs = 3020;
            resolver.Pump(3020); // the answer comes, and the dead one has its next try at once
            Assert.Equal(DnsStatus.Ok, resolver.Poll(alive).Status);
            Assert.Equal(new[] { "dead.example", "alive.example", "dead.example" }, net.Datagrams.Select(d => d.Query.QuestionName));
            Assert.Null(resolver.Poll(dead));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void ManyLookupsInFlight_ShareTheSocketBudget_AndEachTakesItsOwnAnswer(int perFamily)
        {
            var net = new FakeDnsTransport
            {
                RoundTripMs = 5,
                Responder = (q, a, p, tcp) => AnswerA(q, "192.0.2." + q.QuestionName.Split('.')[0].Substring(1)),
            };
            var resolver = Resolver(net, new DnsSettings { MaxConcurrentLookups = 30, UdpSocketsPerFamily = perFamily }, V4);
            int[] handles = Enumerable.Range(0, 30).Select(i => resolver.Begin("h" + i + ".example", DnsType.A)).ToArray();
            resolver.Pump(0);
            Assert.Equal(30, net.Datagrams.Count);
            Assert.Equal(perFamily, net.Open.Count);
            Assert.Equal(perFamily, resolver.OpenSockets);
            var results = new DnsResult[handles.Length];
            for (long now = 5; now < 10 && results.Contains(null); now++)
            {
                net.NowMs = now;
                resolver.Pump(now); // at most 16 datagrams per socket per pass
                for (int i = 0; i < handles.Length; i++) results[i] ??= resolver.Poll(handles[i]);
            }
            Assert.All(Enumerable.Range(0, 30), i => Assert.Equal("192.0.2." + i, Assert.Single(results[i].Records).Address));
            Assert.Empty(net.Open);
            Assert.Equal(0, resolver.OpenSockets);
        }

        [Fact]
        public void SocketBudget_IsPerAddressFamily()
        {
            var net = new FakeDnsTransport();
            var resolver = Resolver(net, new DnsSettings { MaxConcurrentLookups = 10 });
            for (int i = 0; i < 10; i++) resolver.Begin("h" + i + ".example", DnsType.A);
            resolver.Pump(0);
            Assert.Equal(new[] { false, false }, net.UdpFamilies);
            resolver.Pump(3000); // every first try to 127.0.0.1 ran out; the second ones go to ::1
            Assert.Equal(new[] { false, false, true, true }, net.UdpFamilies);
            Assert.Equal(4, net.Open.Count); // the IPv4 ones stay open: a late answer is still welcome
            Assert.Equal(20, net.Datagrams.Count);
        }

        [Fact]
        public void SteadyLoad_StillChangesTheSourcePort_WithinTheBudget()
        {
            var net = new FakeDnsTransport { RoundTripMs = 20, Responder = (q, a, p, tcp) => AnswerA(q, "192.0.2.1") };
            var resolver = Resolver(net, null, V4);
            var running = new List<int>();
            int mostOpen = 0;
            for (long now = 0; now < 1000; now += 5) // a lookup every 5 ms, four in flight at any time
            {
                net.NowMs = now;
                running.Add(resolver.Begin("h" + now + ".example", DnsType.A));
                resolver.Pump(now);
                mostOpen = Math.Max(mostOpen, net.Open.Count);
                running.RemoveAll(h => resolver.Poll(h) != null);
            }
            Assert.Equal(200, net.Datagrams.Count);
            Assert.Equal(2, mostOpen);
            Assert.True(net.UdpFamilies.Count >= 200 / 16, "only " + net.UdpFamilies.Count + " sockets for 200 queries");
        }

        [Fact]
        public void Cancel_OfOneLookup_LeavesASharedSocketToTheOthers()
        {
            var net = new FakeDnsTransport { RoundTripMs = 10, Responder = (q, a, p, tcp) => AnswerA(q, "192.0.2.1") };
            var resolver = Resolver(net, new DnsSettings { UdpSocketsPerFamily = 1 }, V4);
            int first = resolver.Begin("a.example", DnsType.A);
            int second = resolver.Begin("b.example", DnsType.A);
            resolver.Pump(0);
            Assert.Single(net.Open);
            resolver.Cancel(first);
            Assert.Single(net.Open);
            net.NowMs = 10;
            resolver.Pump(10);
            Assert.Equal(DnsStatus.Ok, resolver.Poll(second).Status);
            Assert.Empty(net.Open);
        }

        [Fact]
        public void TruncatedAnswers_TakeTurnsForTheTcpConnection()
        {
            var net = new FakeDnsTransport
            {
                ConnectPolls = 2,
                ReadChunk = 64,
                Responder = (q, a, p, tcp) => tcp ? AnswerA(q, "192.0.2.7") : FakeDnsTransport.Reply(q, 0, 0, null, truncated: true),
            };
            var resolver = Resolver(net, null, V4);
            int[] handles = Enumerable.Range(0, 3).Select(i => resolver.Begin("h" + i + ".example", DnsType.A)).ToArray();
            var results = new DnsResult[handles.Length];
            int mostTcp = 0;
            for (int now = 0; now < 200 && results.Contains(null); now++)
            {
                resolver.Pump(now);
                mostTcp = Math.Max(mostTcp, net.OpenTcp);
                for (int i = 0; i < handles.Length; i++) results[i] ??= resolver.Poll(handles[i]);
            }
            Assert.All(results, r => Assert.EndsWith("over TCP", r.Detail));
            Assert.Equal(1, mostTcp);
            Assert.Equal(3, net.TcpQueries.Count);
            Assert.Empty(net.Open);
        }

        [Theory]
        [InlineData(0, 2, 1)]
        [InlineData(1, 0, 1)]
        [InlineData(1, 16, 1)]
        [InlineData(1, 2, 0)]
        public void SettingsWithoutRoomForALookup_AreACallerBug(int lookups, int socketsPerFamily, int tcpConnections)
        {
            var settings = new DnsSettings { MaxConcurrentLookups = lookups, UdpSocketsPerFamily = socketsPerFamily, MaxTcpConnections = tcpConnections };
            Assert.Throws<ArgumentException>(() => Resolver(new FakeDnsTransport(), settings));
        }

        [Fact]
        public void TruncatedAnswer_IsAskedAgainOverTcp_ThroughASlowConnectAndSmallReads()
        {
            var net = new FakeDnsTransport
            {
                ConnectPolls = 2,
                ReadChunk = 3,
                Responder = (q, a, p, tcp) => tcp
                    ? FakeDnsTransport.Reply(q, 0, 3, w => w.Mx(q.QuestionName, 10, "mx1.example.org").Mx(q.QuestionName, 20, "mx2.example.org").Mx(q.QuestionName, 30, "mx3.example.org"))
                    : FakeDnsTransport.Reply(q, 0, 0, null, truncated: true),
            };
            var resolver = Resolver(net);
            int handle = resolver.Begin("example.org", DnsType.MX);
            DnsResult result = null;
            for (int now = 0; now < 200 && result == null; now++)
            {
                resolver.Pump(now);
                result = resolver.Poll(handle);
            }
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Equal(3, result.Records.Length);
            Assert.EndsWith("over TCP", result.Detail);
            var tcpQuery = Assert.Single(net.TcpQueries);
            Assert.Equal(("127.0.0.1", 5301, "example.org"), (tcpQuery.Address, tcpQuery.Port, tcpQuery.Query.QuestionName));
            Assert.Single(net.Datagrams);
            Assert.Empty(net.Open);
        }

        [Fact]
        public void MxAnswerOf200Records_OverTcp_IsPlannedFromTheBestHosts()
        {
            var random = new Random(200);
            int[] preferences = Enumerable.Range(0, 200).OrderBy(_ => random.Next()).ToArray();
            var net = new FakeDnsTransport
            {
                ReadChunk = 512,
                Responder = (q, a, p, tcp) => q.QuestionType switch
                {
                    DnsType.MX when !tcp => FakeDnsTransport.Reply(q, 0, 0, null, truncated: true),
                    DnsType.MX => FakeDnsTransport.Reply(q, 0, 200, w =>
                    {
                        for (int i = 0; i < 200; i++) w.Mx(q.QuestionName, preferences[i], "mx" + i + ".example.org");
                    }),
                    DnsType.A => AnswerA(q, "10.0.0." + q.QuestionName.Split('.')[0].Substring(2)),
                    _ => FakeDnsTransport.Reply(q, 0, 0, null),
                },
            };
            var resolver = Resolver(net, null, V4);
            var planner = new MxPlanner("example.org", new string[0], new string[0], new HostRandom(1), new MxSettings());
            for (int now = 0; now < 1000 && !planner.IsDone; now++)
            {
                resolver.Pump(now);
                planner.Step(resolver);
            }
            Assert.True(planner.Plan.Succeeded, planner.Plan?.ToString());
            string[] best = Enumerable.Range(0, 5).Select(p => Array.IndexOf(preferences, p)).Select(i => "mx" + i + ".example.org[10.0.0." + i + "]").ToArray();
            Assert.Equal(best, planner.Plan.Targets.Select(t => t.ToString()));
            Assert.Empty(net.Open);
        }

        [Fact]
        public void TcpConnectRefused_GoesOnOverUdp()
        {
            int udpQueries = 0;
            var net = new FakeDnsTransport
            {
                ConnectResult = -1,
                Responder = (q, a, p, tcp) => ++udpQueries == 1 ? FakeDnsTransport.Reply(q, 0, 0, null, truncated: true) : AnswerA(q, "192.0.2.9"),
            };
            var resolver = Resolver(net);
            int handle = resolver.Begin("h.example", DnsType.A);
            resolver.Pump(0);
            resolver.Pump(1); // TC → connect → refused → next UDP try to the other server
            resolver.Pump(2);
            DnsResult result = resolver.Poll(handle);
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Equal(new[] { "127.0.0.1", "::1" }, net.Datagrams.Select(d => d.Address));
            Assert.Empty(net.Open);
        }

        [Theory]
        [InlineData("no socket")]
        [InlineData("socket throws")]
        [InlineData("send fails")]
        public void TransportThatFails_EndsUnreachable(string how)
        {
            var net = new FakeDnsTransport { FailOpenUdp = how == "no socket", ThrowOnOpenUdp = how == "socket throws", FailSendTo = how == "send fails" };
            var resolver = Resolver(net);
            int handle = resolver.Begin("h.example", DnsType.A);
            resolver.Pump(0);
            DnsResult result = resolver.Poll(handle);
            Assert.Equal(DnsStatus.Unreachable, result.Status);
            Assert.Empty(net.Open);
        }

        [Fact]
        public void NoServers_GiveUnreachableWithoutAPump()
        {
            var resolver = new DnsResolver(new FakeDnsTransport(), new DnsServer[0], new HostRandom(1), new DnsSettings());
            Assert.Equal(DnsStatus.Unreachable, resolver.Poll(resolver.Begin("h.example", DnsType.A)).Status);
        }

        [Fact]
        public void Cancel_ClosesTheLookupsSockets_AndForgetsIt()
        {
            var net = new FakeDnsTransport();
            var resolver = Resolver(net);
            int handle = resolver.Begin("h.example", DnsType.A);
            resolver.Pump(0);
            Assert.Single(net.Open);
            resolver.Cancel(handle);
            Assert.Empty(net.Open);
            Assert.Equal(0, resolver.Count);
            resolver.Cancel(handle); // twice is harmless
        }

        [Fact]
        public void FloodOfDatagrams_IsReadAFewAtATime()
        {
            var net = new FakeDnsTransport();
            var resolver = Resolver(net);
            int handle = resolver.Begin("h.example", DnsType.A);
            resolver.Pump(0);
            int udp = net.UdpSockets.Single();
            for (int i = 0; i < 100; i++) net.Inject(udp, new byte[] { 1, 2, 3 }, "127.0.0.1", 5301);
            resolver.Pump(1);
            Assert.Equal(100 - 16, net.Waiting(udp));
            net.Inject(udp, AnswerA(net.Datagrams[0].Query, "192.0.2.5"), "127.0.0.1", 5301);
            DnsResult result = null;
            for (int i = 0; i < 10 && result == null; i++)
            {
                resolver.Pump(2 + i);
                result = resolver.Poll(handle);
            }
            Assert.Equal(DnsStatus.Ok, result.Status);
            Assert.Empty(net.Open); // the answer behind the flood was read in the end
        }
    }
}
