// The session's driving API as the loop sees it (HOUSE-STYLE: errors in three tiers): misuse of
// the API throws; verdicts that arrive after the connection is gone still release the maildrop;
// the idle timer during a long download; Shutdown; and a seeded fuzzer: no input makes Receive
// throw, every run ends in a defined state, and a maildrop is unlocked at most once.
using MailGateway.Core.Local;
using MailGateway.Tests.Smtp;
using Xunit;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Pop3
{
    public class Pop3ApiTests
    {
        private const long Now = 1_000_000;

        private static Pop3Session NewSession(Pop3Settings settings = null)
        {
            return new Pop3Session(settings ?? new Pop3Settings { Hostname = "pop.local.test", AllowPlaintextLogin = true },
                                   "192.0.2.10", false, Now);
        }

        private static int Feed(Pop3Session session, string text, long nowMs = Now)
        {
            var bytes = Transcript.Latin1(text);
            return session.Receive(bytes, 0, bytes.Length, nowMs);
        }

        private static string Output(Pop3Session session, int max = 1 << 20)
        {
            var buffer = new byte[max];
            return Transcript.Latin1(buffer[..Transmitter.Copy(session, buffer, 0, buffer.Length)]);
        }

        private static MemoryMaildrop Locked(MemoryMaildrop drop)
        {
            drop.Locked = true;
            return drop;
        }

        private static Pop3Session LoggedIn(MemoryMaildrop drop)
        {
            var session = NewSession();
            Feed(session, "USER alice\r\nPASS secret\r\n");
            Assert.Equal(Pop3Event.AuthRequested, session.PollEvent());
            session.CompleteAuth(true, Locked(drop), null);
            Output(session);
            return session;
        }

        // ---- Misuse throws ---------------------------------------------------------------------

        [Fact]
        public void Verdicts_NobodyAskedFor_Throw()
        {
            var session = NewSession();
            Assert.Throws<InvalidOperationException>(() => session.CompleteAuth(true, Locked(new MemoryMaildrop()), null));
            Assert.Throws<InvalidOperationException>(() => session.CompleteTls(true));
            Assert.Throws<InvalidOperationException>(() => session.CompleteCommit(true));
        }

        [Fact]
        public void CompleteAuth_Twice_Throws_AndSuccessWithoutAMaildrop_Throws()
        {
            var session = NewSession();
            Feed(session, "USER alice\r\nPASS secret\r\n");
            Assert.Throws<ArgumentNullException>(() => session.CompleteAuth(true, null, null));
            session = NewSession();
            Feed(session, "USER alice\r\nPASS secret\r\n");
            session.CompleteAuth(false, null, null);
            Assert.Throws<InvalidOperationException>(() => session.CompleteAuth(false, null, null));
        }

        // ---- Waiting for the loop --------------------------------------------------------------

        [Fact]
        public void WhileTheVerdictIsAwaited_NothingIsRead_AndThereIsNoDeadline()
        {
            var session = NewSession();
            Assert.Equal(25, Feed(session, "USER alice\r\nPASS secret\r\nSTAT\r\n")); // STAT stays unread
            Assert.Equal(Pop3State.AwaitingAuth, session.State);
            Assert.Equal("secret", session.Password);
            Assert.False(session.CanReceive);
            Assert.Equal(0, Feed(session, "STAT\r\n"));
            Assert.Equal(Pop3Session.NoDeadline, session.PollDeadline());
            session.CompleteAuth(false, null, "[AUTH] go away\r\nSTAT");
            Assert.Null(session.Password);
            Assert.EndsWith("-ERR [AUTH] go away  STAT\r\n", Output(session)); // the loop's text stays on one line
        }

        [Fact]
        public void EofWhileTheLoopChecksTheLogin_ThenASuccess_UnlocksTheMaildropAtOnce()
        {
            var session = NewSession();
            Feed(session, "USER alice\r\nPASS secret\r\n");
            Assert.Equal("+OK pop.local.test POP3 ready\r\n+OK Send PASS\r\n", Output(session));
            session.ReceiveEof();
            Assert.True(session.IsClosed);
            var drop = Locked(Pop3Harness.Rfc1939Maildrop());
            session.CompleteAuth(true, drop, null);
            Assert.Equal(1, drop.UnlockCalls);
            Assert.Null(session.Password);
            Assert.Equal("", Output(session));
        }

        [Fact]
        public void EofAfterQuit_TheCommitStillRuns_AndTheMaildropIsUnlockedAfterIt()
        {
            var drop = Pop3Harness.Rfc1939Maildrop();
            var session = LoggedIn(drop);
            Feed(session, "DELE 1\r\nQUIT\r\n");
            Assert.Equal(Pop3Event.Commit, session.PollEvent());
            session.ReceiveEof();
            Assert.Equal(0, drop.UnlockCalls);   // not before the commit
            Assert.True(session.Maildrop.CommitDeletions());
            session.CompleteCommit(true);
            Assert.Equal(1, drop.UnlockCalls);
            Assert.Equal(new[] { 0 }, drop.Removed);
        }

        [Fact]
        public void Shutdown_SaysSo_DeletesNothing_AndUnlocks()
        {
            var drop = Pop3Harness.Rfc1939Maildrop();
            var session = LoggedIn(drop);
            Feed(session, "DELE 1\r\n");
            Output(session);
            session.Shutdown();
            Assert.Equal("-ERR [SYS/TEMP] Server shutting down, try again later\r\n", Output(session));
            Assert.True(session.IsClosed);
            Assert.Equal(1, drop.UnlockCalls);
            Assert.Empty(drop.Removed);
        }

        [Fact]
        public void Shutdown_MidMessage_CutsTheStreamWithoutAStatusLine()
        {
            var drop = new MemoryMaildrop();
            drop.Add(Pop3Harness.Sized("Subject: big\n\n", 100_000));
            var session = LoggedIn(drop);
            Feed(session, "RETR 1\r\n");
            string start = Output(session, 60);
            Assert.Equal(Pop3State.Sending, session.State);
            session.Shutdown();
            Assert.Equal("", Output(session));
            Assert.True(session.IsClosed);
            Assert.StartsWith("+OK 100000 octets\r\n", start);
            Assert.Equal(1, drop.UnlockCalls);
        }

        // ---- Streaming -------------------------------------------------------------------------

        [Fact]
        public void WhileAMessageStreams_CommandsAreNotRead()
        {
            var session = LoggedIn(Pop3Harness.Rfc1939Maildrop());
            Assert.Equal(8, Feed(session, "RETR 2\r\nNOOP\r\n"));
            Assert.Equal(Pop3State.Sending, session.State);
            Assert.False(session.CanReceive);
            Assert.True(session.HasOutput);
            Output(session);
            Assert.Equal(Pop3State.AwaitingCommand, session.State);
            Assert.Equal(6, Feed(session, "NOOP\r\n"));
            Assert.Equal("+OK\r\n", Output(session));
        }

        [Fact]
        public void IdleTimer_DuringADownload_CountsBytesSent_ButAStalledClientTimesOut()
        {
            var drop = new MemoryMaildrop();
            drop.Add(Pop3Harness.Sized("Subject: big\n\n", 100_000));
            var session = LoggedIn(drop);
            Feed(session, "RETR 1\r\n");
            long deadline = session.PollDeadline();
            Assert.Equal(Now + 600_000, deadline);
            Output(session, 5000);                  // the client reads some
            session.HandleDeadline(deadline);
            Assert.False(session.IsClosed);
            Assert.Equal(deadline + 600_000, session.PollDeadline());
            session.HandleDeadline(deadline + 600_000);   // nothing read since: closed, no reply
            Assert.True(session.IsClosed);
            Assert.Equal("", Output(session));
            Assert.Equal(1, drop.UnlockCalls);
            Assert.Equal("timeout in Sending user=<alice> from [192.0.2.10], nothing deleted", LastLog(session));
        }

        private static string LastLog(Pop3Session session)
        {
            string last = null;
            for (string line = session.PollLogLine(); line != null; line = session.PollLogLine()) last = line;
            return last;
        }

        // ---- Fuzzing ---------------------------------------------------------------------------

        private static readonly string[] Vocabulary =
        {
            "USER alice", "PASS secret", "PASS wrong", "STAT", "LIST", "LIST 1", "LIST 9", "RETR 1", "RETR 2", "TOP 1 0",
            "TOP 2 3", "DELE 1", "DELE 2", "RSET", "NOOP", "UIDL", "UIDL 2", "CAPA", "STLS", "QUIT", "FOO", "",
            "RETR", "TOP 1", new string('x', 300),
        };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Fuzz_NoInputMakesTheSessionThrow_AndEveryRunEndsDefined(int seed)
        {
            var random = new Random(seed);
            for (int round = 0; round < 300; round++)
            {
                var settings = new Pop3Settings { AllowPlaintextLogin = random.Next(2) == 0, TlsAvailable = random.Next(2) == 0, MaxErrors = 5 };
                var session = new Pop3Session(settings, "192.0.2.1", false, Now);
                MemoryMaildrop drop = null;
                var input = new List<byte>();
                int commands = random.Next(1, 30);
                for (int i = 0; i < commands; i++)
                {
                    if (random.Next(10) == 0)
                    {
                        var junk = new byte[random.Next(1, 20)];
                        random.NextBytes(junk);
                        input.AddRange(junk);
                    }
                    else
                    {
                        input.AddRange(Transcript.Latin1(Vocabulary[random.Next(Vocabulary.Length)] + "\r\n"));
                    }
                }
                byte[] bytes = input.ToArray();
                int offset = 0;
                long now = Now;
                var buffer = new byte[random.Next(1, 200)];
                for (int steps = 0; steps < 100_000 && !session.IsClosed; steps++)
                {
                    int chunk = Math.Min(bytes.Length - offset, random.Next(1, 64));
                    if (chunk > 0) offset += session.Receive(bytes, offset, chunk, now);
                    for (int e = session.PollEvent(); e != Pop3Event.None; e = session.PollEvent())
                    {
                        if (e == Pop3Event.AuthRequested)
                        {
                            if (session.Password == "secret" && random.Next(4) != 0)
                            {
                                drop = Locked(Pop3Harness.Rfc1939Maildrop());
                                session.CompleteAuth(true, drop, null);
                            }
                            else
                            {
                                session.CompleteAuth(false, null, random.Next(2) == 0 ? Pop3Replies.MailboxInUse : null);
                            }
                        }
                        else if (e == Pop3Event.StartTls) session.CompleteTls(random.Next(3) != 0);
                        else if (e == Pop3Event.Commit) session.CompleteCommit(session.Maildrop.CommitDeletions());
                    }
                    while (Transmitter.Copy(session, buffer, 0, buffer.Length) > 0) { }
                    while (session.PollLogLine() != null) { }
                    if (offset == bytes.Length && session.CanReceive)
                    {
                        if (random.Next(2) == 0) session.ReceiveEof();
                        else
                        {
                            now = Math.Max(now, session.PollDeadline());
                            session.HandleDeadline(now);
                        }
                    }
                }
                Assert.True(session.IsClosed, "seed " + seed + " round " + round + ": ended in " + Pop3State.Name(session.State));
                Assert.InRange(session.State, 0, Pop3State.Count - 1);
                if (drop != null) Assert.Equal(1, drop.UnlockCalls);
                Assert.Null(session.Password);
            }
        }
    }
}
