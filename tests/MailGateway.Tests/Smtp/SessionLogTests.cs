// Log lines in Postfix's smtpd style: operators grep them the way they grep a Postfix maillog.
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionLogTests
    {
        [Fact]
        public void RelayDenied_IsLoggedAsPostfixDoes()
        {
            var run = new SessionHarness().Run(Dialog.To("mail") + """
                C: RCPT TO:<x@foreign.test>
                S: 554 5.7.1 <x@foreign.test>: Relay access denied
                """);
            Assert.Equal(new[]
            {
                "NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 <x@foreign.test>: Relay access denied; " +
                "from=<sender@client.test> to=<x@foreign.test> proto=ESMTP helo=<client.test>",
            }, run.Log);
        }

        [Fact]
        public void RelayDenied_AfterHeloWithNullSender_LogsProtoSmtpAndEmptyFrom()
        {
            var run = new SessionHarness().Run(Dialog.Greeting + Dialog.Helo + """
                C: MAIL FROM:<>
                S: 250 Ok
                C: RCPT TO:<x@foreign.test>
                S: 554 <x@foreign.test>: Relay access denied
                """);
            Assert.Equal(new[]
            {
                "NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 <x@foreign.test>: Relay access denied; " +
                "from=<> to=<x@foreign.test> proto=SMTP helo=<client.test>",
            }, run.Log);
        }

        [Fact]
        public void RelayDenied_ForAnIPv6Client_NamesItsAddress()
        {
            var harness = new SessionHarness { ClientAddress = "2001:db8:2::7" };
            var run = harness.Run(Dialog.To("mail") + "C: RCPT TO:<x@foreign.test>\nS: 554 5.7.1 *\n");
            Assert.StartsWith("NOQUEUE: reject: RCPT from unknown[2001:db8:2::7]: 554 5.7.1 ", Assert.Single(run.Log));
        }

        [Fact]
        public void QueuedMessage_LogsClientThenSenderSizeAndRecipients_UnderItsQueueId()
        {
            var run = new SessionHarness().Run(Dialog.UpToData + """
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.Equal(new[]
            {
                "4B7C1D0001: client=unknown[198.51.100.7]",
                "4B7C1D0001: from=<sender@client.test>, size=7, nrcpt=1 (queue active)",
            }, run.Log);
        }

        [Fact]
        public void TooBigMessage_IsLoggedUnderItsQueueId()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxMessageBytes = 10;
            var run = harness.Run(Dialog.Greeting + Dialog.EhloAnySize + Dialog.Mail + Dialog.Rcpt + Dialog.Data + """
                C: more than ten bytes
                C: .
                S: 552 5.3.4 Message size exceeds fixed limit
                """);
            Assert.Equal(new[]
            {
                "4B7C1D0001: client=unknown[198.51.100.7]",
                "4B7C1D0001: message too big from unknown[198.51.100.7]",
                "4B7C1D0001: reject: END-OF-MESSAGE from unknown[198.51.100.7]: 552 5.3.4 Message size exceeds fixed limit; " +
                "from=<sender@client.test> proto=ESMTP helo=<client.test>",
            }, run.Log);
        }

        [Fact]
        public void MailLoop_IsLoggedUnderItsQueueId()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxReceived = 0;
            var run = harness.Run(Dialog.UpToData + "C: Received: from a by b; Fri, 15 Jan 2027 07:00:00 +0000\nC: .\nS: 554 5.4.6 *\n");
            Assert.Equal("4B7C1D0001: reject: END-OF-MESSAGE from unknown[198.51.100.7]: 554 5.4.6 Too many Received headers: " +
                         "mail forwarding loop; from=<sender@client.test> proto=ESMTP helo=<client.test>", run.Log[^1]);
        }

        [Fact]
        public void SpoolFullAtMail_IsLoggedAsAMailReject_NamingTheOfferedSender()
        {
            var harness = new SessionHarness { SpoolMaxBytes = 0 };
            var run = harness.Run(Dialog.Greeting + Dialog.Ehlo + "C: MAIL FROM:<a@client.test>\nS: 452 4.3.1 *\n");
            Assert.Equal(new[]
            {
                "NOQUEUE: reject: MAIL from unknown[198.51.100.7]: 452 4.3.1 Insufficient system storage; from=<a@client.test> proto=ESMTP helo=<client.test>",
            }, run.Log);
        }

        [Fact]
        public void Timeout_And_HttpCommand_And_LostConnection_AreLogged()
        {
            var harness = new SessionHarness();
            harness.Settings.IdleTimeoutMs = 10;
            Assert.Equal(new[] { "timeout after AwaitingHelo from unknown[198.51.100.7]" },
                         harness.Run(Dialog.Greeting + "W: 10\nS: 421 *\n").Log);
            Assert.Equal(new[] { "HTTP command from unknown[198.51.100.7]: get" },
                         harness.Run(Dialog.Greeting + "C: GET / HTTP/1.1\nS: 521 *\n").Log);
            var lost = harness.Run(Dialog.UpToData + "C: half\nE:\n");
            Assert.Equal("4B7C1D0001: lost connection after DATA from unknown[198.51.100.7]", lost.Log[^1]);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, lost.Events);
            Assert.Empty(lost.Stored);
            Assert.True(lost.Closed);
        }

        [Fact]
        public void SpoolVerdictNegative_IsLoggedUnderItsQueueId()
        {
            var harness = new SessionHarness { SpoolVerdict = Replies.SpoolError };
            var run = harness.Run(Dialog.UpToData + "C: x\nC: .\nS: 451 4.3.0 *\n");
            Assert.Equal("4B7C1D0001: reject: END-OF-MESSAGE from unknown[198.51.100.7]: 451 4.3.0 Could not store the message, " +
                         "try again later; from=<sender@client.test> proto=ESMTP helo=<client.test>", run.Log[^1]);
        }
    }
}
