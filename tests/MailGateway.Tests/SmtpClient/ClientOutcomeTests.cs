// One outcome per recipient (DESIGN "Delivery" 3b): Delivered only after the server's 2xx to the
// final dot, Transient for 4xx, Permanent for 5xx, each with the reply that decided it and where;
// SIZE (RFC 1870) and addresses we must not send decide recipients before anything is sent.
using MailGateway.Core.Smtp;

namespace MailGateway.Tests.Client
{
    public class ClientOutcomeTests
    {
        private static ScriptedUpstream MixedSink()
        {
            var sink = new ScriptedUpstream();
            sink.RcptReplies["gone@x.test"] = "550 5.1.1 <gone@x.test>: Recipient address rejected: User unknown";
            sink.RcptReplies["full@x.test"] = "452 4.2.2 <full@x.test>: Mailbox full";
            return sink;
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void MixedReplies_OneAccepted_One550_One452_GiveThreeOutcomes(bool pipelining)
        {
            var link = new ClientLink(TestMessage.To("ok@x.test", "gone@x.test", "full@x.test"));
            if (!pipelining) link.Settings.DiscardEhloKeywords = new[] { "PIPELINING" };
            var run = link.Run(MixedSink);
            Assert.Equal(new[]
            {
                "<ok@x.test> delivered at AwaitingEndOfData: 250 2.0.0 Ok: queued as SINK1",
                "<gone@x.test> permanent at AwaitingRcpt: 550 5.1.1 <gone@x.test>: Recipient address rejected: User unknown",
                "<full@x.test> transient at AwaitingRcpt: 452 4.2.2 <full@x.test>: Mailbox full",
            }, LinkRun.Describe(run.Outcome));
            Assert.All(run.Outcome.Recipients, r => Assert.True(r.FromServer));
            Assert.Equal(new[] { true, false, false }, run.Outcome.Recipients.Select(r => r.Accepted));
            Assert.False(run.Outcome.TryNextAddress);
            Assert.False(run.Outcome.MayBeDeliveredTwice);
            Assert.Equal(ClientEnd.Quit, run.End);
            Assert.Equal(1, run.Outcome.Count(DeliveryStatus.Delivered));
            Assert.Equal(1, run.Outcome.Count(DeliveryStatus.Permanent));
            Assert.Equal(1, run.Outcome.Count(DeliveryStatus.Transient));
        }

        [Fact]
        public void DataRefused_DecidesOnlyTheAcceptedRecipients_WithTheDataReply()
        {
            var link = new ClientLink(TestMessage.To("ok@x.test", "gone@x.test"));
            var run = link.Run(() =>
            {
                var sink = MixedSink();
                sink.Custom["data"] = "451 4.3.0 Error: queue file write error";
                return sink;
            });
            Assert.Equal(new[]
            {
                "<ok@x.test> transient at AwaitingData: 451 4.3.0 Error: queue file write error",
                "<gone@x.test> permanent at AwaitingRcpt: 550 5.1.1 <gone@x.test>: Recipient address rejected: User unknown",
            }, LinkRun.Describe(run.Outcome));
        }

        [Fact]
        public void EndOfDataRefused_DecidesTheAcceptedRecipients_WithThatReply()
        {
            var run = new ClientLink().Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Custom["."] = "554 5.7.1 Error: message content rejected";
                return sink;
            });
            Assert.Equal("<user@local.test> permanent at AwaitingEndOfData: 554 5.7.1 Error: message content rejected",
                         LinkRun.Describe(run.Outcome)[0]);
        }

        // ---- SIZE (RFC 1870) -------------------------------------------------------------------

        private static LinkRun RunWithSize(string sizeKeyword, int bodyBytes)
        {
            // Lines of 64 bytes with CRLF, the last one shorter: exactly bodyBytes on the wire before the dot.
            var body = new byte[bodyBytes];
            for (int i = 0; i < bodyBytes; i++) body[i] = (byte)(i % 64 == 62 || i == bodyBytes - 2 ? '\r' : i % 64 == 63 || i == bodyBytes - 1 ? '\n' : 'x');
            var link = new ClientLink(new TestMessage { Body = body });
            return link.Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Keywords.Remove("SIZE 10240000");
                if (sizeKeyword != null) sink.Keywords.Add(sizeKeyword);
                return sink;
            });
        }

        [Fact]
        public void Size_LargerThanTheServersLimit_FailsEveryRecipientPermanently_WithoutSendingMail()
        {
            var run = RunWithSize("SIZE 1000", 2000);
            var r = Assert.Single(run.Outcome.Recipients);
            Assert.Equal(DeliveryStatus.Permanent, r.Status);
            Assert.Equal("552 5.3.4 message size 2000 exceeds the server's limit of 1000 bytes", r.Reply.ToString());
            Assert.False(r.FromServer);
            Assert.DoesNotContain(run.Lines, l => l.StartsWith("C: MAIL") || l == "C: DATA");
            Assert.Equal("C: QUIT", run.Lines[^2]);
            Assert.Equal(ClientEnd.Quit, run.End);
        }

        [Theory]
        [InlineData("SIZE 2000", 2000, " SIZE=2000")]
        [InlineData("SIZE 0", 5000, " SIZE=5000")]       // RFC 1870 §4: 0 means no fixed limit
        [InlineData("SIZE", 5000, " SIZE=5000")]         // no parameter: no limit given
        [InlineData("size 100000", 5000, " SIZE=5000")]  // keywords are case-insensitive
        [InlineData(null, 5000, "")]                     // not offered: no SIZE= parameter
        public void Size_WithinTheLimitOrUnlimited_IsDeclaredInMail_AndSent(string keyword, int bytes, string parameter)
        {
            var run = RunWithSize(keyword, bytes);
            Assert.Contains("C: MAIL FROM:<cam@lan.test>" + parameter, run.Lines);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
            Assert.Equal(bytes, run.Sink.Messages[0].Length);
        }

        // ---- Addresses that must not reach the wire -----------------------------------------------

        [Theory]
        [InlineData("a@x.test>\r\nRSET")]
        [InlineData("a@x.test\r\nMAIL FROM:<evil@x.test>")]
        [InlineData("a@x.test\n")]
        [InlineData("a@x.\rtest")]
        [InlineData("a\0@x.test")]
        [InlineData("a b@x.test")]
        [InlineData("<a@x.test>")]
        [InlineData("")]
        [InlineData("a@x.test.")]
        [InlineData("j\u00f6rg@x.test")]
        public void Recipient_ThatIsNoValidPath_IsPermanent_AndNeverSent(string address)
        {
            var link = new ClientLink(TestMessage.To(address, "ok@x.test"));
            var run = link.Run(() => new ScriptedUpstream());
            Assert.Equal("553 5.1.3 bad recipient address syntax, not sent", run.Outcome.Recipients[0].Reply.ToString());
            Assert.Equal(DeliveryStatus.Permanent, run.Outcome.Recipients[0].Status);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[1].Status);
            Assert.Equal(new[] { "RCPT TO:<ok@x.test>" }, run.Sink.Commands.Where(c => c.StartsWith("RCPT")));
        }

        [Theory]
        [InlineData("cam@lan.test\r\nRSET")]
        [InlineData("cam@lan.test> BODY=8BITMIME")]
        [InlineData("@lan.test")]
        public void Sender_ThatIsNoValidPath_FailsEveryRecipient_AndNothingIsSent(string sender)
        {
            var link = new ClientLink(new TestMessage { Sender = sender, Recipients = new[] { "a@x.test", "b@x.test" } });
            var run = link.Run(() => new ScriptedUpstream());
            Assert.All(run.Outcome.Recipients, r => Assert.Equal("553 5.1.7 bad sender address syntax, not sent", r.Reply.ToString()));
            Assert.DoesNotContain(run.Sink.Commands, c => c.StartsWith("MAIL"));
        }

        [Theory]
        [InlineData("", "MAIL FROM:<>")]
        [InlineData("postmaster@lan.test", "MAIL FROM:<postmaster@lan.test>")]
        [InlineData("\"john doe\"@lan.test", "MAIL FROM:<\"john doe\"@lan.test>")]
        public void Sender_NullOrQuoted_IsSentAsGiven(string sender, string command)
        {
            var link = new ClientLink(new TestMessage { Sender = sender });
            var run = link.Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Keywords.Remove("SIZE 10240000");
                return sink;
            });
            Assert.Equal(command, run.Sink.Commands.Single(c => c.StartsWith("MAIL")));
        }

        [Fact]
        public void Recipient_BarePostmaster_IsSent()
        {
            var link = new ClientLink(TestMessage.To("postmaster"));
            var run = link.Run(() => new ScriptedUpstream());
            Assert.Contains("RCPT TO:<postmaster>", run.Sink.Commands);
        }
    }
}
