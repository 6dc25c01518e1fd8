// Our client against a scripted server with smtp-sink's knobs: refusals at every stage, 421,
// disconnects, stalls (the virtual clock jumps to the deadline: "W: ms"), silence after the
// final dot. Each case states what every recipient ends as, with which reply, at which stage,
// and what the session's end tells the loop about the address.
using MailGateway.Core.Smtp;

namespace MailGateway.Tests.Client
{
    public class ClientAgainstSinkTests
    {
        private static ScriptedUpstream Sink(string knob, string command)
        {
            var sink = new ScriptedUpstream();
            switch (knob)
            {
                case "hard": sink.Hard.Add(command); break;
                case "soft": sink.Soft.Add(command); break;
                case "421": sink.Quit421.Add(command); break;
                case "disconnect": sink.Disconnect.Add(command); break;
                case "stall": sink.Stall.Add(command); break;
                default: throw new ArgumentException(knob);
            }
            return sink;
        }

        private static LinkRun Run(Func<ScriptedUpstream> sink, ClientLink link = null) => (link ?? new ClientLink()).Run(sink);

        // knob, command | status, code and enhanced code, stage | session end, ms until the end
        [Theory]
        [InlineData("hard", "connect", "transient", "554 5.3.0", "AwaitingGreeting", "TryNextAddress", 0)]
        [InlineData("soft", "connect", "transient", "450 4.3.0", "AwaitingGreeting", "TryNextAddress", 0)]
        [InlineData("421", "connect", "transient", "421 4.3.0", "AwaitingGreeting", "TryNextAddress", 0)]
        [InlineData("disconnect", "connect", "transient", "451 4.4.2", "AwaitingGreeting", "TryNextAddress", 0)]
        [InlineData("stall", "connect", "transient", "451 4.4.2", "AwaitingGreeting", "TryNextAddress", 300_000)]
        [InlineData("soft", "ehlo", "transient", "450 4.0.0", "AwaitingEhlo", "TryNextAddress", 0)]
        [InlineData("421", "ehlo", "transient", "421 4.3.0", "AwaitingEhlo", "TryNextAddress", 0)]
        [InlineData("disconnect", "ehlo", "transient", "451 4.4.2", "AwaitingEhlo", "TryNextAddress", 0)]
        [InlineData("stall", "ehlo", "transient", "451 4.4.2", "AwaitingEhlo", "TryNextAddress", 300_000)]
        [InlineData("hard", "mail", "permanent", "550 5.0.0", "AwaitingMail", "Quit", 0)]
        [InlineData("soft", "mail", "transient", "450 4.0.0", "AwaitingMail", "Quit", 0)]
        [InlineData("421", "mail", "transient", "421 4.3.0", "AwaitingMail", "TryNextAddress", 0)]
        [InlineData("disconnect", "mail", "transient", "451 4.4.2", "AwaitingMail", "TryNextAddress", 0)]
        [InlineData("stall", "mail", "transient", "451 4.4.2", "AwaitingMail", "TryNextAddress", 300_000)]
        [InlineData("hard", "rcpt", "permanent", "550 5.0.0", "AwaitingRcpt", "Quit", 0)]
        [InlineData("soft", "rcpt", "transient", "450 4.0.0", "AwaitingRcpt", "Quit", 0)]
        [InlineData("421", "rcpt", "transient", "421 4.3.0", "AwaitingRcpt", "TryNextAddress", 0)]
        [InlineData("stall", "rcpt", "transient", "451 4.4.2", "AwaitingRcpt", "TryNextAddress", 300_000)]
        [InlineData("hard", "data", "permanent", "550 5.0.0", "AwaitingData", "Quit", 0)]
        [InlineData("soft", "data", "transient", "450 4.0.0", "AwaitingData", "Quit", 0)]
        [InlineData("421", "data", "transient", "421 4.3.0", "AwaitingData", "Broken", 0)]
        [InlineData("stall", "data", "transient", "451 4.4.2", "AwaitingData", "Broken", 120_000)]
        [InlineData("hard", ".", "permanent", "550 5.0.0", "AwaitingEndOfData", "Quit", 0)]
        [InlineData("soft", ".", "transient", "450 4.0.0", "AwaitingEndOfData", "Quit", 0)]
        [InlineData("421", ".", "transient", "421 4.3.0", "AwaitingEndOfData", "Broken", 0)]
        [InlineData("disconnect", ".", "transient", "451 4.4.2", "AwaitingEndOfData", "Broken", 0)]
        [InlineData("stall", ".", "transient", "451 4.4.2", "AwaitingEndOfData", "Broken", 600_000)]
        public void Knob_AtCommand_DecidesTheRecipient_AndTheSessionEnd(string knob, string command, string status, string reply,
                                                                         string stage, string end, long endAfterMs)
        {
            foreach (bool pipelining in new[] { true, false })
            {
                var link = new ClientLink();
                if (!pipelining) link.Settings.DiscardEhloKeywords = new[] { "PIPELINING" };
                var run = Run(() => Sink(knob, command), link);
                var r = Assert.Single(run.Outcome.Recipients);
                string how = knob + " " + command + ", pipelining " + pipelining + ": " + r;
                Assert.True(status == DeliveryStatus.Name(r.Status), how);
                Assert.True(reply == r.Reply.Code + " " + r.Reply.Enhanced, how);
                Assert.True(stage == ClientState.Name(r.Stage), how);
                Assert.True(end == run.EndName, how + ", end " + run.EndName);
                Assert.Equal(end == "TryNextAddress", run.Outcome.TryNextAddress);
                Assert.Equal(ClientLink.StartMs + endAfterMs, run.OutcomeTimesMs[0]);
                Assert.Equal(reply.StartsWith("451") ? false : true, r.FromServer);
                Assert.True(run.Client.IsClosed);
            }
        }

        [Fact]
        public void GreetingWith554_IsAnsweredWithQuit_AndTheNextAddressIsTried()
        {
            var run = Run(() => Sink("hard", "connect"));
            run.AssertDialog("""
                S: 554 5.3.0 sink.test Error: no service
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.Equal("554 5.3.0 sink.test Error: no service", run.EndReply.ToString());
            Assert.Equal(ClientState.AwaitingGreeting, run.EndStage);
        }

        [Fact]
        public void Stall_AtGreeting_TimesOutAfterFiveMinutes_WithoutQuit()
        {
            var run = Run(() => Sink("stall", "connect"));
            run.AssertDialog("W: 300000");
            Assert.Equal("451 4.4.2 conversation timed out while receiving the initial server greeting", run.EndReply.ToString());
            Assert.False(run.EndReply.Closes);
        }

        [Fact]
        public void FourTwentyOne_AfterEhlo_EndsTheSession_AndTheNextAddressIsTried()
        {
            var run = Run(() => Sink("421", "mail"));
            run.AssertDialog("""
                S: 220 sink.test ESMTP smtp-sink
                C: EHLO client.test
                S: 250-sink.test
                S: 250-PIPELINING
                S: 250-SIZE 10240000
                S: 250-8BITMIME
                S: 250 ENHANCEDSTATUSCODES
                C: MAIL FROM:<cam@lan.test> SIZE=22
                C: RCPT TO:<user@local.test>
                C: DATA
                S: 421 4.3.0 sink.test Error: closing connection
                """);
            Assert.True(run.Outcome.TryNextAddress);
            Assert.Equal(new[] { "MessageDone", "Closed" }, run.Events);
        }

        [Theory]
        [InlineData("stall", "conversation timed out after end of data sent -- message may be delivered twice", 600_000)]
        [InlineData("disconnect", "lost connection after end of data sent -- message may be delivered twice", 0)]
        public void NoReply_AfterTheFinalDot_IsTransient_AndMayBeDeliveredTwice(string knob, string text, long afterMs)
        {
            var run = Run(() => Sink(knob, "."));
            var r = Assert.Single(run.Outcome.Recipients);
            Assert.Equal(DeliveryStatus.Transient, r.Status);
            Assert.Equal("451 4.4.2 " + text, r.Reply.ToString());
            Assert.True(r.Accepted);
            Assert.True(run.Outcome.MayBeDeliveredTwice);
            Assert.False(run.Outcome.TryNextAddress);
            Assert.Equal(ClientEnd.Broken, run.End);
            Assert.Equal(ClientLink.StartMs + afterMs, run.EndMs);
            // The server did get the whole message: a retry may deliver it a second time, never zero times.
            Assert.Single(run.Sink.Messages);
        }

        [Fact]
        public void FourTwentyOne_AfterTheFinalDot_IsTheServersAnswer_NotADoubt()
        {
            var run = Run(() => Sink("421", "."));
            Assert.False(run.Outcome.MayBeDeliveredTwice);
            Assert.Equal("421 4.3.0 sink.test Error: closing connection", run.Outcome.Recipients[0].Reply.ToString());
        }

        [Fact]
        public void EhloRefused_FallsBackToHelo_AndSendsWithoutExtensions()
        {
            var run = Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Custom["ehlo"] = "502 5.5.2 Error: command not recognized";
                return sink;
            });
            run.AssertDialog("""
                S: 220 sink.test ESMTP smtp-sink
                C: EHLO client.test
                S: 502 5.5.2 Error: command not recognized
                C: HELO client.test
                S: 250 sink.test
                C: MAIL FROM:<cam@lan.test>
                S: 250 2.1.0 Ok
                C: RCPT TO:<user@local.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as SINK1
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
            Assert.False(run.Client.Server.Extended);
        }

        [Fact]
        public void EhloAndHeloBothRefused_IsARefusal_EveryRecipientPermanent()
        {
            var run = Run(() =>
            {
                var sink = Sink("hard", "ehlo");
                sink.Hard.Add("helo");
                return sink;
            });
            Assert.Equal(ClientEnd.Refused, run.End);
            Assert.Equal(DeliveryStatus.Permanent, run.Outcome.Recipients[0].Status);
            Assert.Equal(ClientState.AwaitingHelo, run.Outcome.Recipients[0].Stage);
            Assert.Equal("C: QUIT", run.Lines[^2]);
        }

        [Fact]
        public void MailRefused_WithPipelining_GivesEveryRecipientTheMailReply_AndSkipsThe503s()
        {
            var link = new ClientLink(TestMessage.To("a@x.test", "b@x.test"));
            var run = Run(() => Sink("hard", "mail"), link);
            run.AssertDialog("""
                S: 220 sink.test ESMTP smtp-sink
                C: EHLO client.test
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250 *
                C: MAIL FROM:<cam@lan.test> SIZE=22
                C: RCPT TO:<a@x.test>
                C: RCPT TO:<b@x.test>
                C: DATA
                S: 550 5.0.0 Error: mail rejected
                S: 503 5.5.1 Error: need MAIL command
                S: 503 5.5.1 Error: need MAIL command
                S: 503 5.5.1 Error: need RCPT command
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.All(run.Outcome.Recipients, r =>
            {
                Assert.Equal(DeliveryStatus.Permanent, r.Status);
                Assert.Equal("550 5.0.0 Error: mail rejected", r.Reply.ToString());
                Assert.Equal(ClientState.AwaitingMail, r.Stage);
            });
        }

        [Fact]
        public void MailRefused_WithoutPipelining_SendsNoRcpt()
        {
            var link = new ClientLink();
            link.Settings.DiscardEhloKeywords = new[] { "PIPELINING" };
            var run = Run(() => Sink("soft", "mail"), link);
            Assert.DoesNotContain(run.Lines, l => l.StartsWith("C: RCPT") || l == "C: DATA");
        }

        [Fact]
        public void AllRecipientsRefused_WithoutPipelining_SendsNoData_AndTheNextMessageStartsWithRset()
        {
            var link = new ClientLink(TestMessage.To("gone@x.test"), TestMessage.To("ok@x.test"));
            link.Settings.DiscardEhloKeywords = new[] { "PIPELINING" };
            var run = Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.RcptReplies["gone@x.test"] = "550 5.1.1 <gone@x.test>: Recipient address rejected: User unknown";
                return sink;
            }, link);
            run.AssertDialog("""
                S: 220 sink.test ESMTP smtp-sink
                C: EHLO client.test
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250 *
                C: MAIL FROM:<cam@lan.test> SIZE=22
                S: 250 2.1.0 Ok
                C: RCPT TO:<gone@x.test>
                S: 550 5.1.1 <gone@x.test>: Recipient address rejected: User unknown
                C: RSET
                S: 250 2.0.0 Ok
                C: MAIL FROM:<cam@lan.test> SIZE=22
                S: 250 2.1.0 Ok
                C: RCPT TO:<ok@x.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 *
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as SINK1
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Equal(DeliveryStatus.Permanent, run.Outcomes[0].Recipients[0].Status);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcomes[1].Recipients[0].Status);
        }

        [Fact]
        public void DataAccepted_ThoughNoRecipientWas_EndsTheEmptyDataAtOnce()
        {
            // A broken server: RFC 2920 §3.1 says it must refuse DATA here.
            var run = Run(() =>
            {
                var sink = Sink("hard", "rcpt");
                sink.Custom["data"] = "354 go ahead";
                return sink;
            });
            int data = run.Lines.IndexOf("S: 354 go ahead");
            Assert.Equal(new[] { "C: .", "S: 250 2.0.0 Ok: queued as SINK1", "C: QUIT" }, run.Lines.Skip(data + 1).Take(3));
            Assert.Equal(DeliveryStatus.Permanent, run.Outcome.Recipients[0].Status);
            Assert.Equal(ClientState.AwaitingRcpt, run.Outcome.Recipients[0].Stage);
            Assert.Empty(run.Sink.Messages[0]);
        }

        [Fact]
        public void SecondMessage_AfterARefusedData_StartsWithRset()
        {
            var link = new ClientLink(new TestMessage(), new TestMessage());
            var run = Run(() => Sink("soft", "data"), link);
            Assert.Equal(2, run.Outcomes.Count);
            int rset = run.Lines.IndexOf("C: RSET");
            Assert.True(rset > 0 && run.Lines[rset + 1] == "S: 250 2.0.0 Ok" && run.Lines[rset + 2].StartsWith("C: MAIL FROM:"));
        }

        [Fact]
        public void SecondMessage_AfterADeliveredOne_NeedsNoRset()
        {
            var link = new ClientLink(new TestMessage(), new TestMessage());
            var run = Run(() => new ScriptedUpstream(), link);
            Assert.Equal(2, run.Sink.Messages.Count);
            Assert.DoesNotContain("C: RSET", run.Lines);
        }

        // EHLO keywords (one per line after the first) → what the client does with them.
        [Theory]
        [InlineData("", false, false, false, false)]
        [InlineData("PIPELINING", true, false, false, false)]
        [InlineData("SIZE 5000", false, true, false, false)]
        [InlineData("STARTTLS", false, false, true, false)]
        [InlineData("AUTH PLAIN", false, false, false, true)]
        [InlineData("PIPELINING,SIZE 5000,STARTTLS,AUTH LOGIN PLAIN,8BITMIME,ENHANCEDSTATUSCODES", true, true, true, true)]
        public void MultilineEhlo_Keywords_DecideWhatTheClientUses(string keywords, bool pipelines, bool declaresSize, bool startsTls, bool authenticates)
        {
            var link = new ClientLink();
            if (keywords.Contains("AUTH"))
            {
                link.Settings.AuthUser = "tim";
                link.Settings.AuthPassword = "tanstaaftanstaaf";
                link.Settings.AuthWithoutTls = true;
            }
            var run = link.Run(() =>
            {
                var sink = new ScriptedUpstream { Keywords = keywords.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() };
                sink.KeywordsAfterTls = sink.Keywords.Where(k => k != "STARTTLS").ToList();
                sink.AuthSteps = new List<(string, string)> { ("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "235 2.7.0 Ok") };
                return sink;
            });
            int mail = run.Lines.FindIndex(l => l.StartsWith("C: MAIL"));
            Assert.Equal(pipelines, run.Lines[mail + 1].StartsWith("C: RCPT"));
            Assert.Equal(declaresSize, run.Lines[mail].EndsWith(" SIZE=22"));
            Assert.Equal(startsTls, run.Lines.Contains("C: STARTTLS"));
            Assert.Equal(startsTls, run.Client.IsTls);
            Assert.Equal(authenticates, run.Lines.Any(l => l.StartsWith("C: AUTH PLAIN")));
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }
    }
}
