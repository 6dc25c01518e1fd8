// The limits: command line length (RFC 2449 §4: 255 octets with CRLF), broken line ends and NUL
// (-ERR and close), errors per session, and the idle timer (RFC 1939 §3: at least 10 minutes; on
// expiry the session closes without a reply and without UPDATE).
using MailGateway.Core.Local;
using Xunit;

namespace MailGateway.Tests.Pop3
{
    public class Pop3LimitTests
    {
        private const string Greeting = Pop3Harness.Greeting;

        [Fact]
        public void CommandLine_Of255Octets_IsRead_256_IsRefused()
        {
            string name253 = new string('n', 253 - 5);    // "USER " + name = 253, + CRLF = 255
            string name254 = name253 + "n";
            var run = new Pop3Harness().Run(Greeting + "C: USER " + name253 + "\nS: +OK Send PASS\n" +
                                            "C: USER " + name254 + "\nS: -ERR Line too long (RFC 2449: 255 octets)\n" +
                                            "C: NOOP\nS: -ERR NOOP not valid in this state; expected USER PASS STLS CAPA QUIT\n");
            Assert.False(run.Closed);
            Assert.Equal(name253, run.Session.User);
        }

        [Fact]
        public void VeryLongLine_IsReadToItsEnd_AndRefusedOnce()
        {
            new Pop3Harness().Run(Greeting + "C: " + new string('A', 10_000) + "\nS: -ERR Line too long (RFC 2449: 255 octets)\nC: QUIT\nS: +OK *\n");
        }

        [Theory]
        [InlineData(@"NOOP\nQUIT\r\n", "-ERR Bare CR or LF received; lines must end with CRLF")]
        [InlineData(@"NOOP\rQUIT\r\n", "-ERR Bare CR or LF received; lines must end with CRLF")]
        [InlineData(@"\n", "-ERR Bare CR or LF received; lines must end with CRLF")]
        [InlineData(@"\r\r\n", "-ERR Bare CR or LF received; lines must end with CRLF")]
        [InlineData(@"DELE 1\nQUIT\r\n", "-ERR Bare CR or LF received; lines must end with CRLF")]
        [InlineData(@"DE\x00LE 1\r\nQUIT\r\n", "-ERR NUL byte received")]
        [InlineData(@"\x00", "-ERR NUL byte received")]
        public void BrokenLineEnd_OrNul_RepliesErr_Closes_AndRunsNothingAfterIt(string bytes, string reply)
        {
            var run = new Pop3Harness().Run(Greeting + Pop3Harness.Login + "C! " + bytes + "\nS: " + reply + "\n");
            Assert.True(run.Closed);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(0, run.Maildrop.CommitCalls);
            Assert.Equal(new[] { "AuthRequested alice" }, run.Events);
        }

        [Fact]
        public void TooManyErrors_CloseTheSession()
        {
            var harness = new Pop3Harness();
            harness.Settings.MaxErrors = 3;
            var run = harness.Run(Greeting + Pop3Harness.Login + """
                C: FOO
                C: LIST 9
                C: BAR
                C: NOOP
                S: -ERR Unknown command
                S: -ERR no such message, only 2 messages in maildrop
                S: -ERR Unknown command
                S: -ERR Too many errors, closing connection
                """);
            Assert.True(run.Closed);
            Assert.Equal(1, run.Maildrop.UnlockCalls);
            Assert.Contains("too many errors in AwaitingCommand user=<alice> from [192.0.2.10]", run.Log);
        }

        [Fact]
        public void TenErrors_ByDefault()
        {
            string tenErrors = string.Concat(Enumerable.Repeat("C: FOO\nS: -ERR Unknown command\n", 10));
            var run = new Pop3Harness().Run(Greeting + tenErrors + "S: -ERR Too many errors, closing connection\n");
            Assert.True(run.Closed);
        }

        [Fact]
        public void IdleTimeout_IsTenMinutes_AndClosesWithoutAReply_AndWithoutUpdate()
        {
            var run = new Pop3Harness().Run(Greeting + Pop3Harness.Login + """
                C: DELE 1
                S: +OK message 1 deleted
                W: 599999
                C: NOOP
                S: +OK
                W: 600000
                C: QUIT
                """);
            Assert.True(run.Closed);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(0, run.Maildrop.CommitCalls);
            Assert.Equal(1, run.Maildrop.UnlockCalls);
            Assert.Contains("timeout in AwaitingCommand user=<alice> from [192.0.2.10], nothing deleted", run.Log);
        }

        [Fact]
        public void IdleTimeout_IsConfigurable_AndAppliesBeforeLogin()
        {
            var harness = new Pop3Harness();
            harness.Settings.IdleTimeoutMs = 60_000;
            var run = harness.Run(Greeting + """
                C: USER alice
                S: +OK Send PASS
                W: 59999
                W: 1
                C: PASS secret
                """);
            Assert.True(run.Closed);
            Assert.Empty(run.Events);
            Assert.Contains("timeout in AwaitingPass user=<alice> from [192.0.2.10]", run.Log);
        }
    }
}
