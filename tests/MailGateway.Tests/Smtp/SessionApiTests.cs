// The session's driving API as the loop sees it (HOUSE-STYLE: errors in three tiers): protocol
// faults are replies and states, never exceptions; misuse of the API by the loop throws; and a
// seeded fuzzer shows that no input makes Receive throw or leave the session undefined.
using MailGateway.Core.Smtp;
using Xunit;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Smtp
{
    public class SessionApiTests
    {
        private static SmtpServerSession AtData(out SessionHarness harness)
        {
            harness = new SessionHarness();
            var session = harness.NewSession();
            Feed(session, "EHLO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n");
            Assert.Equal(ServerState.AwaitingDataStart, session.State);
            Assert.Equal(SessionEvent.DataStarting, session.PollEvent());
            return session;
        }

        private static void Feed(SmtpServerSession session, string text)
        {
            Assert.Equal(Transcript.Latin1(text).Length, ReadingClient.Feed(session, text));
        }

        private static string Output(SmtpServerSession session) => ReadingClient.Output(session);

        // ---- Misuse throws ---------------------------------------------------------------------

        [Fact]
        public void CompleteSpool_WithoutAnEndedMessage_Throws()
        {
            var session = new SessionHarness().NewSession();
            Assert.Throws<InvalidOperationException>(() => session.CompleteSpool(Replies.Ok));
        }

        [Fact]
        public void CompleteSpool_Twice_Throws()
        {
            var session = AtData(out _);
            session.CompleteDataStart("Q1", 0);
            Feed(session, ".\r\n");
            session.CompleteSpool(Replies.Ok);
            Assert.Throws<InvalidOperationException>(() => session.CompleteSpool(Replies.Ok));
        }

        [Fact]
        public void CompleteDataStart_Twice_Throws_AndFailDataStartAfterIt_Throws()
        {
            var session = AtData(out _);
            session.CompleteDataStart("Q1", 0);
            Assert.Throws<InvalidOperationException>(() => session.CompleteDataStart("Q2", 0));
            Assert.Throws<InvalidOperationException>(() => session.FailDataStart(Replies.SpoolFull));
        }

        [Fact]
        public void CompleteDataStart_BeforeData_Throws()
        {
            var session = new SessionHarness().NewSession();
            Assert.Throws<InvalidOperationException>(() => session.CompleteDataStart("Q1", 0));
        }

        // ---- Flow control ----------------------------------------------------------------------

        [Fact]
        public void Receive_AfterDataCommand_ConsumesNothingMore_UntilTheSpoolAnswers()
        {
            var session = new SessionHarness().NewSession();
            Feed(session, "EHLO c\r\n");
            Output(session); // a pipelining client reads the EHLO reply first (RFC 2920 §3.1)
            var input = Transcript.Latin1("MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n");
            int used = session.Receive(input, 0, input.Length, 1_000_000);
            Assert.Equal("MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n".Length, used);
            Assert.Equal(0, session.Receive(input, used, input.Length - used, 1_000_000));
            Assert.Equal(SessionEvent.DataStarting, session.PollEvent());
            Assert.Equal(SessionEvent.None, session.PollEvent());
            session.CompleteDataStart("Q1", 0);
            int data = session.Receive(input, used, input.Length - used, 1_000_000);
            Assert.Equal("hello\r\n.\r\n".Length, data);           // stops at the end of data
            Assert.Equal(SessionEvent.DataEnded, session.PollEvent());  // the short body goes with it
            Assert.EndsWith("hello\r\n", Transcript.Latin1(session.Body.ToArray()));
            session.Body.Consume(session.Body.Count);
            Assert.Equal(0, session.Receive(input, used + data, input.Length - used - data, 1_000_000));
            session.CompleteSpool(Replies.Ok);
            Assert.Equal("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as Q1\r\n", Output(session));
            Assert.Equal("QUIT\r\n".Length, session.Receive(input, used + data, input.Length - used - data, 1_000_000));
            Assert.Equal("221 2.0.0 Bye\r\n", Output(session));
            Assert.True(session.IsClosed);
        }

        [Fact]
        public void Receive_WhileBodyIsFull_WaitsForTheLoopToEmptyIt()
        {
            var session = AtData(out _);
            session.CompleteDataStart("Q1", 0);
            var line = Transcript.Latin1(new string('b', 998) + "\r\n");
            var message = Enumerable.Repeat(line, 20).SelectMany(l => l).ToArray();
            int used = session.Receive(message, 0, message.Length, 1_000_000);
            // At most a chunk, plus the header line the filter holds while it decides what the line is.
            Assert.InRange(used, 1, SmtpServerSession.BodyChunk + HeaderFilter.MaxHeaderLine + 2);
            Assert.InRange(session.Body.Count, SmtpServerSession.BodyChunk - 1, SmtpServerSession.BodyChunk + SmtpServerSession.BodyHeadroom);
            Assert.Equal(0, session.Receive(message, used, message.Length - used, 1_000_000));
            Assert.Equal(SessionEvent.BodyReady, session.PollEvent());
            session.Body.Consume(session.Body.Count);
            Assert.True(session.Receive(message, used, message.Length - used, 1_000_000) > 0);
        }

        [Fact]
        public void Receive_HonoursOffsetAndCount()
        {
            var session = new SessionHarness().NewSession();
            var input = Transcript.Latin1("QUIT\r\nNOOP\r\nXXXX");
            Assert.Equal(6, session.Receive(input, 6, 6, 1_000_000));
            Assert.EndsWith("\r\n250 Ok\r\n", Output(session));
            Assert.False(session.IsClosed);
        }

        [Fact]
        public void Receive_OfNothing_ChangesNothing()
        {
            var harness = new SessionHarness();
            var session = harness.NewSession();
            long deadline = session.PollDeadline();
            Assert.Equal(0, session.Receive(new byte[0], 0, 0, harness.StartMs + 5000));
            Assert.Equal(deadline, session.PollDeadline());
        }

        // ---- Ending ----------------------------------------------------------------------------

        [Theory]
        [InlineData("")]
        [InlineData("EHLO c\r\n")]
        [InlineData("EHLO c\r\nMAIL FROM:<>\r\n")]
        [InlineData("EHLO c\r\nMAI")]
        public void ReceiveEof_OutsideData_Closes_WithoutAnEvent(string before)
        {
            var session = new SessionHarness().NewSession();
            if (before.Length > 0) Feed(session, before);
            session.ReceiveEof();
            // Replies already queued still go out (a client may half-close after its last
            // command); once they are taken the session is closed.
            Assert.StartsWith("220 ", Output(session));
            Assert.True(session.IsClosed);
            Assert.False(session.HasOutput);
            Assert.Equal(SessionEvent.None, session.PollEvent());
            Assert.Equal(SmtpServerSession.NoDeadline, session.PollDeadline());
            Assert.Equal(0, session.Receive(new byte[] { 65 }, 0, 1, 1_000_000));
        }

        [Fact]
        public void ReceiveEof_DuringData_AbortsTheMessage()
        {
            var session = AtData(out _);
            session.CompleteDataStart("Q1", 0);
            Feed(session, "half a mess");
            session.ReceiveEof();
            Assert.Equal(SessionEvent.DataAborted, session.PollEvent());
            Output(session); // the 354 still goes out
            Assert.True(session.IsClosed);
        }

        [Theory]
        [InlineData(false, "421 Shutting down, try again later\r\n")]
        [InlineData(true, "421 4.3.2 Shutting down, try again later\r\n")]
        public void Shutdown_Replies421_AndCloses(bool ehlo, string reply)
        {
            var session = new SessionHarness().NewSession();
            if (ehlo) Feed(session, "EHLO c\r\n");
            Output(session);
            session.Shutdown();
            Assert.Equal(reply, Output(session));
            Assert.True(session.IsClosed);
        }

        [Fact]
        public void Shutdown_DuringData_AbortsTheMessage()
        {
            var session = AtData(out _);
            session.CompleteDataStart("Q1", 0);
            Feed(session, "part");
            session.Shutdown();
            Assert.Equal(SessionEvent.DataAborted, session.PollEvent());
            Assert.EndsWith("421 4.3.2 Shutting down, try again later\r\n", Output(session));
        }

        [Fact]
        public void PollTransmit_InSmallPieces_SendsEverything_ThenCloses()
        {
            var session = new SessionHarness().NewSession();
            Feed(session, "NOOP\r\nQUIT\r\n");
            var text = new List<byte>();
            var piece = new byte[3];
            while (!session.IsClosed)
            {
                int n = Transmitter.Copy(session, piece, 0, piece.Length);
                Assert.InRange(n, 1, 3);
                text.AddRange(piece.Take(n));
            }
            Assert.EndsWith(" ESMTP MailGateway\r\n250 Ok\r\n221 Bye\r\n", Transcript.Latin1(text.ToArray()));
        }

        [Fact]
        public void Accessors_DescribeTheTransaction()
        {
            var harness = new SessionHarness();
            var session = harness.NewSession();
            Assert.Equal(SessionHarness.Stranger, session.ClientAddress);
            Assert.Null(session.HeloName);
            Assert.Equal("SMTP", session.Protocol);
            Feed(session, "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@local.test>\r\nRCPT TO:<c@relay.test>\r\n");
            Assert.Equal("client.test", session.HeloName);
            Assert.Equal("ESMTP", session.Protocol);
            Assert.Equal("<a@client.test>", session.Sender.ToString());
            Assert.Equal(2, session.RecipientCount);
            Assert.Equal("<c@relay.test>", session.Recipient(1).ToString());
            Assert.Null(session.QueueId);
        }

        // ---- Fuzz ------------------------------------------------------------------------------

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Receive_AnyInput_NeverThrows_AndAlwaysEndsInADefinedState(int seed)
        {
            string[] tokens =
            {
                "EHLO c\r\n", "HELO c\r\n", "MAIL FROM:<a@b.test>\r\n", "MAIL FROM:<>\r\n", "RCPT TO:<u@local.test>\r\n",
                "RCPT TO:<u@foreign.test>\r\n", "RCPT TO:<postmaster>\r\n", "DATA\r\n", "RSET\r\n", "NOOP\r\n", "QUIT\r\n",
                "VRFY x\r\n", "GET / HTTP/1.1\r\n", ".\r\n", "..\r\n", "\r\n", "\n", "\r", "\0", ".", "Received: x\r\n",
                "Subject: s\r\n", "MAIL FROM:<a@b.test> SIZE=99999999\r\n", new string('x', 1200), "\r\n.\r\n", "\xff\x80",
            };
            var random = new Random(seed);
            for (int round = 0; round < 150; round++)
            {
                var harness = new SessionHarness();
                harness.Settings.MaxMessageBytes = random.Next(2) == 0 ? 200 : 1 << 20;
                harness.Settings.MaxErrors = random.Next(2, 12);
                harness.Settings.MaxRecipients = random.Next(1, 4);
                harness.Settings.MaxReceived = random.Next(0, 3);
                harness.DataStartFailure = random.Next(5) == 0 ? Replies.SpoolFull : null;
                harness.SpoolVerdict = random.Next(5) == 0 ? Replies.SpoolError : Replies.Ok;
                var transcript = new Transcript();
                var input = new List<byte>();
                int tokenCount = random.Next(1, 60);
                for (int i = 0; i < tokenCount; i++)
                {
                    input.AddRange(Transcript.Latin1(tokens[random.Next(tokens.Length)]));
                    if (random.Next(15) == 0)
                    {
                        transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Send, Bytes = input.ToArray() });
                        transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Wait, Ms = random.Next(0, 400_000) });
                        input.Clear();
                    }
                }
                transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Send, Bytes = input.ToArray() });
                if (random.Next(3) == 0) transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Eof });
                string how = "seed " + seed + ", round " + round;
                SessionRun run;
                try
                {
                    run = harness.RunOnce(transcript, Text.Feed.Random(seed * 1000 + round, 64));
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    throw new Exception(how + ": " + e.Message, e);
                }
                Assert.True(run.FinalState != "?", how);
                foreach (string line in run.Replies)
                {
                    Assert.Matches(@"^[2345]\d\d[ -]", line);
                    Assert.True(line.Length <= 512, how + ": reply line too long");
                }
                // Every DataStarting that got a file ends exactly once: ended or aborted.
                int started = run.Events.Count(e => e == "DataStarting");
                int finished = run.Events.Count(e => e == "DataEnded" || e == "DataAborted");
                Assert.True(harness.DataStartFailure != null || started == finished || (started == finished + 1 && !run.Closed),
                            how + ": events " + string.Join(",", run.Events));
            }
        }
    }
}
