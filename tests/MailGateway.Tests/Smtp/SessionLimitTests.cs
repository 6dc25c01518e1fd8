// The limits a user can change (ServerSettings): command line length, message size, recipients per
// message, errors per session, idle time. Each is shown at its default and at a changed value.
using MailGateway.Core.Smtp;
using Xunit;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Smtp
{
    public class SessionLimitTests
    {
        // ---- Message size (RFC 1870) -----------------------------------------------------------

        [Fact]
        public void Mail_DeclaringMoreThanTheConfiguredSize_Replies552_534()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 1000;
            harness.Run(Dialog.Greeting + Dialog.EhloAnySize + """
                C: MAIL FROM:<sender@client.test> SIZE=1001
                S: 552 5.3.4 Message size exceeds fixed limit
                C: MAIL FROM:<sender@client.test> SIZE=1000
                S: 250 2.1.0 Ok
                """);
        }

        // A message of exactly the limit is accepted; one byte more is refused.
        [Theory]
        [InlineData(98, true)]
        [InlineData(99, false)]
        public void Data_AtTheSizeLimit_IsAccepted_OneByteOver_IsRefused(int lineLength, bool accepted)
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 100; // one line of 98 + CRLF is exactly 100 bytes as received
            var run = harness.Run(Dialog.Greeting + Dialog.EhloAnySize + Dialog.Mail + Dialog.Rcpt + Dialog.Data +
                                  "C: " + new string('x', lineLength) + "\nC: .\n" +
                                  (accepted ? Dialog.Queued : "S: 552 5.3.4 Message size exceeds fixed limit\n"));
            Assert.Equal(accepted ? 1 : 0, run.Stored.Count);
        }

        [Fact]
        public void Data_OverTheSizeLimit_IsReadToItsEnd_Refused552_StoresNothing_AndThePipelinedCommandRuns()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 1000;
            // Command-shaped lines inside the message must never be read as commands.
            string message = string.Concat(Enumerable.Range(0, 200).Select(i =>
                i % 3 == 0 ? "C: QUIT\n" : i % 3 == 1 ? "C: MAIL FROM:<evil@attacker.test>\n" : "C: RCPT TO:<victim@foreign.test>\n"));
            var run = harness.Run(Dialog.Greeting + Dialog.EhloAnySize + Dialog.Mail + Dialog.Rcpt + Dialog.Data + message + """
                C: .
                C: NOOP
                C: MAIL FROM:<next@client.test>
                S: 552 5.3.4 Message size exceeds fixed limit
                S: 250 2.0.0 Ok
                S: 250 2.1.0 Ok
                """);
            Assert.Empty(run.Stored);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events);
            Assert.False(run.Closed);
        }

        [Fact]
        public void Data_OverTheDefaultSizeLimit_IsRefused552()
        {
            // 10 MiB by default: 11 MiB of 1000-byte lines.
            var harness = new SessionHarness();
            var line = Transcript.Latin1(new string('y', 998) + "\r\n");
            var session = harness.NewSession();
            string start = "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n";
            Assert.Equal(start.Length, ReadingClient.Feed(session, start));
            Assert.Equal(SessionEvent.DataStarting, session.PollEvent());
            session.CompleteDataStart("Q1", SessionHarness.MessageUnixMs);
            bool aborted = false;
            for (int i = 0; i < 11 * 1024 * 1024 / line.Length; i++)
            {
                for (int done = 0; done < line.Length;)
                {
                    done += session.Receive(line, done, line.Length - done, 1_000_000);
                    for (int e = session.PollEvent(); e != SessionEvent.None; e = session.PollEvent())
                    {
                        if (e == SessionEvent.BodyReady) session.Body.Consume(session.Body.Count);
                        else if (e == SessionEvent.DataAborted) aborted = true;
                        else Assert.Fail("unexpected event " + SessionEvent.Name(e));
                    }
                }
            }
            var end = Transcript.Latin1(".\r\n");
            Assert.Equal(3, session.Receive(end, 0, 3, 1_000_000));
            Assert.True(aborted);
            string replies = ReadingClient.Output(session);
            Assert.EndsWith("\r\n552 5.3.4 Message size exceeds fixed limit\r\n", replies);
        }

        // ---- Recipients per message (RFC 5321 §4.5.3.1.8) --------------------------------------

        [Fact]
        public void Rcpt_OverTheDefault100_Replies452_453_AndTheFirst100Stay()
        {
            string recipients = string.Concat(Enumerable.Range(1, 100).Select(i => "C: RCPT TO:<u" + i + "@local.test>\nS: 250 2.1.5 Ok\n"));
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo + Dialog.Mail + recipients + """
                C: RCPT TO:<u101@local.test>
                S: 452 4.5.3 Too many recipients
                C: RCPT TO:<u102@local.test>
                S: 452 4.5.3 Too many recipients
                C: DATA
                S: 354 *
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.Single(run.Stored);
            Assert.False(run.Closed); // 452 is not counted as a client error
        }

        [Fact]
        public void Rcpt_OverAConfiguredLimit_Replies452_453()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxRecipients = 2;
            harness.Run(Dialog.Greeting + Dialog.Ehlo + Dialog.Mail + """
                C: RCPT TO:<a@local.test>
                C: RCPT TO:<b@local.test>
                C: RCPT TO:<c@local.test>
                S: 250 2.1.5 Ok
                S: 250 2.1.5 Ok
                S: 452 4.5.3 Too many recipients
                C: RSET
                C: MAIL FROM:<sender@client.test>
                C: RCPT TO:<c@local.test>
                S: 250 2.0.0 Ok
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                """);
        }

        // ---- Errors per session ----------------------------------------------------------------

        [Fact]
        public void Errors_AtTheDefaultLimitOf10_Reply421_470_AndClose()
        {
            string errors = string.Concat(Enumerable.Range(1, 10).Select(i => "C: BOGUS" + i + "\nS: 500 5.5.2 Command not recognized\n"));
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo + errors + """
                S: 421 4.7.0 Too many errors, closing connection
                C: NOOP
                """);
            Assert.True(run.Closed);
            Assert.Equal("NOOP\r\n".Length, run.Unconsumed);
        }

        [Fact]
        public void Errors_OfEveryKind_CountTowardsAConfiguredLimit()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxErrors = 4;
            var run = harness.Run(Dialog.Greeting + Dialog.Ehlo + """
                C: RCPT TO:<user@local.test>
                S: 503 5.5.1 *
                C: MAIL FROM:sender
                S: 501 5.1.7 *
                C: NOOP
                S: 250 2.0.0 Ok
                C: MAIL FROM:<sender@client.test>
                S: 250 2.1.0 Ok
                C: RCPT TO:<user@foreign.test>
                S: 554 5.7.1 *
                C: XYZZY
                S: 500 5.5.2 Command not recognized
                S: 421 4.7.0 Too many errors, closing connection
                C: RCPT TO:<user@local.test>
                """);
            Assert.True(run.Closed);
        }

        // ---- Idle timeout (RFC 5321 §4.5.3.2.7) ------------------------------------------------

        [Fact]
        public void Idle_ForTheDefault5Minutes_Replies421_442_AndCloses()
        {
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo + """
                W: 299999
                C: NOOP
                S: 250 2.0.0 Ok
                W: 299999
                W: 1
                S: 421 4.4.2 Timeout, closing connection
                """);
            Assert.True(run.Closed);
            Assert.Contains("timeout after AwaitingMail from unknown[198.51.100.7]", run.Log);
        }

        [Fact]
        public void Idle_BeforeEhlo_Replies421WithoutEnhancedCode()
        {
            var harness = new SessionHarness();
            harness.Settings.IdleTimeoutMs = 1000;
            var run = harness.Run(Dialog.Greeting + """
                W: 1000
                S: 421 Timeout, closing connection
                C: EHLO late.test
                """);
            Assert.True(run.Closed);
            Assert.True(run.Unconsumed > 0);
        }

        [Fact]
        public void Idle_DuringData_Replies421_AbortsTheMessage_StoresNothing()
        {
            var harness = new SessionHarness();
            harness.Settings.IdleTimeoutMs = 1000;
            var run = harness.Run(Dialog.UpToData + """
                C: Subject: half a message
                W: 999
                C: still coming
                W: 1000
                S: 421 4.4.2 Timeout, closing connection
                """);
            Assert.True(run.Closed);
            Assert.Empty(run.Stored);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events);
        }

        [Fact]
        public void HandleDeadline_BeforeTheDeadline_DoesNothing()
        {
            var harness = new SessionHarness();
            harness.Settings.IdleTimeoutMs = 1000;
            var session = harness.NewSession();
            Assert.Equal(harness.StartMs + 1000, session.PollDeadline());
            session.HandleDeadline(harness.StartMs + 999);
            Assert.Equal(ServerState.AwaitingHelo, session.State);
            session.HandleDeadline(harness.StartMs + 1000);
            Assert.Equal(ServerState.Closing, session.State);
        }

        [Fact]
        public void PollDeadline_WhileTheSpoolDecides_IsNoDeadline()
        {
            var session = new SessionHarness().NewSession();
            ReadingClient.Feed(session, "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n");
            Assert.Equal(ServerState.AwaitingDataStart, session.State);
            Assert.Equal(SmtpServerSession.NoDeadline, session.PollDeadline());
            Assert.Equal(SessionEvent.DataStarting, session.PollEvent());
            session.CompleteDataStart("Q1", 0);
            Assert.NotEqual(SmtpServerSession.NoDeadline, session.PollDeadline());
            var end = Transcript.Latin1(".\r\n");
            session.Receive(end, 0, end.Length, 1_000_000);
            Assert.Equal(ServerState.AwaitingSpool, session.State);
            Assert.Equal(SmtpServerSession.NoDeadline, session.PollDeadline());
        }

        // ---- Command line length (RFC 5321 §4.5.3.1.4) -----------------------------------------

        [Theory]
        [InlineData(998, "250 2.0.0 Ok")]                // 998 + CRLF = 1000: the longest line allowed
        [InlineData(999, "500 5.5.2 Line too long")]
        [InlineData(5000, "500 5.5.2 Line too long")]
        public void CommandLine_AtAndOverTheDefault1000_Replies(int length, string reply)
        {
            string line = "NOOP " + new string('x', length - 5);
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo + "C: " + line + "\nS: " + reply + "\n" + """
                C: NOOP
                S: 250 2.0.0 Ok
                """);
            Assert.False(run.Closed);
        }

        // The tail of an over-long line is never a command, wherever the line is cut.
        [Theory]
        [InlineData(97)]
        [InlineData(98)]
        [InlineData(99)]
        [InlineData(100)]
        [InlineData(150)]
        public void CommandLine_OverAConfiguredLimit_Replies500_552_AndItsTailIsNeverACommand(int padding)
        {
            var harness = new SessionHarness();
            harness.Settings.MaxCommandLine = 100;
            string line = new string('x', padding) + "QUIT";
            var run = harness.Run(Dialog.Greeting + Dialog.Ehlo + "C: " + line + "\n" + """
                S: 500 5.5.2 Line too long
                C: NOOP
                S: 250 2.0.0 Ok
                """);
            Assert.False(run.Closed);
        }

        [Fact]
        public void CommandLine_OverTheLimit_EndingInBareLf_IsStillRefusedAndClosed()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxCommandLine = 100;
            var run = harness.Run(Dialog.Greeting + Dialog.Ehlo + "C! " + new string('x', 150) + "\\nQUIT\\r\\n\n" +
                                  "S: 521 5.5.2 Bare CR or LF received; lines must end with CRLF (RFC 5321 2.3.8)\n");
            Assert.True(run.Closed);
        }

        // ---- Backpressure ----------------------------------------------------------------------

        [Fact]
        public void Receive_WhileRepliesPileUpUnsent_StopsReadingCommands()
        {
            // A client that pipelines without ever reading its replies must not grow our memory.
            var session = new SessionHarness().NewSession();
            var input = Transcript.Latin1("EHLO c\r\n" + string.Concat(Enumerable.Repeat("HELP\r\n", 10_000)));
            int used = session.Receive(input, 0, input.Length, 1_000_000);
            Assert.InRange(used, 1, 4096);
            Assert.True(session.HasOutput);
            var output = new byte[100_000];
            int sent = Transmitter.Copy(session, output, 0, output.Length);
            Assert.InRange(sent, 1, 8192);
            int more = session.Receive(input, used, input.Length - used, 1_000_000);
            Assert.InRange(more, 1, 4096);
        }
    }
}
