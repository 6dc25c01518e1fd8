// SMTP smuggling (CVE-2023-51764/5/6) and broken line ends (RFC 5321 §2.3.8, §4.1.1.4): only CR LF
// ends a line and only CR LF "." CR LF ends a message. A bare CR, a bare LF or a NUL byte — in a
// command or in a message — is refused with a 5xx reply and the connection closes: the message is
// never offered to the spool as ended, and nothing after the broken line end is executed.
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionSmugglingTests
    {
        private const string BareLineEnd = "521 5.5.2 Bare CR or LF received; lines must end with CRLF (RFC 5321 2.3.8)";
        private const string NulByte = "521 5.5.2 NUL byte received";

        // What an attacker hides behind the fake end of data: a second transaction for a foreign domain.
        private const string Smuggled = @"MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<victim@local.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nwire the money\r\n.\r\nQUIT\r\n";

        [Theory]
        [InlineData(@"hello\n.\n", BareLineEnd)]
        [InlineData(@"hello\r.\r", BareLineEnd)]
        [InlineData(@"hello\r.\r\n", BareLineEnd)]
        [InlineData(@"hello\n.\r\n", BareLineEnd)]
        [InlineData(@"hello\r\n.\n", BareLineEnd)]
        [InlineData(@"hello\r\n.\r", BareLineEnd)]
        [InlineData(@"hello\r\n.\r\r\n", BareLineEnd)]
        [InlineData(@"hello\r\r\n.\r\r\n", BareLineEnd)]
        [InlineData(@"hello\n\r\n.\r\n", BareLineEnd)]
        [InlineData(@"hello\r\n\n.\r\n", BareLineEnd)]
        [InlineData(@"hello\r\n.\x00\r\n", NulByte)]
        [InlineData(@"hello\x00\r\n.\r\n", NulByte)]
        [InlineData(@"\x00", NulByte)]
        [InlineData(@"\n", BareLineEnd)]
        [InlineData(@"\r", BareLineEnd)]
        public void Data_WithBrokenLineEnds_IsRefused_NeverStored_AndTheSmuggledMessageIsNeverRead(string fakeEnd, string reply)
        {
            var run = new SessionHarness().Run(Dialog.UpToData + "C: Subject: innocent\nC:\nC! " + fakeEnd + Smuggled + "\n" +
                                               "S: " + reply + "\n");
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events);
            Assert.Empty(run.Stored);
            Assert.True(run.Closed);
            Assert.True(run.Unconsumed > 0, "the smuggled bytes stay unread");
        }

        [Theory]
        [InlineData(@"a line with a bare LF\n in the middle\r\n")]
        [InlineData(@"a line with a bare CR\r in the middle\r\n")]
        [InlineData(@"a line with a NUL \x00 in the middle\r\n")]
        public void Data_BrokenLineEndDeepInALargeMessage_IsRefused_AndNothingIsStored(string brokenLine)
        {
            string padding = string.Concat(Enumerable.Range(0, 300).Select(i => "C: line " + i + " of a long message\n"));
            var run = new SessionHarness().Run(Dialog.UpToData + padding + "C! " + brokenLine + "\nC: .\nS: 521 5.5.2 *\n");
            Assert.Empty(run.Stored);
            Assert.Contains("DataAborted", run.Events);
            Assert.True(run.Closed);
        }

        [Fact]
        public void Data_BrokenLineEndAfterTheSizeLimit_IsStillRefusedAndClosed()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 100;
            var run = harness.Run(Dialog.Greeting + Dialog.EhloAnySize + Dialog.Mail + Dialog.Rcpt + Dialog.Data +
                                  "C: " + new string('x', 200) + "\nC! \\n.\\n" + Smuggled + "\nS: " + BareLineEnd + "\n");
            Assert.Empty(run.Stored);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events); // aborted once, when the limit was passed
            Assert.True(run.Closed);
        }

        [Theory]
        [InlineData("connected", @"NOOP\nQUIT\r\n", "521 Bare CR or LF received; lines must end with CRLF (RFC 5321 2.3.8)")]
        [InlineData("connected", @"NOOP\rQUIT\r\n", "521 Bare CR or LF received; lines must end with CRLF (RFC 5321 2.3.8)")]
        [InlineData("connected", @"NOOP\x00\r\n", "521 NUL byte received")]
        [InlineData("ehlo", @"NOOP\nQUIT\r\n", BareLineEnd)]
        [InlineData("ehlo", @"NOOP\r\rQUIT\r\n", BareLineEnd)]
        [InlineData("ehlo", @"\n", BareLineEnd)]
        [InlineData("ehlo", @"\r", BareLineEnd)]
        [InlineData("ehlo", @"NO\x00OP\r\n", NulByte)]
        [InlineData("ehlo", @"MAIL FROM:<a@client.test>\nRCPT TO:<b@foreign.test>\r\n", BareLineEnd)]
        [InlineData("mail", @"RCPT TO:<user@local.test>\nRCPT TO:<b@foreign.test>\r\n", BareLineEnd)]
        [InlineData("rcpt", @"DATA\n", BareLineEnd)]
        [InlineData("rcpt", @"DATA\r\x00\n", BareLineEnd)]
        public void Command_WithBrokenLineEnd_IsRefused521_AndNothingAfterItRuns(string state, string input, string reply)
        {
            var run = new SessionHarness().Run(Dialog.To(state) + "C! " + input + "C: NOOP\nS: " + reply + "\n");
            Assert.True(run.Closed);
            Assert.DoesNotContain("DataStarting", run.Events);
            Assert.Empty(run.Stored);
            Assert.Contains(run.Log, l => l.EndsWith(" in command from unknown[198.51.100.7]"));
        }
    }
}
