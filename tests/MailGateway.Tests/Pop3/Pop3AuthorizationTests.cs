// AUTHORIZATION (RFC 1939 §4, §7 USER/PASS), CAPA (RFC 2449), STLS (RFC 2595), and the loop's part
// in a login: the verdict (possibly delayed), the locked mailbox (RFC 2449 §8.1.1 IN-USE), the
// limit on failed logins, and plaintext logins refused unless allowed.
using MailGateway.Core.Local;
using Xunit;

namespace MailGateway.Tests.Pop3
{
    public class Pop3AuthorizationTests
    {
        private const string Greeting = Pop3Harness.Greeting;
        private const string Expected = "expected USER PASS STLS CAPA QUIT";

        [Fact]
        public void Greeting_ThenQuit_SignsOff_WithoutCommit()
        {
            var run = new Pop3Harness().Run(Greeting + """
                C: QUIT
                S: +OK pop.local.test POP3 server signing off
                """);
            Assert.True(run.Closed);
            Assert.Empty(run.Events);
        }

        [Fact]
        public void Login_OpensTheLockedMaildrop_AndForgetsThePassword()
        {
            var run = new Pop3Harness().Run(Greeting + Pop3Harness.Login);
            Assert.Equal(new[] { "AuthRequested alice" }, run.Events);
            Assert.True(run.Maildrop.Locked);
            Assert.Equal(Pop3State.Name(Pop3State.AwaitingCommand), run.FinalState);
            Assert.Null(run.Session.Password);
            Assert.Equal("alice", run.Session.User);
            Assert.Equal(new[] { "login user=<alice> from [192.0.2.10] messages=2 octets=320" }, run.Log);
        }

        [Fact]
        public void Pass_TakesTheWholeRestOfTheLine_SpacesIncluded()
        {
            new Pop3Harness().Run(Greeting + """
                C: USER bob
                S: +OK Send PASS
                C: PASS correct horse
                S: +OK bob's maildrop has 0 messages (0 octets)
                """);
        }

        [Theory]
        [InlineData("alice", "wrong")]
        [InlineData("alice", "secret ")]
        [InlineData("alice", "SECRET")]
        [InlineData("nobody", "secret")]
        public void FailedLogin_RepliesAuth_ForgetsTheUser_AndAnotherTryWorks(string user, string password)
        {
            var run = new Pop3Harness().Run(Greeting + "C: USER " + user + "\nS: +OK Send PASS\nC: PASS " + password + "\n" + """
                S: -ERR [AUTH] Invalid user name or password
                C: PASS secret
                S: -ERR USER first
                """ + "\n" + Pop3Harness.Login);
            Assert.Contains("login failed user=<" + user + "> from [192.0.2.10]: [AUTH] Invalid user name or password", run.Log);
        }

        [Fact]
        public void Password_NeverAppearsInTheLog()
        {
            var run = new Pop3Harness().Run(Greeting + "C: USER alice\nS: +OK Send PASS\nC: PASS hunter2-wrong\nS: -ERR *\n" + Pop3Harness.Login + "C: QUIT\nS: +OK *\n");
            Assert.DoesNotContain(run.Log, l => l.Contains("hunter2") || l.Contains("secret"));
        }

        [Fact]
        public void LockedMailbox_RepliesInUse()
        {
            var harness = new Pop3Harness();
            harness.LockedByOthers.Add("alice");
            var run = harness.Run(Greeting + """
                C: USER alice
                S: +OK Send PASS
                C: PASS secret
                S: -ERR [IN-USE] mailbox locked
                C: QUIT
                S: +OK pop.local.test POP3 server signing off
                """);
            Assert.Null(run.Maildrop);
        }

        [Fact]
        public void TooManyFailedLogins_CloseTheSession()
        {
            var run = new Pop3Harness().Run(Greeting + """
                C: USER alice
                C: PASS one
                C: USER alice
                C: PASS two
                C: USER alice
                C: PASS three
                C: USER alice
                C: PASS secret
                S: +OK Send PASS
                S: -ERR [AUTH] Invalid user name or password
                S: +OK Send PASS
                S: -ERR [AUTH] Invalid user name or password
                S: +OK Send PASS
                S: -ERR [AUTH] Invalid user name or password
                S: -ERR [AUTH] Too many failed logins, closing connection
                """);
            Assert.True(run.Closed);
            Assert.Equal(3, run.Events.Count);
            Assert.True(run.Unconsumed > 0, "the commands after the last failure stay unread");
        }

        [Fact]
        public void DelayedVerdict_ThePipelinedCommandsWaitForIt()
        {
            var harness = new Pop3Harness { DelayFailedLogins = true };
            var run = harness.Run(Greeting + """
                C: USER alice
                C: PASS wrong
                C: USER alice
                C: PASS secret
                S: +OK Send PASS
                W: 2000
                S: -ERR [AUTH] Invalid user name or password
                S: +OK Send PASS
                S: +OK alice's maildrop has 2 messages (320 octets)
                """);
            Assert.Equal(new[] { "AuthRequested alice", "AuthRequested alice" }, run.Events);
        }

        [Fact]
        public void WhileTheVerdictIsAwaited_NothingTimesOut()
        {
            var harness = new Pop3Harness { DelayFailedLogins = true };
            harness.Run(Greeting + """
                C: USER alice
                C: PASS wrong
                S: +OK Send PASS
                W: 3600000
                S: -ERR [AUTH] Invalid user name or password
                """);
        }

        [Theory]
        [InlineData("STAT")]
        [InlineData("LIST")]
        [InlineData("RETR 1")]
        [InlineData("DELE 1")]
        [InlineData("NOOP")]
        [InlineData("RSET")]
        [InlineData("UIDL")]
        [InlineData("TOP 1 0")]
        public void TransactionCommands_BeforeLogin_AreRefused(string command)
        {
            string verb = command.Split(' ')[0];
            new Pop3Harness().Run(Greeting + "C: " + command + "\nS: -ERR " + verb + " not valid in this state; " + Expected + "\n");
        }

        [Theory]
        [InlineData("USER", "-ERR Syntax: USER name")]
        [InlineData("USER ", "-ERR Syntax: USER name")]
        [InlineData("USER a b", "-ERR Syntax: USER name")]
        [InlineData("PASS secret", "-ERR USER first")]
        [InlineData("STLS", "-ERR TLS not available")]
        [InlineData("STLS now", "-ERR This command takes no arguments")]
        [InlineData("HELO there", "-ERR Unknown command")]
        public void AuthorizationCommand_Errors(string command, string reply)
        {
            new Pop3Harness().Run(Greeting + "C: " + command + "\nS: " + reply + "\n");
        }

        [Fact]
        public void UserTwice_TheLastNameCounts()
        {
            var run = new Pop3Harness().Run(Greeting + "C: USER bob\nS: +OK Send PASS\n" + Pop3Harness.Login);
            Assert.Equal(new[] { "AuthRequested alice" }, run.Events);
        }

        // ---- Plaintext login -------------------------------------------------------------------

        [Fact]
        public void PlaintextLogin_NotAllowed_WithTlsAvailable_SaysUseStls()
        {
            var harness = new Pop3Harness();
            harness.Settings.AllowPlaintextLogin = false;
            harness.Settings.TlsAvailable = true;
            var run = harness.Run(Greeting + """
                C: USER alice
                S: -ERR [SYS/PERM] Plaintext login is disabled; use STLS first
                C: PASS secret
                S: -ERR [SYS/PERM] Plaintext login is disabled; use STLS first
                """);
            Assert.Empty(run.Events);
        }

        [Fact]
        public void PlaintextLogin_NotAllowed_WithoutTls_IsRefused()
        {
            var harness = new Pop3Harness();
            harness.Settings.AllowPlaintextLogin = false;
            var run = harness.Run(Greeting + """
                C: USER alice
                S: -ERR [SYS/PERM] Plaintext login is disabled
                """);
            Assert.Empty(run.Events);
        }

        [Fact]
        public void PlaintextLogin_IsOffByDefault()
        {
            Assert.False(new Pop3Settings().AllowPlaintextLogin);
            Assert.False(new Pop3Settings().TlsAvailable);
            Assert.Equal(10 * 60 * 1000, new Pop3Settings().IdleTimeoutMs);
            Assert.Equal(255, new Pop3Settings().MaxCommandLine);
        }

        [Fact]
        public void ImplicitTls_AllowsLogin_EvenWhenPlaintextIsNot()
        {
            var harness = new Pop3Harness { StartsWithTls = true };
            harness.Settings.AllowPlaintextLogin = false;
            harness.Settings.TlsAvailable = true;
            harness.Run(Greeting + "C: STLS\nS: -ERR TLS already active\n" + Pop3Harness.Login);
        }

        // ---- CAPA (RFC 2449) -------------------------------------------------------------------

        [Theory]
        [InlineData(true, false, "USER,TOP,UIDL,PIPELINING,RESP-CODES,AUTH-RESP-CODE")]
        [InlineData(true, true, "USER,TOP,UIDL,PIPELINING,RESP-CODES,AUTH-RESP-CODE,STLS")]
        [InlineData(false, true, "TOP,UIDL,PIPELINING,RESP-CODES,AUTH-RESP-CODE,STLS")]
        [InlineData(false, false, "TOP,UIDL,PIPELINING,RESP-CODES,AUTH-RESP-CODE")]
        public void Capa_BeforeLogin_ListsUserOnlyWhenAllowed_AndStlsOnlyWhenAvailable(bool plaintext, bool tls, string capabilities)
        {
            var harness = new Pop3Harness();
            harness.Settings.AllowPlaintextLogin = plaintext;
            harness.Settings.TlsAvailable = tls;
            harness.Run(Greeting + "C: CAPA\nS: +OK Capability list follows\n" +
                        string.Concat(capabilities.Split(',').Select(c => "S: " + c + "\n")) +
                        "S: IMPLEMENTATION MailGateway\nS: .\n");
        }

        [Fact]
        public void Capa_AfterLogin_ListsNeitherUserNorStls()
        {
            var harness = new Pop3Harness();
            harness.Settings.TlsAvailable = true;
            harness.Run(Greeting + Pop3Harness.Login + """
                C: CAPA
                S: +OK Capability list follows
                S: TOP
                S: UIDL
                S: PIPELINING
                S: RESP-CODES
                S: AUTH-RESP-CODE
                S: IMPLEMENTATION MailGateway
                S: .
                """);
        }

        // ---- STLS (RFC 2595) -------------------------------------------------------------------

        private static Pop3Harness TlsHarness()
        {
            var harness = new Pop3Harness();
            harness.Settings.AllowPlaintextLogin = false;
            harness.Settings.TlsAvailable = true;
            return harness;
        }

        [Fact]
        public void Stls_UpgradesWithoutANewGreeting_ThenCapaChanges_AndLoginWorks()
        {
            var run = TlsHarness().Run(Greeting + """
                C: STLS
                S: +OK Begin TLS negotiation
                W: 0
                C: CAPA
                S: +OK Capability list follows
                S: USER
                S: TOP
                S: UIDL
                S: PIPELINING
                S: RESP-CODES
                S: AUTH-RESP-CODE
                S: IMPLEMENTATION MailGateway
                S: .
                C: STLS
                S: -ERR TLS already active

                """ + Pop3Harness.Login);
            Assert.Equal(new[] { "StartTls", "(TLS up)", "AuthRequested alice" }, run.Events);
            Assert.True(run.Session.IsTls);
            Assert.Contains("TLS started from [192.0.2.10]", run.Log);
        }

        // CVE-2011-0411: commands sent in clear behind STLS must never run inside the TLS session.
        [Fact]
        public void BytesPipelinedAfterStls_AreDiscarded()
        {
            var run = TlsHarness().Run(Greeting + """
                C: STLS
                C: USER alice
                C: PASS secret
                C! DELE 1\r\nQUIT
                S: +OK Begin TLS negotiation
                W: 0
                C: STAT
                S: -ERR STAT not valid in this state; expected USER PASS STLS CAPA QUIT
                C: PASS secret
                S: -ERR USER first
                """);
            Assert.Equal(new[] { "StartTls", "(TLS up)" }, run.Events);
            Assert.Contains("TLS started from [192.0.2.10], discarded 37 bytes sent after STLS", run.Log);
        }

        [Fact]
        public void UserGivenBeforeStls_IsForgotten()
        {
            var harness = new Pop3Harness();
            harness.Settings.TlsAvailable = true;
            var run = harness.Run(Greeting + """
                C: USER alice
                S: +OK Send PASS
                C: STLS
                S: +OK Begin TLS negotiation
                W: 0
                C: PASS secret
                S: -ERR USER first
                """);
            Assert.Null(run.Session.User);
        }

        [Fact]
        public void FailedTlsHandshake_ClosesTheSession()
        {
            var harness = TlsHarness();
            harness.TlsHandshakeOk = false;
            var run = harness.Run(Greeting + """
                C: STLS
                S: +OK Begin TLS negotiation
                W: 0
                C: CAPA
                """);
            Assert.True(run.Closed);
            Assert.Equal(new[] { "StartTls", "(TLS failed)" }, run.Events);
            Assert.Contains("TLS handshake failed from [192.0.2.10]", run.Log);
        }
    }
}
