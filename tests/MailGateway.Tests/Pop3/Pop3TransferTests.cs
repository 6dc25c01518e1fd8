// Multi-line replies (RFC 1939 §3): byte-stuffing and the final CRLF "." CRLF, TOP's header/body
// cut (§7), and streaming — output stays bounded whatever the size of the message or the listing,
// short reads from the card are fine, and a message that cannot be read whole is never presented
// as whole.
using MailGateway.Core.Local;
using Xunit;

namespace MailGateway.Tests.Pop3
{
    public class Pop3TransferTests
    {
        private static Pop3Harness With(params string[] messages)
        {
            var harness = new Pop3Harness();
            harness.Mailboxes["alice"] = MemoryMaildrop.Of(messages);
            return harness;
        }

        private static string Login(int count, long octets) => Pop3Harness.Greeting +
            "C: USER alice\nS: +OK Send PASS\nC: PASS secret\nS: +OK alice's maildrop has " +
            (count == 1 ? "1 message" : count + " messages") + " (" + octets + " octets)\n";

        private const string Dots = "Subject: dots\n\n.\n..x\n.start\nmiddle . line\nend\n";

        [Fact]
        public void Retr_StuffsLinesStartingWithADot_AndEndsWithCrlfDotCrlf()
        {
            int size = MemoryMaildrop.Crlf(Dots).Length;
            var run = With(Dots).Run(Login(1, size) + "C: RETR 1\nS: +OK " + size + " octets\n" + """
                S: Subject: dots
                S:
                S: ..
                S: ...x
                S: ..start
                S: middle . line
                S: end
                S: .
                """);
            Assert.EndsWith("+OK " + size + " octets\r\nSubject: dots\r\n\r\n..\r\n...x\r\n..start\r\nmiddle . line\r\nend\r\n.\r\n", run.Output);
        }

        [Fact]
        public void Retr_WithOneByteReads_SendsTheSameBytes()
        {
            var harness = With(Dots);
            harness.Mailboxes["alice"].MaxRead = 1;
            int size = MemoryMaildrop.Crlf(Dots).Length;
            var run = harness.Run(Login(1, size) + "C: RETR 1\nS: +OK " + size + " octets\n" +
                                  "S: Subject: dots\nS:\nS: ..\nS: ...x\nS: ..start\nS: middle . line\nS: end\nS: .\n");
            Assert.True(run.Maildrop.ReadCalls >= size);
        }

        [Fact]
        public void Retr_OfAnEmptyMessage_IsJustTheDot()
        {
            With("").Run(Login(1, 0) + "C: RETR 1\nS: +OK 0 octets\nS: .\nC: TOP 1 5\nS: +OK Top of message follows\nS: .\n");
        }

        private const string Letter = "From: a@b.test\nSubject: top\n\nbody 1\n.body 2\nbody 3\n";

        [Theory]
        [InlineData(0, "")]
        [InlineData(1, "S: body 1\n")]
        [InlineData(2, "S: body 1\nS: ..body 2\n")]
        [InlineData(3, "S: body 1\nS: ..body 2\nS: body 3\n")]
        [InlineData(100, "S: body 1\nS: ..body 2\nS: body 3\n")]
        [InlineData(999999999999, "S: body 1\nS: ..body 2\nS: body 3\n")]
        public void Top_SendsTheHeader_TheBlankLine_AndAtMostNBodyLines(long lines, string body)
        {
            With(Letter).Run(Login(1, MemoryMaildrop.Crlf(Letter).Length) + "C: TOP 1 " + lines + "\n" + """
                S: +OK Top of message follows
                S: From: a@b.test
                S: Subject: top
                S:

                """ + body + "S: .\nC: NOOP\nS: +OK\n");
        }

        [Fact]
        public void Top_OfAMessageWithoutBody_SendsTheHeaderOnly()
        {
            const string headerOnly = "From: a@b.test\nSubject: no body\n";
            With(headerOnly).Run(Login(1, MemoryMaildrop.Crlf(headerOnly).Length) + """
                C: TOP 1 0
                S: +OK Top of message follows
                S: From: a@b.test
                S: Subject: no body
                S: .
                C: TOP 1 10
                S: +OK Top of message follows
                S: From: a@b.test
                S: Subject: no body
                S: .
                """);
        }

        [Fact]
        public void Top_DoesNotCountTheMessageAsRetrieved_AndQuitLogsIt()
        {
            var run = With(Letter).Run(Login(1, MemoryMaildrop.Crlf(Letter).Length) +
                                       "C: TOP 1 0\nS: +OK *\nS: *\nS: *\nS:\nS: .\nC: QUIT\nS: +OK *\n");
            Assert.Contains(run.Log, l => l.EndsWith("top=1 retr=0/0 del=0/1"));
        }

        [Fact]
        public void LargeMessage_IsStreamed_WithBoundedOutput()
        {
            var lines = Enumerable.Range(0, 4000).Select(i => i % 7 == 0 ? ".dot line " + i : "line " + i + " " + new string('z', i % 90)).ToList();
            string message = "Subject: big\n\n" + string.Join("\n", lines) + "\n";
            string crlf = MemoryMaildrop.Crlf(message);
            var harness = With(message);
            harness.Mailboxes["alice"].MaxRead = 333;
            var run = harness.Run(Login(1, crlf.Length) + "C: RETR 1\nS: +OK " + crlf.Length + " octets\n" +
                                  Pop3Harness.ServerLines(crlf) + "S: .\nC: QUIT\nS: +OK *\n");
            Assert.True(crlf.Length > 200_000);
            Assert.InRange(run.MaxPendingOutput, 1, Pop3Session.TransmitLimit + 1100);
        }

        [Fact]
        public void LargeListing_IsStreamed_WithBoundedOutput()
        {
            var harness = new Pop3Harness();
            var drop = new MemoryMaildrop();
            for (int i = 0; i < 3000; i++) drop.Add("Subject: " + i + "\r\n\r\nx\r\n", "uid-" + i.ToString("D6") + "-" + new string('u', 50));
            harness.Mailboxes["alice"] = drop;
            string list = string.Concat(Enumerable.Range(0, 3000).Select(i => "S: " + (i + 1) + " " + drop.Messages[i].Length + "\n"));
            string uidl = string.Concat(Enumerable.Range(0, 3000).Select(i => "S: " + (i + 1) + " " + drop.Uids[i] + "\n"));
            var run = harness.Run(Login(3000, drop.TotalOctets) + "C: DELE 2\nS: +OK message 2 deleted\n" +
                                  "C: LIST\nS: +OK 2999 messages (" + (drop.TotalOctets - drop.Messages[1].Length) + " octets)\n" +
                                  list.Replace("S: 2 " + drop.Messages[1].Length + "\n", "") + "S: .\n" +
                                  "C: UIDL\nS: +OK Unique-ID listing follows\n" + uidl.Replace("S: 2 " + drop.Uids[1] + "\n", "") + "S: .\n");
            Assert.InRange(run.MaxPendingOutput, 1, Pop3Session.TransmitLimit + 200);
        }

        [Fact]
        public void MessageThatCannotBeReadWhole_IsCutOffWithoutTheFinalDot_AndTheSessionCloses()
        {
            var harness = new Pop3Harness();
            harness.Mailboxes["alice"].TruncateAt = 38;   // the card returns end of file after the header
            var run = harness.Run(Pop3Harness.Greeting + Pop3Harness.Login + "C: DELE 2\nS: +OK message 2 deleted\n" +
                                  "C: RETR 1\nC: DELE 1\nC: QUIT\nS: +OK 120 octets\n" +
                                  Pop3Harness.ServerLines(Pop3Harness.Message1[..38]));
            Assert.True(run.Closed);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(0, run.Maildrop.CommitCalls);
            Assert.Contains("message 1 unreadable user=<alice> from [192.0.2.10]: read returned 0 at octet 38; connection closed, nothing deleted", run.Log);
        }

        [Fact]
        public void ServerLines_HelperStuffsLikeTheServer()
        {
            Assert.Equal("S: a\nS:\nS: ..b\n", Pop3Harness.ServerLines("a\r\n\r\n.b\r\n"));
            Assert.Equal(120, Pop3Harness.Message1.Length);
            Assert.Equal(200, Pop3Harness.Message2.Length);
            Assert.StartsWith("From: bob@local.test\r\nSubject: one\r\n\r\nline 1", Pop3Harness.Message1); // 38 octets of header
        }
    }
}
