// STARTTLS (RFC 3207) on the server session: offered when the loop has a certificate and TLS is not
// active yet; "220 2.0.0 Ready to start TLS", then StartTls and nothing more read until the loop's
// handshake (the transcript's T: step) calls CompleteTls. After it the session has forgotten the
// client (RFC 3207 §4.2), and nothing the client pipelined in plaintext is ever executed
// (CVE-2011-0411) — fed whole, byte by byte and in random chunks, as every transcript is.
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionTlsTests
    {
        public const string EhloWithStartTls = """
            C: EHLO client.test
            S: 250-mx.local.test
            S: 250-PIPELINING
            S: 250-SIZE 10485760
            S: 250-8BITMIME
            S: 250-STARTTLS
            S: 250 ENHANCEDSTATUSCODES

            """;

        public const string EhloWithAuth = """
            C: EHLO client.test
            S: 250-mx.local.test
            S: 250-PIPELINING
            S: 250-SIZE 10485760
            S: 250-8BITMIME
            S: 250-AUTH PLAIN LOGIN
            S: 250 ENHANCEDSTATUSCODES

            """;

        public const string StartTls = """
            C: STARTTLS
            S: 220 2.0.0 Ready to start TLS
            T:

            """;

        private static SessionHarness WithTls() => new SessionHarness { Settings = { Hostname = SessionHarness.Hostname, TlsAvailable = true } };

        // The client's plaintext up to a finished handshake, EHLO again inside TLS.
        public const string UpToTlsEhlo = Dialog.Greeting + EhloWithStartTls + StartTls + EhloWithAuth;

        // ---- What EHLO offers ------------------------------------------------------------------

        [Fact]
        public void Ehlo_WithTlsAvailable_OffersStartTls_ButNotAuth()
        {
            var run = WithTls().Run(Dialog.Greeting + EhloWithStartTls);
            Assert.False(run.Session.IsTls);
        }

        [Fact]
        public void Ehlo_WithoutACertificate_OffersNoStartTls()
        {
            new SessionHarness().Run(Dialog.Greeting + Dialog.Ehlo);
        }

        [Fact]
        public void Ehlo_AfterTheHandshake_OffersAuth_AndNoMoreStartTls()
        {
            var run = WithTls().Run(UpToTlsEhlo);
            Assert.True(run.Session.IsTls);
            Assert.Equal(new[] { "StartTls" }, run.Events);
        }

        [Fact]
        public void Ehlo_OnAnImplicitTlsListener_OffersAuth_AndNoStartTls()
        {
            var harness = WithTls();
            harness.TlsActive = true;
            var run = harness.Run(Dialog.Greeting + EhloWithAuth + """
                C: STARTTLS
                S: 503 5.5.1 TLS already active
                """);
            Assert.True(run.Session.IsTls);
        }

        // ---- The command -----------------------------------------------------------------------

        [Theory]
        [InlineData("ehlo", "STARTTLS now", "501 5.5.4 This command takes no parameters")]
        [InlineData("mail", "STARTTLS", "503 5.5.1 Bad sequence of commands; expected EHLO HELO RCPT DATA")]
        [InlineData("rcpt", "STARTTLS", "503 5.5.1 Bad sequence of commands; expected EHLO HELO RCPT DATA")]
        [InlineData("connected", "STARTTLS", "503 Bad sequence of commands; expected EHLO HELO")]
        public void StartTls_WithParametersOrOutOfSequence_IsRefused(string state, string command, string reply)
        {
            string start = state switch
            {
                "connected" => Dialog.Greeting,
                "ehlo" => Dialog.Greeting + EhloWithStartTls,
                "mail" => Dialog.Greeting + EhloWithStartTls + Dialog.Mail,
                _ => Dialog.Greeting + EhloWithStartTls + Dialog.Mail + Dialog.Rcpt,
            };
            var run = WithTls().Run(start + "C: " + command + "\nS: " + reply + "\nC: NOOP\nS: 250 *\n");
            Assert.Empty(run.Events);
            Assert.False(run.Session.IsTls);
        }

        [Theory]
        [InlineData("ehlo", "502 5.5.1 Command not implemented")]
        [InlineData("helo", "502 Command not implemented")]
        [InlineData("connected", "502 Command not implemented")]
        public void StartTls_WithoutACertificate_IsNotImplemented(string state, string reply)
        {
            var run = new SessionHarness().Run(Dialog.To(state) + "C: STARTTLS\nS: " + reply + "\n");
            Assert.Empty(run.Events);
        }

        [Fact]
        public void StartTls_AfterHelo_IsAllowedToo_WithoutEnhancedCodes()
        {
            WithTls().Run(Dialog.Greeting + Dialog.Helo + """
                C: STARTTLS
                S: 220 Ready to start TLS
                T:
                C: HELO client.test
                S: 250 mx.local.test
                """);
        }

        [Fact]
        public void StartTls_Twice_IsRefused503()
        {
            WithTls().Run(UpToTlsEhlo + """
                C: STARTTLS
                S: 503 5.5.1 TLS already active
                """);
        }

        // ---- After the handshake the session starts over (RFC 3207 §4.2) ------------------------

        [Fact]
        public void AfterTheHandshake_TheHeloNameAndTheTransactionAreForgotten()
        {
            var run = WithTls().Run(Dialog.Greeting + EhloWithStartTls + StartTls + """
                C: MAIL FROM:<sender@client.test>
                S: 503 Bad sequence of commands; expected EHLO HELO
                """);
            Assert.Null(run.Session.HeloName);
            Assert.Equal(ServerState.Name(ServerState.AwaitingHelo), run.FinalState);
        }

        [Fact]
        public void AfterTheHandshake_AMessageIsReceived_WithEsmtps()
        {
            var run = WithTls().Run(UpToTlsEhlo + Dialog.Mail + Dialog.Rcpt + Dialog.Data + """
                C: Subject: over TLS
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.StartsWith("Received: from client.test (unknown [198.51.100.7])\r\n" +
                              "\tby mx.local.test (MailGateway) with ESMTPS id 4B7C1D0001\r\n", run.Message);
        }

        [Fact]
        public void HandshakeFailure_ClosesTheSession_Silently()
        {
            var harness = WithTls();
            harness.TlsHandshakeOk = false;
            var run = harness.Run(Dialog.Greeting + EhloWithStartTls + StartTls + "C: EHLO client.test\n");
            Assert.True(run.Closed);
            Assert.False(run.Session.IsTls);
            Assert.Equal(new[] { "TLS handshake failed after STARTTLS from unknown[198.51.100.7]" }, run.Log);
        }

        // ---- Command injection (CVE-2011-0411) ---------------------------------------------------

        [Theory]
        // whole commands behind STARTTLS in the same packet
        [InlineData(@"MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@foreign.test>\r\n")]
        [InlineData(@"RSET\r\n")]
        [InlineData(@"QUIT\r\n")]
        // a half line that would be completed inside TLS
        [InlineData(@"MAIL FROM:<evil@attacker.test>")]
        [InlineData(@"EHLO evil\r\nMAIL FR")]
        public void PipelinedAfterStartTls_IsDiscarded_AndNeverExecuted(string injected)
        {
            int injectedLength = Transcript.Unescape(injected).Length;
            var run = WithTls().Run(Dialog.Greeting + EhloWithStartTls + """
                C: STARTTLS
                S: 220 2.0.0 Ready to start TLS

                """ + "C! " + injected + "\nT:\n" + EhloWithAuth + """
                C: MAIL FROM:<sender@client.test>
                S: 250 2.1.0 Ok
                C: RCPT TO:<user@local.test>
                S: 250 2.1.5 Ok
                """);
            Assert.Equal(injectedLength, run.DiscardedAtTls);
            Assert.Equal("<sender@client.test>", run.Session.Sender.ToString());
            Assert.Equal(1, run.Session.RecipientCount);
            Assert.Empty(run.Log);
        }

        [Fact]
        public void PipelinedEhloAndStartTls_ThenInjection_OnlyTheInjectionIsDiscarded()
        {
            var run = WithTls().Run(Dialog.Greeting + @"C! EHLO client.test\r\nSTARTTLS\r\nRCPT TO:<victim@foreign.test>\r\n" + """

                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 10485760
                S: 250-8BITMIME
                S: 250-STARTTLS
                S: 250 ENHANCEDSTATUSCODES
                S: 220 2.0.0 Ready to start TLS
                T:

                """ + EhloWithAuth);
            Assert.Equal("RCPT TO:<victim@foreign.test>\r\n".Length, run.DiscardedAtTls);
        }

        [Fact]
        public void StartTls_ConsumesExactlyItsOwnLine_AndNothingWhileTheHandshakeRuns()
        {
            var session = WithTls().NewSession();
            Assert.Equal("EHLO client.test\r\n".Length, ReadingClient.Feed(session, "EHLO client.test\r\n"));
            ReadingClient.Output(session);   // the client reads the EHLO reply before it says STARTTLS
            var bytes = Transcript.Latin1("STARTTLS\r\nMAIL FROM:<evil@attacker.test>\r\n");
            Assert.Equal("STARTTLS\r\n".Length, session.Receive(bytes, 0, bytes.Length, 1_000_000));
            Assert.Equal(SessionEvent.StartTls, session.PollEvent());
            Assert.Equal(ServerState.AwaitingTls, session.State);
            Assert.False(session.CanReceive);
            Assert.Equal(0, session.Receive(bytes, 10, bytes.Length - 10, 1_000_000));
            Assert.Equal(SmtpServerSession.NoDeadline, session.PollDeadline());
            session.CompleteTls(true);
            Assert.Equal(ServerState.AwaitingHelo, session.State);
            Assert.True(session.CanReceive);
            Assert.NotEqual(SmtpServerSession.NoDeadline, session.PollDeadline());
        }

        // ---- API ---------------------------------------------------------------------------------

        [Fact]
        public void CompleteTls_WithoutStartTls_Throws()
        {
            var session = WithTls().NewSession();
            Assert.Throws<InvalidOperationException>(() => session.CompleteTls(true));
        }

        [Fact]
        public void CompleteTls_AfterTheClientWentAway_IsIgnored()
        {
            var session = WithTls().NewSession();
            ReadingClient.Feed(session, "EHLO client.test\r\nSTARTTLS\r\n");
            ReadingClient.Output(session);
            session.ReceiveEof();
            Assert.True(session.IsClosed);
            session.CompleteTls(true);
            Assert.True(session.IsClosed);
            Assert.False(session.IsTls);
        }

        [Fact]
        public void Shutdown_DuringTheHandshake_ClosesWithoutAPlaintextReply()
        {
            var session = WithTls().NewSession();
            ReadingClient.Feed(session, "EHLO client.test\r\nSTARTTLS\r\n");
            ReadingClient.Output(session);
            session.Shutdown();
            Assert.True(session.IsClosed);
            Assert.False(session.HasOutput);
        }
    }
}
