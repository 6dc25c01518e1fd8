// Our client against our own server on a simulated link (HOUSE-STYLE "Two peers on one link"):
// whatever the client sends, our SmtpServerSession must store byte for byte what the spool held,
// with and without PIPELINING, whatever the dots, however the bytes are cut.
// (The namespace is not "SmtpClient": that name would hide MailKit's SmtpClient type from the
// Host tests.)
using System.Text;
using MailGateway.Core.Smtp;

namespace MailGateway.Tests.Client
{
    public class ClientAgainstOurServerTests
    {
        private static ClientLink Link(params TestMessage[] messages) => new ClientLink(messages);

        private static ClientLink NoPipelining(params TestMessage[] messages)
        {
            var link = Link(messages);
            link.Settings.DiscardEhloKeywords = new[] { "PIPELINING" };
            return link;
        }

        private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

        [Fact]
        public void Message_WithPipelining_SendsMailRcptDataAsOneGroup_AndIsDelivered()
        {
            var run = Link(TestMessage.To("a@local.test", "b@local.test")).Run(() => new OurServer());
            run.AssertDialog("""
                S: 220 mx.local.test ESMTP MailGateway
                C: EHLO client.test
                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 10485760
                S: 250-8BITMIME
                S: 250 ENHANCEDSTATUSCODES
                C: MAIL FROM:<cam@lan.test> SIZE=22
                C: RCPT TO:<a@local.test>
                C: RCPT TO:<b@local.test>
                C: DATA
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                S: 250 2.1.5 Ok
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Equal(new[] { "<a@local.test> delivered at AwaitingEndOfData: 250 2.0.0 Ok: queued as 4B7C1D0001",
                                 "<b@local.test> delivered at AwaitingEndOfData: 250 2.0.0 Ok: queued as 4B7C1D0001" },
                         LinkRun.Describe(run.Outcome));
            Assert.Equal(ClientEnd.Quit, run.End);
            Assert.Equal(new[] { "MessageDone", "Closed" }, run.Events);
        }

        [Fact]
        public void Message_WithoutPipelining_SendsOneCommandPerReply()
        {
            var run = NoPipelining(TestMessage.To("a@local.test", "b@local.test")).Run(() => new OurServer());
            run.AssertDialog("""
                S: 220 mx.local.test ESMTP MailGateway
                C: EHLO client.test
                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 10485760
                S: 250-8BITMIME
                S: 250 ENHANCEDSTATUSCODES
                C: MAIL FROM:<cam@lan.test> SIZE=22
                S: 250 2.1.0 Ok
                C: RCPT TO:<a@local.test>
                S: 250 2.1.5 Ok
                C: RCPT TO:<b@local.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Equal(2, run.Outcome.Count(DeliveryStatus.Delivered));
        }

        public static IEnumerable<object[]> Bodies()
        {
            yield return new object[] { "plain", "From: cam@lan.test\r\nSubject: x\r\nMessage-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\nhello\r\n" };
            yield return new object[] { "dots", "Message-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\n.\r\n..\r\n.hidden\r\n. \r\nx.\r\n...\r\n" };
            yield return new object[] { "smuggling-lookalike", "Message-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\nbody\r\n.\r\nMAIL FROM:<evil@x.test>\r\n" };
            yield return new object[] { "eight-bit", "Message-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\n\u00e9\u00ff\u0080\t\u007f\r\n" };
            var big = new StringBuilder("Message-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\n");
            for (int i = 0; i < 400; i++) big.Append(i % 7 == 0 ? "." : "").Append("line ").Append(i).Append(' ', i % 50).Append("\r\n");
            yield return new object[] { "many-chunks", big.ToString() };
        }

        [Theory]
        [MemberData(nameof(Bodies))]
        public void Body_ArrivesByteExact_PipelinedOrNot(string name, string body)
        {
            foreach (bool pipelining in new[] { true, false })
            {
                var message = new TestMessage { Body = Bytes(body) };
                var link = pipelining ? Link(message) : NoPipelining(message);
                var run = link.Run(() => new OurServer());
                Assert.True(body == run.Server.StoredAfterReceived(0), name + ", pipelining " + pipelining);
                Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
                Assert.Equal(0, run.Client.BodyRepairs);
            }
        }

        [Fact]
        public void Body_LinesStartingWithADot_AreStuffedOnTheWire()
        {
            var run = Link(TestMessage.WithBody("a\r\n.\r\n.x\r\n..\r\n")).Run(() => new OurServer());
            string wire = Encoding.Latin1.GetString(run.Wire.ToArray());
            Assert.Contains("\r\n\r\na\r\n..\r\n..x\r\n...\r\n.\r\n", "\r\n\r\n" + wire[wire.IndexOf("a\r\n", StringComparison.Ordinal)..]);
        }

        [Fact]
        public void Body_WhoseFirstLineStartsWithADot_IsStuffedRightAfter354()
        {
            var run = Link(TestMessage.WithBody(".first\r\nsecond\r\n")).Run(() => new OurServer());
            int data = run.Lines.IndexOf("S: 354 End data with <CR><LF>.<CR><LF>");
            Assert.Equal(new[] { "C: ..first", "C: second", "C: ." }, run.Lines.Skip(data + 1).Take(3));
            Assert.EndsWith("\r\n.first\r\nsecond\r\n", run.Server.StoredAfterReceived(0));
        }

        [Fact]
        public void Body_WithoutAFinalLineEnd_GetsOne_BeforeTheDot()
        {
            var run = Link(TestMessage.WithBody("Message-ID: <1@lan.test>\r\nDate: Thu, 14 Jan 2027 10:00:00 +0100\r\n\r\nno newline")).Run(() => new OurServer());
            Assert.EndsWith("\r\n\r\nno newline\r\n", run.Server.StoredAfterReceived(0));
        }

        [Fact]
        public void SeveralMessages_ShareOneConnection_EachDelivered()
        {
            var run = Link(TestMessage.To("a@local.test"), TestMessage.To("b@local.test", "c@local.test"), TestMessage.To("d@local.test"))
                .Run(() => new OurServer());
            Assert.Equal(3, run.Outcomes.Count);
            Assert.Equal(3, run.Server.Stored.Count);
            Assert.All(run.Outcomes, o => Assert.All(o.Recipients, r => Assert.Equal(DeliveryStatus.Delivered, r.Status)));
            Assert.Equal(1, run.Lines.Count(l => l == "C: EHLO client.test"));
            Assert.DoesNotContain("C: RSET", run.Lines);
            Assert.Equal("C: QUIT", run.Lines[^2]);
        }

        [Fact]
        public void Message_WithARecipientOurServerRefuses_DeliversToTheOthers()
        {
            var link = Link(TestMessage.To("a@local.test", "bad..dots@local.test", "b@local.test"));
            var run = link.Run(() => new OurServer());
            Assert.Equal(new[] { DeliveryStatus.Delivered, DeliveryStatus.Permanent, DeliveryStatus.Delivered },
                         run.Outcome.Recipients.Select(r => r.Status));
            // An address PathParser refuses never reaches the wire.
            Assert.DoesNotContain(run.Lines, l => l.Contains("bad..dots"));
            Assert.Equal("553 5.1.3 bad recipient address syntax, not sent", run.Outcome.Recipients[1].Reply.ToString());
            Assert.False(run.Outcome.Recipients[1].FromServer);
        }
    }
}
