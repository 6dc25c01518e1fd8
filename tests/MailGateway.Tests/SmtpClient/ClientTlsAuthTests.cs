// STARTTLS (RFC 3207) and AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN. The AUTH exchanges are
// the RFCs' own examples, byte for byte; the sink checks every line the client sends.
using System.Text;
using MailGateway.Core.Smtp;

namespace MailGateway.Tests.Client
{
    public class ClientTlsAuthTests
    {
        private static ClientLink Link(Action<ClientSettings> configure)
        {
            var link = new ClientLink();
            configure(link.Settings);
            return link;
        }

        private static ScriptedUpstream TlsSink(params string[] keywordsAfterTls)
        {
            var sink = new ScriptedUpstream();
            sink.Keywords.Add("STARTTLS");
            sink.KeywordsAfterTls = keywordsAfterTls.Length > 0 ? keywordsAfterTls.ToList() : null;
            return sink;
        }

        // ---- STARTTLS ----------------------------------------------------------------------------

        [Fact]
        public void StartTls_WhenOffered_UpgradesThenSaysEhloAgain_AndDropsWhatCameBeforeTheUpgrade()
        {
            var run = new ClientLink().Run(() =>
            {
                var sink = TlsSink();
                // An attacker on the path appends a reply behind the 220 (Postfix CVE-2011-0411's
                // client side): it must not be taken as the reply to the EHLO after the upgrade.
                sink.InjectAfterStartTls = "250-evil.test\r\n250 AUTH PLAIN\r\n";
                return sink;
            });
            run.AssertDialog("""
                S: 220 sink.test ESMTP smtp-sink
                C: EHLO client.test
                S: 250-sink.test
                S: 250-PIPELINING
                S: 250-SIZE 10240000
                S: 250-8BITMIME
                S: 250-ENHANCEDSTATUSCODES
                S: 250 STARTTLS
                C: STARTTLS
                S: 220 2.0.0 Ready to start TLS
                S: 250-evil.test
                S: 250 AUTH PLAIN
                -- TLS established
                C: EHLO client.test
                S: 250-sink.test
                S: 250-PIPELINING
                S: 250-SIZE 10240000
                S: 250-8BITMIME
                S: 250 ENHANCEDSTATUSCODES
                C: MAIL FROM:<cam@lan.test> SIZE=22
                C: RCPT TO:<user@local.test>
                C: DATA
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as SINK1
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.True(run.Client.IsTls);
            Assert.Equal("sink.test", run.Client.Server.ServerName);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Fact]
        public void StartTls_Off_IsNotUsed_EvenWhenOffered()
        {
            var run = Link(s => s.Tls = ClientTls.Off).Run(() => TlsSink());
            Assert.DoesNotContain("C: STARTTLS", run.Lines);
            Assert.False(run.Client.IsTls);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Fact]
        public void StartTls_Required_ButNotOffered_TriesTheNextAddress_AfterQuit()
        {
            var run = Link(s => s.Tls = ClientTls.Required).Run(() => new ScriptedUpstream());
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.Equal("451 4.7.4 TLS is required, but was not offered by the server", run.Outcome.Recipients[0].Reply.ToString());
            Assert.Equal(ClientState.AwaitingEhlo, run.Outcome.Recipients[0].Stage);
            Assert.Equal(new[] { "C: QUIT", "S: 221 2.0.0 Bye" }, run.Lines.TakeLast(2));
            Assert.DoesNotContain(run.Lines, l => l.StartsWith("C: MAIL"));
        }

        [Theory]
        [InlineData(ClientTls.Opportunistic, "Delivered")]
        [InlineData(ClientTls.Required, "TryNextAddress")]
        public void StartTls_Refused_GoesOnInPlaintext_OnlyWhenOpportunistic(int tls, string expected)
        {
            var run = Link(s => s.Tls = tls).Run(() =>
            {
                var sink = TlsSink();
                sink.Custom["starttls"] = "454 4.7.0 TLS not available due to local problem";
                return sink;
            });
            if (expected == "Delivered")
            {
                Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
                Assert.False(run.Client.IsTls);
            }
            else
            {
                Assert.Equal(ClientEnd.TryNextAddress, run.End);
                Assert.Equal("454 4.7.0 TLS not available due to local problem", run.Outcome.Recipients[0].Reply.ToString());
            }
        }

        [Fact]
        public void StartTls_HandshakeFailed_EndsTheSessionWithoutQuit_TryNextAddress()
        {
            var link = new ClientLink { TlsHandshakeOk = false };
            var run = link.Run(() => TlsSink());
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.Equal("451 4.7.5 TLS handshake failed", run.EndReply.ToString());
            Assert.Equal(ClientState.AwaitingTls, run.EndStage);
            Assert.Equal("-- TLS failed", run.Lines[^1]);
        }

        // ---- AUTH ----------------------------------------------------------------------------------

        [Fact]
        public void Auth_Rfc4954Example_StartTlsThenPlainWithInitialResponse()
        {
            // RFC 4954 §4, the example with STARTTLS: authzid "test", authcid "test", password "1234".
            var link = new ClientLink();
            link.Settings = ClientSettings.ForSmarthost("client.example.com", "test", "1234");
            link.Settings.AuthIdentity = "test";
            var run = link.Run(() =>
            {
                var sink = new ScriptedUpstream { Name = "smtp.example.com", EhloText = "smtp.example.com Hello client.example.com" };
                sink.Custom["connect"] = "220 smtp.example.com ESMTP Server";
                sink.Custom["starttls"] = "220 Ready to start TLS";
                sink.Keywords = new List<string> { "AUTH GSSAPI DIGEST-MD5", "ENHANCEDSTATUSCODES", "STARTTLS" };
                sink.KeywordsAfterTls = new List<string> { "AUTH GSSAPI DIGEST-MD5 PLAIN" };
                sink.AuthSteps = new List<(string, string)> { ("AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=", "235 2.7.0 Authentication successful") };
                return sink;
            });
            run.AssertDialog("""
                S: 220 smtp.example.com ESMTP Server
                C: EHLO client.example.com
                S: 250-smtp.example.com Hello client.example.com
                S: 250-AUTH GSSAPI DIGEST-MD5
                S: 250-ENHANCEDSTATUSCODES
                S: 250 STARTTLS
                C: STARTTLS
                S: 220 Ready to start TLS
                -- TLS established
                C: EHLO client.example.com
                S: 250-smtp.example.com Hello client.example.com
                S: 250 AUTH GSSAPI DIGEST-MD5 PLAIN
                C: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=
                S: 235 2.7.0 Authentication successful
                C: MAIL FROM:<cam@lan.test>
                S: 250 2.1.0 Ok
                C: RCPT TO:<user@local.test>
                S: 250 2.1.5 Ok
                C: DATA
                S: 354 *
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as SINK1
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Empty(run.Sink.AuthMismatches);
            Assert.True(run.Client.VerifyCertificate);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        // RFC 4616 §4's examples: "\0tim\0tanstaaftanstaaf" and "Ursel\0Kurt\0xipj3plmq".
        [Theory]
        [InlineData(null, "tim", "tanstaaftanstaaf", "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm")]
        [InlineData("Ursel", "Kurt", "xipj3plmq", "AUTH PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=")]
        [InlineData(null, "j\u00f6rg", "p\u00e4ss\u20ac\U0001F600", "AUTH PLAIN AGrDtnJnAHDDpHNz4oKs8J+YgA==")]
        public void Auth_Plain_SendsTheRfc4616Message_Base64_WithTheCommand(string identity, string user, string password, string line)
        {
            var run = AuthRun(s => { s.AuthUser = user; s.AuthPassword = password; s.AuthIdentity = identity; },
                              new[] { "AUTH PLAIN LOGIN" }, (line, "235 2.7.0 Authentication successful"));
            Assert.Empty(run.Sink.AuthMismatches);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Fact]
        public void Auth_Plain_TooLongForOneLine_SendsTheResponseAfter334()
        {
            // RFC 4954 §4: an initial response that would make the command longer than 512 octets
            // is sent after an empty challenge instead.
            string user = new string('u', 200), password = new string('p', 200);
            string response = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));
            var run = AuthRun(s => { s.AuthUser = user; s.AuthPassword = password; }, new[] { "AUTH PLAIN" },
                              ("AUTH PLAIN", "334 "), (response, "235 2.7.0 Authentication successful"));
            Assert.Empty(run.Sink.AuthMismatches);
            Assert.Contains("C: AUTH PLAIN", run.Lines);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Fact]
        public void Auth_Login_AnswersUsernameAndPasswordChallenges()
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "tanstaaftanstaaf"; }, new[] { "AUTH LOGIN CRAM-MD5" },
                              ("AUTH LOGIN", "334 VXNlcm5hbWU6"), ("dGlt", "334 UGFzc3dvcmQ6"),
                              ("dGFuc3RhYWZ0YW5zdGFhZg==", "235 2.7.0 Authentication successful"));
            run.AssertDialog("""
                S: 220 *
                C: EHLO client.test
                S: 250-sink.test
                S: 250-PIPELINING
                S: 250 STARTTLS
                C: STARTTLS
                S: 220 2.0.0 Ready to start TLS
                -- TLS established
                C: EHLO client.test
                S: 250-sink.test
                S: 250-PIPELINING
                S: 250 AUTH LOGIN CRAM-MD5
                C: AUTH LOGIN
                S: 334 VXNlcm5hbWU6
                C: dGlt
                S: 334 UGFzc3dvcmQ6
                C: dGFuc3RhYWZ0YW5zdGFhZg==
                S: 235 2.7.0 Authentication successful
                C: MAIL FROM:<cam@lan.test>
                C: RCPT TO:<user@local.test>
                C: DATA
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                S: 354 *
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 *
                C: QUIT
                S: 221 2.0.0 Bye
                """);
            Assert.Empty(run.Sink.AuthMismatches);
        }

        [Fact]
        public void Auth_OldStyleAuthEqualsKeyword_IsUnderstood()
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "x"; }, new[] { "AUTH=LOGIN" },
                              ("AUTH LOGIN", "334 VXNlcm5hbWU6"), ("dGlt", "334 UGFzc3dvcmQ6"), ("eA==", "235 2.7.0 Ok"));
            Assert.Empty(run.Sink.AuthMismatches);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Theory]
        [InlineData("535 5.7.8 Error: authentication failed: bad credentials", "Refused", "permanent")]
        [InlineData("534 5.7.9 Authentication mechanism is too weak", "Refused", "permanent")]
        [InlineData("454 4.7.0 Temporary authentication failure", "TryNextAddress", "transient")]
        public void Auth_Refused_FailsTheAttempt_PermanentlyOnlyFor5xx(string reply, string end, string status)
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "wrong"; }, new[] { "AUTH PLAIN" },
                              ("AUTH PLAIN AHRpbQB3cm9uZw==", reply));
            Assert.Equal(end, run.EndName);
            var r = run.Outcome.Recipients[0];
            Assert.Equal(status, DeliveryStatus.Name(r.Status));
            Assert.Equal(reply, r.Reply.ToString());
            Assert.Equal(ClientState.AwaitingAuth, r.Stage);
            Assert.Equal(new[] { "C: QUIT", "S: 221 2.0.0 Bye" }, run.Lines.TakeLast(2));
            Assert.DoesNotContain(run.Lines, l => l.StartsWith("C: MAIL"));
        }

        [Fact]
        public void Auth_WithoutTls_SendsNoCredentials_AndTriesTheNextAddress()
        {
            var link = Link(s => { s.AuthUser = "tim"; s.AuthPassword = "secret"; });
            var run = link.Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Keywords.Add("AUTH PLAIN LOGIN");
                return sink;
            });
            Assert.DoesNotContain(run.Lines, l => l.StartsWith("C: AUTH"));
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.Equal("451 4.7.0 AUTH is configured, but the connection is not encrypted", run.Outcome.Recipients[0].Reply.ToString());
        }

        [Fact]
        public void Auth_WithoutTls_IsSent_WhenExplicitlyAllowed()
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "tanstaaftanstaaf"; s.AuthWithoutTls = true; s.Tls = ClientTls.Off; },
                              new[] { "AUTH PLAIN" }, ("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "235 2.7.0 Ok"), useTls: false);
            Assert.False(run.Client.IsTls);
            Assert.Equal(DeliveryStatus.Delivered, run.Outcome.Recipients[0].Status);
        }

        [Theory]
        [InlineData("AUTH CRAM-MD5 DIGEST-MD5")]
        [InlineData(null)]
        public void Auth_NoMechanismWeSpeak_TriesTheNextAddress(string keyword)
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "x"; }, keyword == null ? new string[0] : new[] { keyword });
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.Equal("451 4.7.0 AUTH is configured, but the server offers neither PLAIN nor LOGIN", run.EndReply.ToString());
        }

        [Fact]
        public void Auth_UnexpectedChallenge_IsCancelledWithAStar()
        {
            var run = AuthRun(s => { s.AuthUser = "tim"; s.AuthPassword = "x"; }, new[] { "AUTH PLAIN" },
                              ("AUTH PLAIN AHRpbQB4", "334 bW9yZT8="), ("*", "501 5.7.0 Authentication aborted"));
            Assert.Empty(run.Sink.AuthMismatches);
            Assert.Equal(ClientEnd.TryNextAddress, run.End);
            Assert.StartsWith("451 4.5.0 protocol error: unexpected AUTH exchange (501 5.7.0 Authentication aborted)", run.EndReply.ToString());
        }

        /// <summary>A run over TLS (unless useTls is false) against a sink that offers these EHLO lines after the upgrade and scripts AUTH.</summary>
        private static LinkRun AuthRun(Action<ClientSettings> configure, string[] keywords, params (string, string)[] steps)
            => AuthRun(configure, keywords, steps, true);

        private static LinkRun AuthRun(Action<ClientSettings> configure, string[] keywords, (string, string) step, bool useTls)
            => AuthRun(configure, keywords, new[] { step }, useTls);

        private static LinkRun AuthRun(Action<ClientSettings> configure, string[] keywords, (string, string)[] steps, bool useTls)
        {
            var link = Link(configure);
            return link.Run(() =>
            {
                var sink = new ScriptedUpstream();
                sink.Keywords = new List<string> { "PIPELINING" };
                if (useTls)
                {
                    sink.Keywords.Add("STARTTLS");
                    sink.KeywordsAfterTls = new List<string> { "PIPELINING" };
                    sink.KeywordsAfterTls.AddRange(keywords);
                }
                else
                {
                    sink.Keywords.AddRange(keywords);
                }
                sink.AuthSteps = steps.ToList();
                return sink;
            });
        }
    }
}
