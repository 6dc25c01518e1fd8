// Unknown local recipients: with a local recipient table (ILocalRecipients) a RCPT to a local
// domain whose local part is neither a user nor an alias is refused at once —
// "550 5.1.1 <x@domain>: Recipient address rejected: User unknown in local recipient table", as
// Postfix says it — instead of being accepted and bounced later. Postmaster always exists
// (RFC 5321 §4.5.1); other domains are not judged; without a table every local part is known.
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionLocalRecipientTests
    {
        private static SessionHarness WithUsers(params string[] users) => new SessionHarness { LocalUsers = users };

        private const string UserUnknown = "550 5.1.1 <{0}>: Recipient address rejected: User unknown in local recipient table";

        [Theory]
        [InlineData("user@local.test", "250 2.1.5 Ok")]
        [InlineData("USER@LOCAL.TEST", "250 2.1.5 Ok")]
        [InlineData("alias@local.test", "250 2.1.5 Ok")]
        [InlineData("nobody@local.test", "550 5.1.1 <nobody@local.test>: Recipient address rejected: User unknown in local recipient table")]
        [InlineData("user.x@local.test", "550 5.1.1 <user.x@local.test>: Recipient address rejected: User unknown in local recipient table")]
        [InlineData("\"user\"@local.test", "550 5.1.1 <\"user\"@local.test>: Recipient address rejected: User unknown in local recipient table")]
        // postmaster always exists, in any case, with or without a domain
        [InlineData("postmaster@local.test", "250 2.1.5 Ok")]
        [InlineData("PostMaster@Local.Test", "250 2.1.5 Ok")]
        [InlineData("postmaster", "250 2.1.5 Ok")]
        // other domains are not judged here
        [InlineData("anyone@relay.test", "250 2.1.5 Ok")]
        [InlineData("anyone@foreign.test", "554 5.7.1 <anyone@foreign.test>: Relay access denied")]
        // the relay rules come first
        [InlineData("nobody%foreign.test@local.test", "554 5.7.1 <nobody%foreign.test@local.test>: Relay access denied")]
        public void Rcpt_ForAStranger_ChecksTheLocalRecipientTable(string recipient, string reply)
        {
            WithUsers("user", "alias").Run(Dialog.To("mail") + "C: RCPT TO:<" + recipient + ">\nS: " + reply + "\n");
        }

        [Theory]
        [InlineData("nobody@local.test", "550 5.1.1 *")]
        [InlineData("user@local.test", "250 2.1.5 Ok")]
        [InlineData("anyone@foreign.test", "250 2.1.5 Ok")]
        public void Rcpt_FromATrustedClient_IsCheckedToo_ForLocalDomainsOnly(string recipient, string reply)
        {
            var harness = WithUsers("user");
            harness.ClientAddress = SessionHarness.Trusted;
            harness.Run(Dialog.To("mail") + "C: RCPT TO:<" + recipient + ">\nS: " + reply + "\n");
        }

        [Fact]
        public void UnknownUser_IsLoggedAsPostfixDoes_AndCountsAsAnError()
        {
            var harness = WithUsers("user");
            harness.Settings.MaxErrors = 2;
            var run = harness.Run(Dialog.To("mail") + """
                C: RCPT TO:<nobody@local.test>
                S: 550 5.1.1 <nobody@local.test>: Recipient address rejected: User unknown in local recipient table
                C: RCPT TO:<ghost@local.test>
                S: 550 5.1.1 *
                S: 421 4.7.0 Too many errors, closing connection
                """);
            Assert.Equal(
                "NOQUEUE: reject: RCPT from unknown[198.51.100.7]: " + string.Format(UserUnknown, "nobody@local.test") +
                "; from=<sender@client.test> to=<nobody@local.test> proto=ESMTP helo=<client.test>", run.Log[0]);
            Assert.True(run.Closed);
        }

        [Fact]
        public void Data_AfterOnlyUnknownUsers_IsRefused()
        {
            WithUsers("user").Run(Dialog.To("mail") + """
                C: RCPT TO:<nobody@local.test>
                S: 550 5.1.1 *
                C: DATA
                S: 554 5.5.1 No valid recipients
                """);
        }

        [Fact]
        public void KnownAndUnknownMixed_OnlyTheKnownAreKept()
        {
            var run = WithUsers("user").Run(Dialog.To("mail") + """
                C: RCPT TO:<nobody@local.test>
                S: 550 5.1.1 *
                C: RCPT TO:<user@local.test>
                S: 250 2.1.5 Ok
                C: RCPT TO:<postmaster@local.test>
                S: 250 2.1.5 Ok
                """);
            Assert.Equal(2, run.Session.RecipientCount);
        }

        [Fact]
        public void WithoutATable_EveryLocalPartIsKnown()
        {
            new SessionHarness().Run(Dialog.To("mail") + "C: RCPT TO:<nobody@local.test>\nS: 250 2.1.5 Ok\n");
        }

        [Fact]
        public void Postmaster_IsNeverLookedUp()
        {
            var table = new SessionHarness.UserTable(new string[0]);
            var policy = new Core.Relay.RelayPolicy(new[] { "local.test" }, new string[0], new Core.Relay.CidrRange[0], table);
            Assert.True(policy.IsKnownRecipient(new MailPath("postmaster", "local.test", false)));
            Assert.True(policy.IsKnownRecipient(new MailPath("POSTMASTER", null, false)));
            Assert.False(policy.IsKnownRecipient(new MailPath("root", "local.test", false)));
            Assert.Equal(new[] { "root" }, table.Asked);
        }
    }
}
