// Each verb of the SMTP server session (RFC 5321 §4.1.1, RFC 1870 SIZE, RFC 6152 8BITMIME,
// RFC 2034/3463 enhanced status codes): what it answers in each state, with its errors.
using System.Text.RegularExpressions;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionCommandTests
    {
        private static SessionRun Run(string transcript) => new SessionHarness().Run(transcript);

        // ---- Greeting and hello ----------------------------------------------------------------

        [Fact]
        public void Connect_Greets220WithHostname_WithoutEnhancedCode()
        {
            var run = Run(Dialog.Greeting);
            Assert.Equal(new[] { "220 mx.local.test ESMTP MailGateway" }, run.Replies);
            Assert.False(run.Closed);
        }

        [Fact]
        public void Ehlo_AdvertisesPipeliningSizeEightBitMimeAndEnhancedStatusCodes()
        {
            Run(Dialog.Greeting + Dialog.Ehlo);
        }

        [Fact]
        public void Ehlo_AdvertisesTheConfiguredSizeLimit()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 12345;
            harness.Run(Dialog.Greeting + """
                C: EHLO client.test
                S: 250-mx.local.test
                S: 250-PIPELINING
                S: 250-SIZE 12345
                S: 250-8BITMIME
                S: 250 ENHANCEDSTATUSCODES
                """);
        }

        [Fact]
        public void Helo_RepliesOneLine()
        {
            Run(Dialog.Greeting + Dialog.Helo);
        }

        [Theory]
        [InlineData("ehlo client.test", "250-mx.local.test")]
        [InlineData("EhLo client.test", "250-mx.local.test")]
        [InlineData("EHLO   client.test  ", "250-mx.local.test")]
        [InlineData("EHLO [192.0.2.1]", "250-mx.local.test")]
        [InlineData("helo client.test", "250 mx.local.test")]
        [InlineData("EHLO", "501 Syntax: EHLO hostname")]
        [InlineData("EHLO ", "501 Syntax: EHLO hostname")]
        [InlineData("EHLO two words", "501 Syntax: EHLO hostname")]
        [InlineData("HELO", "501 Syntax: HELO hostname")]
        [InlineData("EHLOclient.test", "500 Command not recognized")]
        public void Hello_Variants_Reply(string command, string firstReplyLine)
        {
            var run = Run(Dialog.Greeting + "C: " + command + "\nS: " + firstReplyLine + "\n" +
                          (firstReplyLine.StartsWith("250-") ? "S: 250-*\nS: 250-*\nS: 250-*\nS: 250 *\n" : ""));
            Assert.False(run.Closed);
        }

        [Fact]
        public void Ehlo_AgainInTransaction_ResetsTheTransaction()
        {
            // RFC 5321 §4.1.4: EHLO mid-transaction is like RSET.
            Run(Dialog.To("rcpt") + Dialog.Ehlo + """
                C: RCPT TO:<user@local.test>
                S: 503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL
                C: DATA
                S: 503 5.5.1 *
                """ + "\n" + Dialog.Mail);
        }

        [Fact]
        public void Helo_AfterEhlo_DropsEnhancedCodes()
        {
            Run(Dialog.Greeting + Dialog.Ehlo + Dialog.Helo + """
                C: NOOP
                S: 250 Ok
                """);
        }

        // ---- Every verb in every state ---------------------------------------------------------

        // state: connected (nothing said yet), helo/ehlo (greeted), mail (sender given), rcpt (one recipient)
        [Theory]
        // Before EHLO/HELO: transaction verbs out of sequence, no enhanced codes
        [InlineData("connected", "MAIL FROM:<sender@client.test>", "503 Bad sequence of commands; expected EHLO HELO")]
        [InlineData("connected", "RCPT TO:<user@local.test>", "503 Bad sequence of commands; expected EHLO HELO")]
        [InlineData("connected", "DATA", "503 Bad sequence of commands; expected EHLO HELO")]
        [InlineData("connected", "NOOP", "250 Ok")]
        [InlineData("connected", "RSET", "250 Ok")]
        [InlineData("connected", "VRFY user", "252 Cannot VRFY user, but will accept message and attempt delivery")]
        [InlineData("connected", "HELP", "214 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP")]
        [InlineData("connected", "EXPN staff", "502 Command not implemented")]
        [InlineData("connected", "XYZZY", "500 Command not recognized")]
        [InlineData("connected", "", "500 Command not recognized")]
        [InlineData("connected", "STARTTLS", "502 Command not implemented")]
        [InlineData("connected", "AUTH PLAIN AGFhAGI=", "503 Authentication not enabled")]
        // After EHLO: enhanced codes on every reply
        [InlineData("ehlo", "RCPT TO:<user@local.test>", "503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL")]
        [InlineData("ehlo", "DATA", "503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL")]
        [InlineData("ehlo", "NOOP", "250 2.0.0 Ok")]
        [InlineData("ehlo", "NOOP with an argument", "250 2.0.0 Ok")]
        [InlineData("ehlo", "noop", "250 2.0.0 Ok")]
        [InlineData("ehlo", "RSET", "250 2.0.0 Ok")]
        [InlineData("ehlo", "RSET now", "501 5.5.4 This command takes no parameters")]
        [InlineData("ehlo", "VRFY user@local.test", "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery")]
        [InlineData("ehlo", "VRFY", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "VRFY  ", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "HELP", "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP")]
        [InlineData("ehlo", "HELP MAIL", "214 2.0.0 *")]
        [InlineData("ehlo", "EXPN staff", "502 5.5.1 Command not implemented")]
        [InlineData("ehlo", "XYZZY", "500 5.5.2 Command not recognized")]
        [InlineData("ehlo", "MAILFROM:<sender@client.test>", "500 5.5.2 Command not recognized")]
        // MAIL
        [InlineData("ehlo", "MAIL FROM:<sender@client.test>", "250 2.1.0 Ok")]
        [InlineData("ehlo", "mail from:<sender@client.test>", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM: <sender@client.test>", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<>", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<@relay.example:sender@client.test>", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=1000", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> size=1000", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=10485760", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> BODY=8BITMIME", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> BODY=7BIT  SIZE=10", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> ", "250 2.1.0 Ok")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=10485761", "552 5.3.4 Message size exceeds fixed limit")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=999999999999999999", "552 5.3.4 Message size exceeds fixed limit")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=9999999999999999999", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=abc", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=-1", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SIZE=", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> BODY=BINARYMIME", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test>SIZE=10", "501 5.5.4 Syntax error in parameters")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> AUTH=<>", "555 5.5.4 Unsupported MAIL or RCPT parameter")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> SMTPUTF8", "555 5.5.4 Unsupported MAIL or RCPT parameter")]
        [InlineData("ehlo", "MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>")]
        [InlineData("ehlo", "MAIL TO:<sender@client.test>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
        [InlineData("ehlo", "MAIL FROM:sender@client.test", "501 5.1.7 Bad sender address syntax")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test", "501 5.1.7 Bad sender address syntax")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test.>", "501 5.1.7 Bad sender address syntax")]
        [InlineData("ehlo", "MAIL FROM:<sender>", "501 5.1.7 Bad sender address syntax")]
        [InlineData("ehlo", "MAIL FROM:<postmaster>", "501 5.1.7 Bad sender address syntax")]
        [InlineData("ehlo", "MAIL FROM:<sénder@client.test>", "553 5.6.7 Non-ASCII addresses are not supported")]
        [InlineData("ehlo", "MAIL FROM:<sender@client.test> X=é", "553 5.6.7 Non-ASCII addresses are not supported")]
        // After HELO: no enhanced codes, no ESMTP parameters
        [InlineData("helo", "NOOP", "250 Ok")]
        [InlineData("helo", "RCPT TO:<user@local.test>", "503 Bad sequence of commands; expected EHLO HELO MAIL")]
        [InlineData("helo", "MAIL FROM:<sender@client.test>", "250 Ok")]
        [InlineData("helo", "MAIL FROM:<sender@client.test> SIZE=1000", "555 Unsupported MAIL or RCPT parameter")]
        [InlineData("helo", "MAIL FROM:<sender@client.test> BODY=8BITMIME", "555 Unsupported MAIL or RCPT parameter")]
        [InlineData("helo", "MAIL FROM:sender", "501 Bad sender address syntax")]
        // RCPT
        [InlineData("mail", "MAIL FROM:<other@client.test>", "503 5.5.1 Bad sequence of commands; expected EHLO HELO RCPT DATA")]
        [InlineData("mail", "DATA", "554 5.5.1 No valid recipients")]
        [InlineData("mail", "RCPT TO:<user@local.test>", "250 2.1.5 Ok")]
        [InlineData("mail", "rcpt to:<user@local.test>", "250 2.1.5 Ok")]
        [InlineData("mail", "RCPT TO: <user@local.test>", "250 2.1.5 Ok")]
        [InlineData("mail", "RCPT TO:<user@local.test> ", "250 2.1.5 Ok")]
        [InlineData("mail", "RCPT TO:<user@relay.test>", "250 2.1.5 Ok")]
        [InlineData("mail", "RCPT TO:<\"john smith\"@local.test>", "250 2.1.5 Ok")]
        [InlineData("mail", "RCPT", "501 5.5.4 Syntax: RCPT TO:<address>")]
        [InlineData("mail", "RCPT FROM:<user@local.test>", "501 5.5.4 Syntax: RCPT TO:<address>")]
        [InlineData("mail", "RCPT TO:user@local.test", "501 5.1.3 Bad recipient address syntax")]
        [InlineData("mail", "RCPT TO:<>", "501 5.1.3 Bad recipient address syntax")]
        [InlineData("mail", "RCPT TO:<user>", "501 5.1.3 Bad recipient address syntax")]
        [InlineData("mail", "RCPT TO:<user@>", "501 5.1.3 Bad recipient address syntax")]
        [InlineData("mail", "RCPT TO:<user@local..test>", "501 5.1.3 Bad recipient address syntax")]
        [InlineData("mail", "RCPT TO:<user@local.test> NOTIFY=NEVER", "555 5.5.4 Unsupported MAIL or RCPT parameter")]
        [InlineData("mail", "RCPT TO:<usér@local.test>", "553 5.6.7 Non-ASCII addresses are not supported")]
        [InlineData("mail", "RCPT TO:<user@foreign.test>", "554 5.7.1 <user@foreign.test>: Relay access denied")]
        [InlineData("helo-mail", "RCPT TO:<user@local.test>", "250 Ok")]
        [InlineData("helo-mail", "RCPT TO:<user@foreign.test>", "554 <user@foreign.test>: Relay access denied")]
        [InlineData("helo-mail", "DATA", "554 No valid recipients")]
        // DATA
        [InlineData("rcpt", "DATA now", "501 5.5.4 This command takes no parameters")]
        [InlineData("rcpt", "DATA", "354 End data with <CR><LF>.<CR><LF>")]
        [InlineData("rcpt", "data", "354 End data with <CR><LF>.<CR><LF>")]
        [InlineData("rcpt", "RCPT TO:<second@local.test>", "250 2.1.5 Ok")]
        [InlineData("rcpt", "MAIL FROM:<sender@client.test>", "503 5.5.1 Bad sequence of commands; expected EHLO HELO RCPT DATA")]
        public void Command_InState_Replies(string state, string command, string reply)
        {
            var run = Run(Dialog.To(state) + "C: " + command + "\nS: " + reply + "\n");
            Assert.False(run.Closed);
            Assert.Empty(run.Stored);
        }

        // ---- QUIT, RSET ------------------------------------------------------------------------

        [Theory]
        [InlineData("connected", "221 Bye")]
        [InlineData("helo", "221 Bye")]
        [InlineData("ehlo", "221 2.0.0 Bye")]
        [InlineData("mail", "221 2.0.0 Bye")]
        [InlineData("rcpt", "221 2.0.0 Bye")]
        public void Quit_InAnyState_Replies221AndCloses_AndReadsNothingAfter(string state, string reply)
        {
            var run = Run(Dialog.To(state) + "C: QUIT\nS: " + reply + "\nC: NOOP\n");
            Assert.True(run.Closed);
            Assert.Equal("NOOP\r\n".Length, run.Unconsumed);
            Assert.Empty(run.Stored);
        }

        [Fact]
        public void Rset_AfterRecipients_ForgetsSenderAndRecipients_KeepsTheGreeting()
        {
            Run(Dialog.To("rcpt") + """
                C: RSET
                S: 250 2.0.0 Ok
                C: DATA
                S: 503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL
                C: RCPT TO:<user@local.test>
                S: 503 5.5.1 *
                C: MAIL FROM:<sender@client.test>
                S: 250 2.1.0 Ok
                C: DATA
                S: 554 5.5.1 No valid recipients
                """);
        }

        // ---- HTTP and proxies ------------------------------------------------------------------

        [Theory]
        [InlineData("GET / HTTP/1.1")]
        [InlineData("get /index.html HTTP/1.0")]
        [InlineData("POST /cgi-bin/x HTTP/1.1")]
        [InlineData("HEAD / HTTP/1.1")]
        [InlineData("PUT /x HTTP/1.1")]
        [InlineData("CONNECT mail.example:25 HTTP/1.1")]
        public void HttpRequest_Replies521AndCloses_ReadingNoHeaders(string request)
        {
            var run = Run(Dialog.Greeting + "C: " + request + "\n" + """
                S: 521 This is an SMTP server, not a web server
                C: Host: mx.local.test
                C: MAIL FROM:<a@b.test>
                """);
            Assert.True(run.Closed);
            Assert.True(run.Unconsumed > 0);
        }

        [Fact]
        public void HttpRequest_AfterEhlo_Replies521WithEnhancedCode()
        {
            var run = Run(Dialog.To("mail") + """
                C: GET / HTTP/1.1
                S: 521 5.7.0 This is an SMTP server, not a web server
                """);
            Assert.True(run.Closed);
        }

        // ---- Enhanced status codes (RFC 2034) --------------------------------------------------

        // Every kind of reply a session gives outside DATA: positive, transient and permanent.
        private const string AllKindsOfReplies = """
            C: NOOP
            C: VRFY someone
            C: HELP
            C: EXPN staff
            C: XYZZY
            C: RCPT TO:<user@local.test>
            C: MAIL FROM:<sender@client.test> X=1
            C: MAIL FROM:sender
            C: MAIL FROM:<sender@client.test>
            C: RCPT TO:user
            C: RCPT TO:<user@foreign.test>
            C: RCPT TO:<user@local.test>
            C: DATA x
            C: RSET
            C: QUIT
            """;

        [Fact]
        public void AfterEhlo_EveryReplyCarriesAnEnhancedCode()
        {
            var transcript = Transcript.Parse(Dialog.Greeting + Dialog.Ehlo + AllKindsOfReplies);
            var run = new SessionHarness().RunOnce(transcript, Text.Feed.Whole());
            var replies = run.Replies.Skip(6).ToList(); // after the greeting and the EHLO lines
            Assert.Equal(15, replies.Count);
            foreach (string line in replies)
            {
                Assert.Matches(new Regex(@"^([245])\d\d \1\.\d{1,3}\.\d{1,3} \S"), line);
            }
        }

        [Fact]
        public void AfterHelo_NoReplyCarriesAnEnhancedCode()
        {
            var transcript = Transcript.Parse(Dialog.Greeting + Dialog.Helo + AllKindsOfReplies);
            var run = new SessionHarness().RunOnce(transcript, Text.Feed.Whole());
            var replies = run.Replies.Skip(2).ToList();
            Assert.Equal(15, replies.Count);
            foreach (string line in replies)
            {
                Assert.Matches(new Regex(@"^[245]\d\d [^0-9]"), line);
            }
        }

        // ---- Pipelining (RFC 2920) -------------------------------------------------------------

        [Fact]
        public void Pipelining_MailRcptDataInOnePacket_RepliesInOrder_AndTheMessageFollows()
        {
            // The whole feed delivers these lines as one packet; the other feeds cut them anywhere.
            var run = Run(Dialog.Greeting + Dialog.Ehlo + """
                C: MAIL FROM:<sender@client.test>
                C: RCPT TO:<user@local.test>
                C: RCPT TO:<user@foreign.test>
                C: RCPT TO:<other@relay.test>
                C: DATA
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                S: 554 5.7.1 <user@foreign.test>: Relay access denied
                S: 250 2.1.5 Ok
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: pipelined
                C:
                C: hello
                C: .
                C: QUIT
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                S: 221 2.0.0 Bye
                """);
            Assert.True(run.Closed);
            Assert.EndsWith("Subject: pipelined\r\nMessage-ID: <4B7C1D0001.1800000000000@mx.local.test>\r\n" +
                            "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n\r\nhello\r\n", run.Message);
            Assert.Equal(0, run.Session.RecipientCount); // the transaction ends with its 250
        }

        [Fact]
        public void Pipelining_DataAfterAllRecipientsRefused_Replies554_WithoutA354()
        {
            var run = Run(Dialog.Greeting + Dialog.Ehlo + """
                C: MAIL FROM:<sender@client.test>
                C: RCPT TO:<a@foreign.test>
                C: RCPT TO:<b@foreign.test>
                C: DATA
                C: RSET
                S: 250 2.1.0 Ok
                S: 554 5.7.1 <a@foreign.test>: Relay access denied
                S: 554 5.7.1 <b@foreign.test>: Relay access denied
                S: 554 5.5.1 No valid recipients
                S: 250 2.0.0 Ok
                """);
            Assert.DoesNotContain("DataStarting", run.Events);
            Assert.Empty(run.Stored);
        }

        [Fact]
        public void Pipelining_TwoMessagesInOneSession_GetTheirOwnQueueIds()
        {
            var run = Run(Dialog.UpToData + """
                C: first
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                C: MAIL FROM:<>
                C: RCPT TO:<postmaster>
                C: DATA
                S: 250 2.1.0 Ok
                S: 250 2.1.5 Ok
                S: 354 *
                C: second
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0002
                """);
            Assert.Equal(2, run.Stored.Count);
            Assert.EndsWith("\r\nfirst\r\n", run.StoredText[0]);
            Assert.EndsWith("\r\nsecond\r\n", run.StoredText[1]);
            Assert.Contains("id 4B7C1D0002", run.StoredText[1]);
        }
    }
}
