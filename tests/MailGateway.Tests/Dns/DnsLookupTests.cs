// DnsLookup, the sans-I/O transaction, driven by hand with a fake clock: which datagrams count
// (RFC 5452: source, ID and question must match), tries and timeouts rotating over the servers,
// error RCODEs, FORMERR without EDNS (RFC 6891 §7), and the TCP retry after TC (RFC 7766) with its
// answer fed in every split.
using MailGateway.Core.Dns;
using MailGateway.Emulator.Platform;
using MailGateway.Tests.Text;

namespace MailGateway.Tests.Dns
{
    public class DnsLookupTests
    {
        private static readonly DnsServer First = new DnsServer("127.0.0.1", 5301);
        private static readonly DnsServer Second = new DnsServer("::1", 5302);

        private static DnsLookup Lookup(string name = "example.org", int type = DnsType.MX, DnsSettings settings = null, params DnsServer[] servers)
            => new DnsLookup(name, type, servers.Length == 0 ? new[] { First, Second } : servers, new HostRandom(7), settings ?? new DnsSettings());

        /// <summary>Takes the next datagram; asserts there is one.</summary>
        private static (DnsMessage Query, DnsServer To) Take(DnsLookup lookup, long nowMs)
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes];
            int n = lookup.PollDatagram(buffer, 0, nowMs, out DnsServer to);
            Assert.True(n > 0, "no datagram to send in state " + lookup.State);
            return (DnsMessage.Parse(buffer, 0, n), to);
        }

        private static void Receive(DnsLookup lookup, byte[] datagram, DnsServer from, long nowMs = 0)
            => lookup.ReceiveDatagram(datagram, 0, datagram.Length, from.Address, from.Port, nowMs);

        private static byte[] MxAnswer(int id, int rcode = 0, string name = "example.org", bool truncated = false)
            => Wire.Answer(id, name, DnsType.MX, rcode, rcode == 0 && !truncated ? 2 : 0, w =>
            {
                if (rcode != 0 || truncated) return;
                w.Mx(name, 10, "mx1.example.org").Mx(name, 20, "mx2.example.org");
            }, truncated);

        [Fact]
        public void FirstTry_GoesToTheFirstServer_WithTheLookupsIdAndQuestion()
        {
            var lookup = Lookup();
            Assert.Equal(DnsLookupState.ReadyToSend, lookup.State);
            var (query, to) = Take(lookup, 1000);
            Assert.Same(First, to);
            Assert.Equal(lookup.Id, query.Id);
            Assert.Equal(("example.org", DnsType.MX, DnsType.ClassIN), (query.QuestionName, query.QuestionType, query.QuestionClass));
            Assert.Equal(DnsMessage.FlagRecursionDesired, query.Flags);
            Assert.Equal(1, query.AdditionalCount); // EDNS0
            Assert.Equal(DnsLookupState.AwaitingDatagram, lookup.State);
            Assert.Equal(1000 + new DnsSettings().TryTimeoutMs, lookup.PollDeadline());
            Assert.Equal(0, lookup.PollDatagram(new byte[DnsMessage.MaxQueryBytes], 0, 1000, out _));
        }

        [Fact]
        public void TheId_ComesFromTheCallersRandom()
        {
            var ids = Enumerable.Range(1, 20).Select(seed => new DnsLookup("a.example", DnsType.A, new[] { First }, new HostRandom(seed), new DnsSettings()).Id).ToArray();
            Assert.True(ids.Distinct().Count() > 15);
            Assert.All(ids, id => Assert.InRange(id, 0, 65535));
            Assert.Equal(ids[0], new DnsLookup("b.example", DnsType.A, new[] { First }, new HostRandom(1), new DnsSettings()).Id);
        }

        [Fact]
        public void Answer_FromTheAskedServer_EndsTheLookup()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id), First, 10);
            Assert.True(lookup.IsDone);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
            Assert.Equal(new[] { "mx1.example.org", "mx2.example.org" }, lookup.Result.Records.Select(r => r.Target));
            Assert.Equal("from 127.0.0.1:5301 over UDP", lookup.Result.Detail);
            Assert.Equal(DnsLookup.NoDeadline, lookup.PollDeadline());
            Assert.Equal(0, lookup.IgnoredDatagrams);
        }

        public static TheoryData<string, Func<int, byte[]>, string, int> Impostors => new()
        {
            { "another ID", id => MxAnswer(id ^ 1), "127.0.0.1", 5301 },
            { "another source address", id => MxAnswer(id), "127.0.0.2", 5301 },
            { "another source port", id => MxAnswer(id), "127.0.0.1", 5399 },
            { "a server not asked yet", id => MxAnswer(id), "::1", 5302 },
            { "no source", id => MxAnswer(id), null, 5301 },
            { "another name", id => MxAnswer(id, name: "example.net"), "127.0.0.1", 5301 },
            { "another type", id => Wire.Answer(id, "example.org", DnsType.A, 0, 0, null), "127.0.0.1", 5301 },
            { "another class", id => new Wire().ResponseHeader(id, 0, 1, 0).Question("example.org", DnsType.MX, 3).ToArray(), "127.0.0.1", 5301 },
            { "two questions", id => new Wire().ResponseHeader(id, 0, 2, 0).Question("example.org", DnsType.MX).Question("example.org", DnsType.MX).ToArray(), "127.0.0.1", 5301 },
            { "no question", id => new Wire().ResponseHeader(id, 0, 0, 0).ToArray(), "127.0.0.1", 5301 },
            { "a query, not a response", id => new Wire().Header(id, 0x0100, 1, 0).Question("example.org", DnsType.MX).ToArray(), "127.0.0.1", 5301 },
            { "another opcode", id => new Wire().Header(id, 0x8000 | (2 << 11), 1, 0).Question("example.org", DnsType.MX).ToArray(), "127.0.0.1", 5301 },
            { "11 bytes", id => new byte[] { (byte)(id >> 8), (byte)id, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0 }, "127.0.0.1", 5301 },
            { "unreadable", id => new Wire().ResponseHeader(id, 0, 1, 1).Question("example.org", DnsType.MX).U8(0xC0).ToArray(), "127.0.0.1", 5301 },
            { "truncated, for another question", id => MxAnswer(id, name: "example.net", truncated: true), "127.0.0.1", 5301 },
            { "NXDOMAIN from another source", id => MxAnswer(id, rcode: 3), "192.0.2.66", 5301 },
        };

        [Theory]
        [MemberData(nameof(Impostors))]
        public void DatagramThatDoesNotMatch_IsIgnored_AndTheRealAnswerStillCounts(string what, Func<int, byte[]> datagram, string address, int port)
        {
            var lookup = Lookup();
            Take(lookup, 0);
            byte[] bytes = datagram(lookup.Id);
            lookup.ReceiveDatagram(bytes, 0, bytes.Length, address, port, 5);
            Assert.True(DnsLookupState.AwaitingDatagram == lookup.State, what);
            Assert.Equal(1, lookup.IgnoredDatagrams);
            Receive(lookup, MxAnswer(lookup.Id), First, 6);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
        }

        [Fact]
        public void QuestionNameInOtherCase_StillMatches()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id, name: "EXAMPLE.Org"), First);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
        }

        [Fact]
        public void MxAnswerLongerThanMaxAnswerRecords_EndsOk_WithTheBestOnes()
        {
            var lookup = Lookup(settings: new DnsSettings { MaxAnswerRecords = 10 });
            Take(lookup, 0);
            byte[] answer = Wire.Answer(lookup.Id, "example.org", DnsType.MX, 0, 20, w =>
            {
                for (int i = 0; i < 20; i++) w.Mx("example.org", 100 - i, "mx" + i + ".example.org");
            });
            Receive(lookup, answer, First, 5);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
            Assert.Equal(Enumerable.Range(10, 10).Select(i => 100 - i), lookup.Result.Records.Select(r => r.Preference));
        }

        [Fact]
        public void Timeout_MovesToTheNextServer_UntilTheTriesAreUsedUp()
        {
            var lookup = Lookup();
            var sentTo = new List<DnsServer>();
            long now = 0;
            for (int i = 0; i < 4; i++)
            {
                sentTo.Add(Take(lookup, now).To);
                long deadline = lookup.PollDeadline();
                Assert.Equal(now + 3000, deadline);
                lookup.HandleDeadline(deadline - 1);
                Assert.Equal(DnsLookupState.AwaitingDatagram, lookup.State);
                now = deadline;
                lookup.HandleDeadline(now);
            }
            Assert.Equal(new[] { First, Second, First, Second }, sentTo);
            Assert.True(lookup.IsDone);
            Assert.Equal(DnsStatus.Timeout, lookup.Result.Status);
            Assert.Equal("no answer after 4 tries", lookup.Result.Detail);
            Assert.Equal(4, lookup.TriesStarted);
        }

        // ---- Server health shared between lookups ----

        private static DnsLookup LookupWith(DnsServerHealth health, params DnsServer[] servers)
            => new DnsLookup("example.org", DnsType.MX, servers.Length == 0 ? new[] { First, Second } : servers, new HostRandom(7), new DnsSettings(), health);

        [Fact]
        public void SilentServer_IsAskedLast_ByTheLookupsAfterIt()
        {
            var health = new DnsServerHealth(2, new DnsSettings());
            var first = LookupWith(health);
            Assert.Same(First, Take(first, 0).To);
            first.HandleDeadline(3000);
            Assert.Same(Second, Take(first, 3000).To);
            Receive(first, MxAnswer(first.Id), Second, 3010);

            var next = LookupWith(health);
            var sentTo = new List<DnsServer>();
            long now = 4000;
            for (int i = 0; i < 4; i++)
            {
                sentTo.Add(Take(next, now).To);
                now = next.PollDeadline();
                next.HandleDeadline(now);
            }
            // Second fell silent too (at 7000): both held down, so the turn order is back.
            Assert.Equal(new[] { Second, First, Second, First }, sentTo);
        }

        [Fact]
        public void EveryServerHeldDown_IsStillAsked_InTurn()
        {
            var health = new DnsServerHealth(2, new DnsSettings());
            health.Silent(0, 0, 3000);
            health.Silent(1, 0, 3000);
            var lookup = LookupWith(health);
            Assert.Same(First, Take(lookup, 3000).To);
            lookup.HandleDeadline(6000);
            Assert.Same(Second, Take(lookup, 6000).To);
        }

        [Fact]
        public void AnswerFromAHeldDownServer_EndsItsHold()
        {
            var health = new DnsServerHealth(1, new DnsSettings());
            health.Silent(0, 0, 3000);
            var lookup = LookupWith(health, First);
            Take(lookup, 3000);
            Receive(lookup, MxAnswer(lookup.Id, rcode: 2), First, 3010); // even SERVFAIL says it is alive
            Assert.False(health.IsHeldDown(0, 3010));
        }

        [Fact]
        public void ImpostorFromAHeldDownServersAddress_DoesNotEndItsHold()
        {
            var health = new DnsServerHealth(2, new DnsSettings());
            health.Silent(0, 0, 3000);
            var lookup = LookupWith(health);
            Assert.Same(Second, Take(lookup, 3000).To);
            Receive(lookup, MxAnswer(lookup.Id), First, 3010); // First was not asked by this lookup
            Assert.True(health.IsHeldDown(0, 3010));
            Assert.Equal(1, lookup.IgnoredDatagrams);
        }

        [Fact]
        public void LateAnswerToAnEarlierTry_IsWelcome()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            lookup.HandleDeadline(3000);
            Assert.Same(Second, Take(lookup, 3000).To);
            Receive(lookup, MxAnswer(lookup.Id), First, 3100);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
        }

        [Fact]
        public void DatagramsThatCannotBeSent_EndAsUnreachable()
        {
            var lookup = Lookup();
            for (int i = 0; i < 4; i++)
            {
                Take(lookup, i);
                lookup.DatagramNotSent(i);
            }
            Assert.Equal(DnsStatus.Unreachable, lookup.Result.Status);
        }

        [Fact]
        public void UnreadableAnswersOnly_EndAsMalformed_NotTimeout()
        {
            var lookup = Lookup(servers: First);
            byte[] garbage = new Wire().ResponseHeader(0, 0, 1, 3).Question("example.org", DnsType.MX).ToArray();
            for (int i = 0; i < 4; i++)
            {
                Take(lookup, i * 3000);
                garbage[0] = (byte)(lookup.Id >> 8);
                garbage[1] = (byte)lookup.Id;
                Receive(lookup, garbage, First, i * 3000 + 1);
                lookup.HandleDeadline((i + 1) * 3000);
            }
            Assert.Equal(DnsStatus.Malformed, lookup.Result.Status);
            Assert.Equal(4, lookup.IgnoredDatagrams);
        }

        [Theory]
        [InlineData(2, DnsStatus.ServFail)]
        [InlineData(4, DnsStatus.Refused)]
        [InlineData(5, DnsStatus.Refused)]
        [InlineData(1, DnsStatus.FormErr)]
        public void ErrorRcodeFromOneServer_AsksTheOther_AndFromBoth_EndsWithIt(int rcode, DnsStatus status)
        {
            var lookup = Lookup(settings: new DnsSettings { UdpPayloadBytes = 0 });
            Assert.Same(First, Take(lookup, 0).To);
            Receive(lookup, MxAnswer(lookup.Id, rcode), First, 1);
            Assert.Same(Second, Take(lookup, 1).To);
            Receive(lookup, MxAnswer(lookup.Id, rcode), Second, 2);
            Assert.True(lookup.IsDone);
            Assert.Equal(status, lookup.Result.Status);
            Assert.Equal(2, lookup.TriesStarted);
            Assert.StartsWith(DnsStatusNames.Name(status) + " from [::1]:5302", lookup.Result.Detail);
        }

        [Fact]
        public void ServFailFromOneServer_ThenAnAnswerFromTheOther_IsOk()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id, 2), First);
            Take(lookup, 0);
            lookup.HandleDeadline(3000);
            Assert.Same(Second, Take(lookup, 3000).To); // the server that failed is not asked again
            Receive(lookup, MxAnswer(lookup.Id), Second);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
        }

        [Fact]
        public void ServFailFromTheOnlyServer_EndsAtOnce()
        {
            var lookup = Lookup(servers: First);
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id, 2), First);
            Assert.Equal(DnsStatus.ServFail, lookup.Result.Status);
            Assert.Equal(1, lookup.TriesStarted);
        }

        [Fact]
        public void NxDomain_EndsAtOnce()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id, 3), First);
            Assert.Equal(DnsStatus.NxDomain, lookup.Result.Status);
            Assert.Equal(1, lookup.TriesStarted);
        }

        [Fact]
        public void FormErrToAQueryWithEdns_AsksTheSameServerAgainWithoutIt()
        {
            var lookup = Lookup(servers: First);
            Assert.Equal(1, Take(lookup, 0).Query.AdditionalCount);
            Receive(lookup, MxAnswer(lookup.Id, 1), First);
            var (again, to) = Take(lookup, 0);
            Assert.Same(First, to);
            Assert.Equal(0, again.AdditionalCount);
            Receive(lookup, MxAnswer(lookup.Id), First);
            Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
        }

        // ---- TCP after TC ----

        private static DnsLookup TruncatedLookup(bool bareHeader = false)
        {
            var lookup = Lookup();
            Take(lookup, 0);
            lookup.HandleDeadline(3000);
            Take(lookup, 3000); // the second try goes to Second
            byte[] tc = bareHeader ? new Wire().ResponseHeader(lookup.Id, 0, 0, 0, truncated: true).ToArray() : MxAnswer(lookup.Id, truncated: true);
            Receive(lookup, tc, Second, 3010);
            return lookup;
        }

        private static byte[] TcpQuery(DnsLookup lookup, int chunk = 1000)
        {
            var bytes = new List<byte>();
            byte[] buffer = new byte[chunk];
            int n;
            while ((n = lookup.PollTcpTransmit(buffer, 0, chunk)) > 0) bytes.AddRange(buffer.Take(n));
            return bytes.ToArray();
        }

        private static byte[] Framed(byte[] message) => new[] { (byte)(message.Length >> 8), (byte)message.Length }.Concat(message).ToArray();

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TruncatedAnswer_AsksTheSameServerOverTcp(bool bareHeader)
        {
            var lookup = TruncatedLookup(bareHeader);
            Assert.Equal(DnsLookupState.AwaitingTcpConnect, lookup.State);
            Assert.Same(Second, lookup.TcpServer);
            Assert.Equal(3010 + new DnsSettings().TcpTimeoutMs, lookup.PollDeadline());
            Assert.Equal(0, lookup.PollTcpTransmit(new byte[100], 0, 100)); // nothing before the connection is up
            lookup.TcpConnected();
            Assert.Equal(DnsLookupState.AwaitingTcpAnswer, lookup.State);

            byte[] sent = TcpQuery(lookup, chunk: 7);
            int length = (sent[0] << 8) | sent[1];
            Assert.Equal(sent.Length - 2, length);
            DnsMessage query = DnsMessage.Parse(sent, 2, length);
            Assert.Equal((lookup.Id, "example.org", DnsType.MX), (query.Id, query.QuestionName, query.QuestionType));
            Assert.Equal(2, lookup.TriesStarted); // the TCP retry is part of the try that got TC
        }

        [Fact]
        public void TcpAnswer_InAnySplit_EndsTheLookup()
        {
            int length = Framed(MxAnswer(0)).Length + 3;
            foreach (Feed feed in Feed.All(length, maxSplitLength: length))
            {
                var lookup = TruncatedLookup();
                lookup.TcpConnected();
                TcpQuery(lookup);
                byte[] stream = Framed(MxAnswer(lookup.Id)).Concat(new byte[] { 9, 9, 9 }).ToArray(); // bytes after the answer are ignored
                int at = 0;
                foreach (int n in feed.Chunks(stream.Length))
                {
                    lookup.ReceiveTcp(stream, at, n, 4000);
                    at += n;
                }
                Assert.True(lookup.IsDone, feed.Name);
                Assert.Equal(DnsStatus.Ok, lookup.Result.Status);
                Assert.Equal(2, lookup.Result.Records.Length);
                Assert.Equal("from [::1]:5302 over TCP", lookup.Result.Detail);
                Assert.Null(lookup.TcpServer);
            }
        }

        [Fact]
        public void TcpConnectFailure_GoesOnWithTheNextUdpTry()
        {
            var lookup = TruncatedLookup();
            lookup.TcpFailed(3100);
            Assert.Equal(DnsLookupState.ReadyToSend, lookup.State);
            Assert.Null(lookup.TcpServer);
            Assert.Same(First, Take(lookup, 3100).To);
        }

        [Fact]
        public void TcpClosedMidAnswer_GoesOnWithTheNextTry_AndEndsMalformedIfNothingElseComes()
        {
            var lookup = TruncatedLookup();
            lookup.TcpConnected();
            byte[] stream = Framed(MxAnswer(lookup.Id));
            lookup.ReceiveTcp(stream, 0, stream.Length - 5, 3100);
            lookup.ReceiveTcpEof(3101);
            Assert.Equal(DnsLookupState.ReadyToSend, lookup.State);
            for (long now = 3101; !lookup.IsDone; now = lookup.PollDeadline())
            {
                lookup.HandleDeadline(now);
                if (lookup.State == DnsLookupState.ReadyToSend) Take(lookup, now);
            }
            Assert.Equal(DnsStatus.Malformed, lookup.Result.Status);
            Assert.Equal(4, lookup.TriesStarted);
        }

        [Fact]
        public void TcpTimeout_GoesOnWithTheNextTry()
        {
            var lookup = TruncatedLookup();
            lookup.TcpConnected();
            lookup.HandleDeadline(lookup.PollDeadline());
            Assert.Equal(DnsLookupState.ReadyToSend, lookup.State);
        }

        public static TheoryData<string, Func<int, byte[]>> BadTcpAnswers => new()
        {
            { "another ID", id => Framed(MxAnswer(id ^ 0x100)) },
            { "another question", id => Framed(MxAnswer(id, name: "example.net")) },
            { "unreadable", id => Framed(new Wire().ResponseHeader(id, 0, 1, 5).Question("example.org", DnsType.MX).ToArray()) },
            { "length under a header", id => new byte[] { 0, 11 }.Concat(new byte[11]).ToArray() },
            { "length over the limit", id => new byte[] { 0x40, 0x01 } },
        };

        [Theory]
        [MemberData(nameof(BadTcpAnswers))]
        public void BadTcpAnswer_GoesOnWithTheNextTry(string what, Func<int, byte[]> stream)
        {
            var lookup = TruncatedLookup();
            lookup.TcpConnected();
            byte[] bytes = stream(lookup.Id);
            lookup.ReceiveTcp(bytes, 0, bytes.Length, 3100);
            Assert.True(DnsLookupState.ReadyToSend == lookup.State, what);
        }

        [Fact]
        public void TcpBytesWhenNotWaitingForThem_AreIgnored()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            byte[] stream = Framed(MxAnswer(lookup.Id));
            lookup.ReceiveTcp(stream, 0, stream.Length, 1);
            lookup.TcpConnected();
            lookup.TcpFailed(1);
            Assert.Equal(DnsLookupState.AwaitingDatagram, lookup.State);
        }

        // ---- Edges ----

        [Fact]
        public void NoServers_IsUnreachableAtOnce()
        {
            var lookup = new DnsLookup("example.org", DnsType.MX, new DnsServer[0], new HostRandom(1), new DnsSettings());
            Assert.True(lookup.IsDone);
            Assert.Equal(DnsStatus.Unreachable, lookup.Result.Status);
            Assert.Equal(0, lookup.PollDatagram(new byte[DnsMessage.MaxQueryBytes], 0, 0, out _));
        }

        [Fact]
        public void NameThatCannotBeAsked_IsMalformedAtOnce()
        {
            var lookup = Lookup("bad\\000name.example");
            Assert.Equal(DnsStatus.Malformed, lookup.Result.Status);
        }

        [Fact]
        public void DatagramsAfterTheEnd_AreIgnored()
        {
            var lookup = Lookup();
            Take(lookup, 0);
            Receive(lookup, MxAnswer(lookup.Id, 3), First);
            Receive(lookup, MxAnswer(lookup.Id), First);
            Assert.Equal(DnsStatus.NxDomain, lookup.Result.Status);
            Assert.Equal(1, lookup.IgnoredDatagrams);
        }

        [Fact]
        public void FewerTriesThanServers_AsksOnlyThatMany()
        {
            var lookup = Lookup(settings: new DnsSettings { MaxTries = 1 });
            Take(lookup, 0);
            lookup.HandleDeadline(3000);
            Assert.Equal(DnsStatus.Timeout, lookup.Result.Status);
            Assert.Equal("no answer after 1 try", lookup.Result.Detail);
        }
    }
}
