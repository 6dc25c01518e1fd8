// TRANSACTION and UPDATE (RFC 1939 §5, §6, §7): STAT, LIST, UIDL, RETR, DELE, NOOP, RSET, TOP, QUIT.
// Message numbers are fixed at login; deleted messages are invisible; nothing is removed before
// QUIT, and only what is still marked then.
using Xunit;

namespace MailGateway.Tests.Pop3
{
    public class Pop3TransactionTests
    {
        private const string LoggedIn = Pop3Harness.Greeting + Pop3Harness.Login;

        // RFC 1939 §10, with USER/PASS in place of APOP (not offered).
        [Fact]
        public void Rfc1939ExampleDialog_IsReproduced()
        {
            var harness = new Pop3Harness();
            harness.Passwords["mrose"] = "tanstaaf";
            harness.Mailboxes["mrose"] = Pop3Harness.Rfc1939Maildrop();
            var run = harness.Run(Pop3Harness.Greeting + """
                C: USER mrose
                S: +OK Send PASS
                C: PASS tanstaaf
                S: +OK mrose's maildrop has 2 messages (320 octets)
                C: STAT
                S: +OK 2 320
                C: LIST
                S: +OK 2 messages (320 octets)
                S: 1 120
                S: 2 200
                S: .
                C: RETR 1
                S: +OK 120 octets

                """ + Pop3Harness.ServerLines(Pop3Harness.Message1) + """
                S: .
                C: DELE 1
                S: +OK message 1 deleted
                C: RETR 2
                S: +OK 200 octets

                """ + Pop3Harness.ServerLines(Pop3Harness.Message2) + """
                S: .
                C: DELE 2
                S: +OK message 2 deleted
                C: QUIT
                S: +OK pop.local.test POP3 server signing off (maildrop empty)
                """);
            Assert.True(run.Closed);
            Assert.Equal(new[] { 0, 1 }, run.Maildrop.Removed);
            Assert.Equal(new[] { "AuthRequested mrose", "Commit ok" }, run.Events);
            Assert.Contains("logout user=<mrose> from [192.0.2.10] top=0 retr=2/320 del=2/2", run.Log);
        }

        [Fact]
        public void ListAndUidl_WithAndWithoutNumber()
        {
            new Pop3Harness().Run(LoggedIn + """
                C: LIST 2
                S: +OK 2 200
                C: UIDL
                S: +OK Unique-ID listing follows
                S: 1 whqtswO00WBw418f9t5JxYwZ
                S: 2 QhdPYR:00WBw1Ph7x7
                S: .
                C: UIDL 2
                S: +OK 2 QhdPYR:00WBw1Ph7x7
                C: NOOP
                S: +OK
                """);
        }

        [Fact]
        public void EmptyMaildrop_ListsNothing()
        {
            new Pop3Harness().Run(Pop3Harness.Greeting + """
                C: USER bob
                S: +OK Send PASS
                C: PASS correct horse
                S: +OK bob's maildrop has 0 messages (0 octets)
                C: STAT
                S: +OK 0 0
                C: LIST
                S: +OK 0 messages (0 octets)
                S: .
                C: UIDL
                S: +OK Unique-ID listing follows
                S: .
                C: RETR 1
                S: -ERR no such message, only 0 messages in maildrop
                C: QUIT
                S: +OK pop.local.test POP3 server signing off (maildrop empty)
                """);
        }

        [Theory]
        [InlineData("LIST 3", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("LIST 0", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("LIST x", "-ERR Invalid message number")]
        [InlineData("LIST -1", "-ERR Invalid message number")]
        [InlineData("LIST 1 2", "-ERR Syntax: LIST [message]")]
        [InlineData("LIST 99999999999999999999", "-ERR Invalid message number")]
        [InlineData("UIDL 3", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("UIDL 1 1", "-ERR Syntax: UIDL [message]")]
        [InlineData("RETR", "-ERR Syntax: RETR message")]
        [InlineData("RETR 3", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("RETR 1 1", "-ERR Syntax: RETR message")]
        [InlineData("DELE", "-ERR Syntax: DELE message")]
        [InlineData("DELE 7", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("TOP 1", "-ERR Syntax: TOP message lines")]
        [InlineData("TOP", "-ERR Syntax: TOP message lines")]
        [InlineData("TOP 1 -1", "-ERR Syntax: TOP message lines")]
        [InlineData("TOP 1 x", "-ERR Syntax: TOP message lines")]
        [InlineData("TOP 3 0", "-ERR no such message, only 2 messages in maildrop")]
        [InlineData("TOP 1 2 3", "-ERR Syntax: TOP message lines")]
        [InlineData("STAT 1", "-ERR This command takes no arguments")]
        [InlineData("NOOP x", "-ERR This command takes no arguments")]
        [InlineData("RSET x", "-ERR This command takes no arguments")]
        [InlineData("QUIT now", "-ERR This command takes no arguments")]
        [InlineData("CAPA x", "-ERR This command takes no arguments")]
        [InlineData("USER alice", "-ERR USER not valid in this state; expected STAT LIST RETR DELE NOOP RSET UIDL TOP CAPA QUIT")]
        [InlineData("PASS secret", "-ERR PASS not valid in this state; expected STAT LIST RETR DELE NOOP RSET UIDL TOP CAPA QUIT")]
        [InlineData("STLS", "-ERR STLS not valid in this state; expected STAT LIST RETR DELE NOOP RSET UIDL TOP CAPA QUIT")]
        [InlineData("APOP mrose c4c9334bac560ecc979e58001b3e22fb", "-ERR Unknown command")]
        [InlineData("AUTH", "-ERR Unknown command")]
        [InlineData("RETRX 1", "-ERR Unknown command")]
        [InlineData("", "-ERR Unknown command")]
        public void TransactionCommand_WithBadArguments_RepliesErr_AndTheSessionGoesOn(string command, string reply)
        {
            var run = new Pop3Harness().Run(LoggedIn + "C: " + command + "\nS: " + reply + "\nC: STAT\nS: +OK 2 320\n");
            Assert.False(run.Closed);
        }

        [Theory]
        [InlineData("stat", "+OK 2 320")]
        [InlineData("Stat", "+OK 2 320")]
        [InlineData("list  2", "+OK 2 200")]
        [InlineData("LIST 02", "+OK 2 200")]
        [InlineData("uidl 1", "+OK 1 whqtswO00WBw418f9t5JxYwZ")]
        [InlineData("dele 1", "+OK message 1 deleted")]
        public void Commands_AreCaseInsensitive_AndToleratesExtraSpacesAndLeadingZeros(string command, string reply)
        {
            new Pop3Harness().Run(LoggedIn + "C: " + command + "\nS: " + reply + "\n");
        }

        [Fact]
        public void DeletedMessages_AreInvisible_AndNumbersStayFixed()
        {
            var run = new Pop3Harness().Run(LoggedIn + """
                C: DELE 1
                S: +OK message 1 deleted
                C: STAT
                S: +OK 1 200
                C: LIST
                S: +OK 1 message (200 octets)
                S: 2 200
                S: .
                C: UIDL
                S: +OK Unique-ID listing follows
                S: 2 QhdPYR:00WBw1Ph7x7
                S: .
                C: LIST 1
                S: -ERR message 1 already deleted
                C: UIDL 1
                S: -ERR message 1 already deleted
                C: RETR 1
                S: -ERR message 1 already deleted
                C: TOP 1 0
                S: -ERR message 1 already deleted
                C: DELE 1
                S: -ERR message 1 already deleted
                C: DELE 01
                S: -ERR message 1 already deleted
                C: LIST 2
                S: +OK 2 200
                """);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(new[] { true, false }, run.Maildrop.Marked);
        }

        [Fact]
        public void Rset_RestoresDeletedMessages_AndQuitThenRemovesNothing()
        {
            var run = new Pop3Harness().Run(LoggedIn + """
                C: DELE 1
                S: +OK message 1 deleted
                C: DELE 2
                S: +OK message 2 deleted
                C: STAT
                S: +OK 0 0
                C: RSET
                S: +OK maildrop has 2 messages (320 octets)
                C: STAT
                S: +OK 2 320
                C: RETR 1
                S: +OK 120 octets

                """ + Pop3Harness.ServerLines(Pop3Harness.Message1) + """
                S: .
                C: QUIT
                S: +OK pop.local.test POP3 server signing off (2 messages left)
                """);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(1, run.Maildrop.CommitCalls);
            Assert.True(run.Closed);
        }

        [Fact]
        public void Quit_RemovesOnlyTheMarkedMessages()
        {
            var run = new Pop3Harness().Run(LoggedIn + """
                C: DELE 2
                S: +OK message 2 deleted
                C: QUIT
                S: +OK pop.local.test POP3 server signing off (1 message left)
                """);
            Assert.Equal(new[] { 1 }, run.Maildrop.Removed);
            Assert.Equal(new[] { "AuthRequested alice", "Commit ok" }, run.Events);
        }

        [Fact]
        public void ConnectionLost_WithoutQuit_DeletesNothing_AndUnlocks()
        {
            var run = new Pop3Harness().Run(LoggedIn + """
                C: DELE 1
                S: +OK message 1 deleted
                E:
                """);
            Assert.True(run.Closed);
            Assert.Empty(run.Maildrop.Removed);
            Assert.Equal(0, run.Maildrop.CommitCalls);
            Assert.Equal(1, run.Maildrop.UnlockCalls);
            Assert.Contains("disconnected in AwaitingCommand user=<alice> from [192.0.2.10], nothing deleted", run.Log);
        }

        [Fact]
        public void CommitFailure_RepliesErr_SysTemp_AndCloses()
        {
            var harness = new Pop3Harness();
            harness.Mailboxes["alice"].FailCommit = true;
            var run = harness.Run(LoggedIn + """
                C: DELE 1
                S: +OK message 1 deleted
                C: QUIT
                S: -ERR [SYS/TEMP] Some deleted messages not removed
                """);
            Assert.True(run.Closed);
            Assert.Equal(new[] { "AuthRequested alice", "Commit failed" }, run.Events);
            Assert.Contains(run.Log, l => l.EndsWith("del=1/2 commit failed"));
        }

        [Fact]
        public void PipelinedCommands_AreAnsweredInOrder_AfterAStreamedMessage()
        {
            var run = new Pop3Harness().Run(Pop3Harness.Greeting + """
                C: USER alice
                C: PASS secret
                C: RETR 1
                C: DELE 1
                C: STAT
                C: QUIT
                S: +OK Send PASS
                S: +OK alice's maildrop has 2 messages (320 octets)
                S: +OK 120 octets

                """ + Pop3Harness.ServerLines(Pop3Harness.Message1) + """
                S: .
                S: +OK message 1 deleted
                S: +OK 1 200
                S: +OK pop.local.test POP3 server signing off (1 message left)
                """);
            Assert.Equal(new[] { 0 }, run.Maildrop.Removed);
        }
    }
}
