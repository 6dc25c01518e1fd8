// SMTP AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN on the server session: offered once TLS is
// active (or without TLS when smtp.auth_plaintext allows it); credentials go to the loop with
// AuthRequested and come back as CompleteAuth(verdict). The harness accepts alice / s3cret and
// answers everything else with 535 5.7.8. An authenticated client may relay; the Received field
// says ESMTPSA / ESMTPA (RFC 3848) and the client= log line names the SASL user (Postfix).
using MailGateway.Core.Smtp;
using Xunit;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Smtp
{
    public class SessionAuthTests
    {
        // Base64 of the PLAIN messages and LOGIN answers used below.
        private const string PlainAlice = "AGFsaWNlAHMzY3JldA==";      // \0alice\0s3cret
        private const string PlainWrong = "AGFsaWNlAHdyb25n";          // \0alice\0wrong
        private const string Alice = "YWxpY2U=";                       // alice
        private const string Secret = "czNjcmV0";                      // s3cret

        private const string AuthOk = "S: 235 2.7.0 Authentication successful\n";
        private const string AuthBad = "S: 535 5.7.8 Authentication credentials invalid\n";

        /// <summary>A session on an implicit-TLS listener, so AUTH is offered at once.</summary>
        private static SessionHarness OverTls() => new SessionHarness { TlsActive = true };

        private const string Start = Dialog.Greeting + SessionTlsTests.EhloWithAuth;

        private const string AuthPlainAlice = "C: AUTH PLAIN " + PlainAlice + "\n" + AuthOk;

        // ---- PLAIN and LOGIN ----------------------------------------------------------------------

        [Fact]
        public void AuthPlain_WithInitialResponse_Authenticates()
        {
            var run = OverTls().Run(Start + AuthPlainAlice);
            Assert.Equal(new[] { "AuthRequested PLAIN alice" }, run.Events);
            Assert.Equal(new[] { "alice:s3cret" }, run.Credentials);
            Assert.True(run.Session.IsAuthenticated);
            Assert.Equal("alice", run.Session.AuthUser);
            Assert.Equal("PLAIN", run.Session.AuthMechanism);
            Assert.Null(run.Session.AuthPassword);
        }

        [Fact]
        public void AuthPlain_AfterAnEmptyChallenge_Authenticates()
        {
            var run = OverTls().Run(Start + "C: AUTH plain\nS: 334 \nC: " + PlainAlice + "\n" + AuthOk);
            Assert.True(run.Session.IsAuthenticated);
        }

        [Fact]
        public void AuthPlain_WithTheUserAsAuthorizationIdentity_Authenticates()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN YWxpY2UAYWxpY2UAczNjcmV0\n" + AuthOk);
            Assert.True(run.Session.IsAuthenticated);
        }

        [Fact]
        public void AuthLogin_AsksForUserAndPassword_InBase64()
        {
            var run = OverTls().Run(Start + """
                C: AUTH LOGIN
                S: 334 VXNlcm5hbWU6
                C: YWxpY2U=
                S: 334 UGFzc3dvcmQ6
                C: czNjcmV0
                S: 235 2.7.0 Authentication successful
                """);
            Assert.Equal(new[] { "AuthRequested LOGIN alice" }, run.Events);
            Assert.Equal("LOGIN", run.Session.AuthMechanism);
        }

        [Fact]
        public void AuthLogin_WithTheUserAsInitialResponse_AsksOnlyForThePassword()
        {
            var run = OverTls().Run(Start + "C: AUTH LOGIN " + Alice + "\nS: 334 UGFzc3dvcmQ6\nC: " + Secret + "\n" + AuthOk);
            Assert.True(run.Session.IsAuthenticated);
        }

        [Fact]
        public void Auth_WithUtf8Credentials_DecodesThem()
        {
            var harness = OverTls();
            harness.AcceptedUser = "jörg";
            harness.AcceptedPassword = "päss";
            var run = harness.Run(Start + "C: AUTH PLAIN AGrDtnJnAHDDpHNz\n" + AuthOk);
            Assert.Equal(new[] { "jörg:päss" }, run.Credentials);
        }

        [Fact]
        public void Auth_WithAPasswordOutsideTheBasicPlane_DecodesASurrogatePair()
        {
            var harness = OverTls();
            harness.AcceptedPassword = "\U0001F511";
            var run = harness.Run(Start + "C: AUTH PLAIN AGFsaWNlAPCflJE=\n" + AuthOk);
            Assert.True(run.Session.IsAuthenticated);
        }

        // ---- Refused credentials -------------------------------------------------------------------

        [Fact]
        public void WrongPassword_Is535_CountedAndLogged_WithoutThePassword()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN " + PlainWrong + "\n" + AuthBad + """
                C: RCPT TO:<x@foreign.test>
                S: 503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL
                """);
            Assert.False(run.Session.IsAuthenticated);
            Assert.Null(run.Session.AuthUser);
            Assert.Null(run.Session.AuthPassword);
            Assert.Equal(new[]
            {
                "unknown[198.51.100.7]: SASL PLAIN authentication failed: 535 5.7.8 Authentication credentials invalid, sasl_username=alice",
            }, run.Log);
            Assert.DoesNotContain(run.Log, l => l.Contains("wrong"));
        }

        [Fact]
        public void WrongPassword_ThenTheRightOne_Authenticates()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN " + PlainWrong + "\n" + AuthBad + AuthPlainAlice);
            Assert.True(run.Session.IsAuthenticated);
            Assert.Equal(new[] { "alice:wrong", "alice:s3cret" }, run.Credentials);
        }

        [Fact]
        public void Throttled_TheLoopsVerdictIsSentAsItIs()
        {
            var harness = OverTls();
            harness.AuthVerdict = Replies.AuthTemporaryFailure;
            var run = harness.Run(Start + "C: AUTH PLAIN " + PlainAlice + "\nS: 454 4.7.0 Temporary authentication failure\n");
            Assert.False(run.Session.IsAuthenticated);
        }

        [Fact]
        public void RepeatedFailures_CountAsErrors_AndEndTheSession()
        {
            var harness = OverTls();
            harness.Settings.MaxErrors = 3;
            var run = harness.Run(Start + string.Concat(Enumerable.Repeat("C: AUTH PLAIN " + PlainWrong + "\n" + AuthBad, 3)) +
                                  "S: 421 4.7.0 Too many errors, closing connection\n");
            Assert.True(run.Closed);
        }

        [Fact]
        public void PasswordsNeverAppearInTheLog()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN " + PlainWrong + "\n" + AuthBad + AuthPlainAlice + Dialog.Mail + """
                C: RCPT TO:<x@foreign.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 *
                C: hi
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.DoesNotContain(run.Log, l => l.Contains("s3cret") || l.Contains("wrong"));
        }

        // ---- Cancelled and malformed exchanges -----------------------------------------------------

        [Theory]
        [InlineData("C: AUTH PLAIN\nS: 334 \nC: *\n")]
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\n")]
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\nS: 334 UGFzc3dvcmQ6\nC: *\n")]
        public void Star_CancelsTheExchange_501(string exchange)
        {
            var run = OverTls().Run(Start + exchange + "S: 501 5.7.0 Authentication cancelled\n" + AuthPlainAlice);
            Assert.Equal(new[] { "AuthRequested PLAIN alice" }, run.Events);
        }

        private const string BadBase64 = "501 5.5.2 Cannot decode Base64 response";

        [Theory]
        [InlineData("AUTH PLAIN !!!!", BadBase64)]
        [InlineData("AUTH PLAIN AGFsaWNlAHMzY3JldA", BadBase64)]   // length not a multiple of 4
        [InlineData("AUTH PLAIN AGFs=aWNl", BadBase64)]            // padding in the middle
        [InlineData("AUTH PLAIN A===", BadBase64)]
        [InlineData("AUTH LOGIN YWxp Y2U=", "501 5.5.4 Syntax: AUTH mechanism [initial-response]")]
        public void MalformedInitialResponse_IsRefused501(string command, string reply)
        {
            var run = OverTls().Run(Start + "C: " + command + "\nS: " + reply + "\nC: NOOP\nS: 250 2.0.0 Ok\n");
            Assert.Empty(run.Events);
        }

        [Theory]
        [InlineData("C: AUTH PLAIN\nS: 334 \nC: not base64\n")]
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U\n")]
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\nS: 334 UGFzc3dvcmQ6\nC: czNj=mV0\n")]
        public void MalformedBase64_InAResponse_Is501_5_5_2_AndEndsTheExchange(string exchange)
        {
            var run = OverTls().Run(Start + exchange + "S: 501 5.5.2 Cannot decode Base64 response\nC: NOOP\nS: 250 2.0.0 Ok\n");
            Assert.Empty(run.Events);
        }

        [Theory]
        [InlineData("=")]                          // empty message
        [InlineData("YWxpY2U=")]                   // alice: no NUL at all
        [InlineData("AGFsaWNl")]                   // \0alice: one NUL
        [InlineData("AABzM2NyZXQ=")]               // \0\0s3cret: empty user
        [InlineData("AGFsaWNlAA==")]               // \0alice\0: empty password
        [InlineData("AGFsaWNlAHMzY3JldAB4")]       // \0alice\0s3cret\0x: three NULs
        [InlineData("AGFsaWNlAMMo")]               // invalid UTF-8 in the password
        [InlineData("AGFsAWljZQB4")]               // a control character in the user
        public void MalformedPlainMessage_Is501_5_5_2(string initial)
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN " + initial + "\nS: 501 5.5.2 Malformed authentication response\n");
            Assert.Empty(run.Events);
        }

        [Theory]
        [InlineData("C: AUTH LOGIN =\n")]                                                         // empty user name
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC:\n")]                                  // empty line
        [InlineData("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\nS: 334 UGFzc3dvcmQ6\nC: AA==\n")] // NUL password
        public void MalformedLoginAnswer_Is501_5_5_2(string exchange)
        {
            var run = OverTls().Run(Start + exchange + "S: 501 5.5.2 Malformed authentication response\n");
            Assert.Empty(run.Events);
        }

        [Fact]
        public void AnotherAuthorizationIdentity_Is535_WithoutAskingTheLoop()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN Ym9iAGFsaWNlAHMzY3JldA==\n" + AuthBad);
            Assert.Empty(run.Events);
            Assert.Contains("(authorization identity differs)", Assert.Single(run.Log));
        }

        [Fact]
        public void AnOverlongExchangeLine_Is500_5_5_6_AndTheSessionGoesOn()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN\nS: 334 \nC: " + new string('A', 2000) + "\n" + """
                S: 500 5.5.6 Authentication exchange line is too long
                C: NOOP
                S: 250 2.0.0 Ok
                """);
            Assert.Empty(run.Events);
        }

        [Fact]
        public void ABrokenLineEndInTheExchange_ClosesTheSession()
        {
            var run = OverTls().Run(Start + "C: AUTH PLAIN\nS: 334 \nC! AGFsaWNl\\nAHMzY3JldA==\\r\\n\nS: 521 5.5.2 *\n");
            Assert.True(run.Closed);
            Assert.Empty(run.Events);
        }

        [Fact]
        public void SilenceInTheExchange_TimesOut()
        {
            var run = OverTls().Run(Start + "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nW: 300000\nS: 421 4.4.2 Timeout, closing connection\n");
            Assert.True(run.Closed);
        }

        // ---- When AUTH is refused -------------------------------------------------------------------

        [Theory]
        [InlineData("XOAUTH2 abc", "504 5.5.4 Unrecognized authentication type")]
        [InlineData("CRAM-MD5", "504 5.5.4 Unrecognized authentication type")]
        [InlineData("", "501 5.5.4 Syntax: AUTH mechanism [initial-response]")]
        [InlineData("PLAIN a b", "501 5.5.4 Syntax: AUTH mechanism [initial-response]")]
        public void UnknownMechanismOrSyntax_IsRefused(string argument, string reply)
        {
            OverTls().Run(Start + "C: AUTH " + argument + "\nS: " + reply + "\n");
        }

        [Fact]
        public void Auth_BeforeTls_WhenStartTlsIsOffered_Is538EncryptionRequired()
        {
            var harness = new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, TlsAvailable = true } };
            var run = harness.Run(Dialog.Greeting + SessionTlsTests.EhloWithStartTls +
                                  "C: AUTH PLAIN " + PlainAlice + "\nS: 538 5.7.11 Encryption required for requested authentication mechanism\n");
            Assert.Empty(run.Events);
        }

        [Fact]
        public void Auth_WithoutTlsOrPlaintextAuth_IsNotEnabled503()
        {
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo + "C: AUTH LOGIN\nS: 503 5.5.1 Authentication not enabled\n");
            Assert.Empty(run.Events);
        }

        [Fact]
        public void Auth_AfterStartTls_IsOffered_AndWorks()
        {
            var harness = new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, TlsAvailable = true } };
            var run = harness.Run(SessionTlsTests.UpToTlsEhlo + AuthPlainAlice);
            Assert.True(run.Session.IsAuthenticated);
            Assert.Equal(new[] { "StartTls", "AuthRequested PLAIN alice" }, run.Events);
        }

        [Fact]
        public void AuthPlaintext_OffersAuthWithoutTls_AlongsideStartTls()
        {
            var harness = new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, TlsAvailable = true, AuthPlaintext = true } };
            var run = harness.Run(Dialog.Greeting + """
                C: EHLO client.test
                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 10485760
                S: 250-8BITMIME
                S: 250-STARTTLS
                S: 250-AUTH PLAIN LOGIN
                S: 250 ENHANCEDSTATUSCODES

                """ + AuthPlainAlice);
            Assert.True(run.Session.IsAuthenticated);
            Assert.False(run.Session.IsTls);
        }

        [Theory]
        [InlineData("connected", "503 Bad sequence of commands; expected EHLO HELO")]
        [InlineData("mail", "503 5.5.1 Bad sequence of commands; expected EHLO HELO RCPT DATA")]
        public void Auth_BeforeEhloOrDuringATransaction_Is503(string state, string reply)
        {
            string start = state == "connected" ? Dialog.Greeting : Start + Dialog.Mail;
            var run = OverTls().Run(start + "C: AUTH PLAIN " + PlainAlice + "\nS: " + reply + "\n");
            Assert.Empty(run.Events);
        }

        [Fact]
        public void Auth_AfterSuccess_Is503()
        {
            var run = OverTls().Run(Start + AuthPlainAlice + "C: AUTH LOGIN\nS: 503 5.5.1 Already authenticated\n");
            Assert.Single(run.Events);
        }

        [Fact]
        public void StartTls_AfterPlaintextAuth_ForgetsTheAuthentication()
        {
            var harness = new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, TlsAvailable = true, AuthPlaintext = true } };
            var run = harness.Run(Dialog.Greeting + """
                C: EHLO client.test
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250-*
                S: 250-STARTTLS
                S: 250-AUTH PLAIN LOGIN
                S: 250 ENHANCEDSTATUSCODES

                """ + AuthPlainAlice + SessionTlsTests.StartTls + SessionTlsTests.EhloWithAuth + Dialog.Mail + """
                C: RCPT TO:<x@foreign.test>
                S: 554 5.7.1 <x@foreign.test>: Relay access denied
                """);
            Assert.False(run.Session.IsAuthenticated);
            Assert.Null(run.Session.AuthUser);
        }

        // ---- Relay, Received and the log after AUTH --------------------------------------------------

        [Fact]
        public void Stranger_AfterAuth_MayRelay_AndTheMessageSaysEsmtpsa()
        {
            var run = OverTls().Run(Start + AuthPlainAlice + Dialog.Mail + """
                C: RCPT TO:<friend@foreign.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.StartsWith("Received: from client.test (unknown [198.51.100.7])\r\n" +
                              "\tby mx.local.test (MailGateway) with ESMTPSA id 4B7C1D0001\r\n" +
                              "\tfor <friend@foreign.test>; " + SessionHarness.MessageDate + "\r\n", run.Message);
            Assert.Equal(new[]
            {
                "4B7C1D0001: client=unknown[198.51.100.7], sasl_method=PLAIN, sasl_username=alice",
                "4B7C1D0001: from=<sender@client.test>, size=22, nrcpt=1 (queue active)",
            }, run.Log);
        }

        [Fact]
        public void Stranger_WithoutAuth_StillMayNotRelay()
        {
            OverTls().Run(Start + Dialog.Mail + """
                C: RCPT TO:<friend@foreign.test>
                S: 554 5.7.1 <friend@foreign.test>: Relay access denied
                """);
        }

        [Fact]
        public void Stranger_AfterFailedAuth_MayNotRelay()
        {
            OverTls().Run(Start + "C: AUTH PLAIN " + PlainWrong + "\n" + AuthBad + Dialog.Mail + """
                C: RCPT TO:<friend@foreign.test>
                S: 554 5.7.1 <friend@foreign.test>: Relay access denied
                """);
        }

        [Fact]
        public void PlaintextAuth_RelaysToo_AndTheMessageSaysEsmtpa()
        {
            var harness = new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, AuthPlaintext = true } };
            var run = harness.Run(Dialog.Greeting + """
                C: EHLO client.test
                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 10485760
                S: 250-8BITMIME
                S: 250-AUTH PLAIN LOGIN
                S: 250 ENHANCEDSTATUSCODES

                """ + "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: " + Alice + "\nS: 334 UGFzc3dvcmQ6\nC: " + Secret + "\n" + AuthOk +
                Dialog.Mail + "C: RCPT TO:<friend@foreign.test>\nS: 250 2.1.5 Ok\n" + Dialog.Data + "C: hi\nC: .\n" + Dialog.Queued);
            Assert.Contains("\tby mx.local.test (MailGateway) with ESMTPA id 4B7C1D0001\r\n", run.Message);
            Assert.Equal("4B7C1D0001: client=unknown[198.51.100.7], sasl_method=LOGIN, sasl_username=alice", run.Log[0]);
        }

        [Fact]
        public void Tls_WithoutAuth_MessageSaysEsmtps_AndTheLogNamesNoUser()
        {
            var run = OverTls().Run(Start + Dialog.Mail + Dialog.Rcpt + Dialog.Data + "C: hi\nC: .\n" + Dialog.Queued);
            Assert.Contains(" with ESMTPS id ", run.Message);
            Assert.Equal("4B7C1D0001: client=unknown[198.51.100.7]", run.Log[0]);
        }

        [Fact]
        public void PipelinedAfterAuth_RunsOnlyAfterTheVerdict_AsTheAuthenticatedClient()
        {
            var run = OverTls().Run(Start + "C! AUTH PLAIN " + PlainAlice + @"\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@foreign.test>\r\n" + "\n" +
                                    AuthOk + "S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\n");
            Assert.Equal(1, run.Session.RecipientCount);
        }

        // ---- API ------------------------------------------------------------------------------------

        private static SmtpServerSession AwaitingVerdict()
        {
            var session = OverTls().NewSession();
            string text = "EHLO client.test\r\nAUTH PLAIN " + PlainAlice + "\r\nNOOP\r\n";
            Assert.Equal(text.Length - "NOOP\r\n".Length, ReadingClient.Feed(session, text));
            Assert.Equal(SessionEvent.AuthRequested, session.PollEvent());
            Assert.Equal(ServerState.AwaitingAuthVerdict, session.State);
            return session;
        }

        [Fact]
        public void WhileTheVerdictIsAwaited_NothingIsRead_AndNoTimerRuns()
        {
            var session = AwaitingVerdict();
            Assert.False(session.CanReceive);
            Assert.Equal(SmtpServerSession.NoDeadline, session.PollDeadline());
            Assert.Equal("alice", session.AuthUser);
            Assert.Equal("s3cret", session.AuthPassword);
            session.CompleteAuth(Replies.AuthSucceeded);
            Assert.True(session.CanReceive);
            Assert.Null(session.AuthPassword);
        }

        [Fact]
        public void CompleteAuth_WithoutARequest_Throws()
        {
            var session = OverTls().NewSession();
            Assert.Throws<InvalidOperationException>(() => session.CompleteAuth(Replies.AuthSucceeded));
            var done = AwaitingVerdict();
            done.CompleteAuth(Replies.AuthFailed);
            Assert.Throws<InvalidOperationException>(() => done.CompleteAuth(Replies.AuthFailed));
        }

        [Fact]
        public void CompleteAuth_WithAPositiveReplyOtherThan235_Throws()
        {
            Assert.Throws<ArgumentException>(() => AwaitingVerdict().CompleteAuth(Replies.Ok));
        }

        [Fact]
        public void ClientGoneBeforeTheVerdict_ForgetsThePassword_AndTheVerdictIsIgnored()
        {
            var session = AwaitingVerdict();
            Transmitter.Copy(session, new byte[4096], 0, 4096);
            session.ReceiveEof();
            Assert.True(session.IsClosed);
            Assert.Null(session.AuthPassword);
            session.CompleteAuth(Replies.AuthSucceeded);
            Assert.False(session.IsAuthenticated);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(20270115)]
        public void Receive_AnyAuthExchange_NeverThrows_AndAlwaysEndsInADefinedState(int seed)
        {
            string[] tokens =
            {
                "EHLO c\r\n", "AUTH PLAIN\r\n", "AUTH LOGIN\r\n", "AUTH PLAIN " + PlainAlice + "\r\n", "AUTH PLAIN " + PlainWrong + "\r\n",
                "AUTH LOGIN " + Alice + "\r\n", PlainAlice + "\r\n", Alice + "\r\n", Secret + "\r\n", "*\r\n", "=\r\n", "\r\n",
                "AUTH X\r\n", "AUTH\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<u@foreign.test>\r\n", "DATA\r\n", "hi\r\n.\r\n",
                "RSET\r\n", "QUIT\r\n", "!!!!\r\n", "AGFsaWNlAMMo\r\n", new string('A', 1200), "\n", "\0", "\xff\x80",
            };
            var random = new Random(seed);
            for (int round = 0; round < 150; round++)
            {
                var harness = OverTls();
                harness.TlsActive = random.Next(2) == 0;
                harness.Settings.AuthPlaintext = random.Next(2) == 0;
                harness.Settings.MaxErrors = random.Next(2, 12);
                harness.AuthVerdict = random.Next(4) == 0 ? Replies.AuthTemporaryFailure : null;
                var transcript = new Transcript();
                var input = new List<byte>();
                int tokenCount = random.Next(1, 40);
                for (int i = 0; i < tokenCount; i++) input.AddRange(Transcript.Latin1(tokens[random.Next(tokens.Length)]));
                transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Send, Bytes = input.ToArray() });
                if (random.Next(3) == 0) transcript.Steps.Add(new Transcript.Step { Kind = Transcript.Wait, Ms = 400_000 });
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
                Assert.Null(run.Session.AuthPassword);
                foreach (string line in run.Replies) Assert.Matches(@"^[2345]\d\d[ -]", line);
                Assert.DoesNotContain(run.Log, l => l.Contains("s3cret") || l.Contains("wrong"));
                Assert.True(!run.Session.IsAuthenticated || run.Credentials.Contains("alice:s3cret"), how);
            }
        }
    }
}
