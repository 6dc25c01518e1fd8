// The relay decision (RelayPolicy) on its own, then the same decisions end to end: RCPT through a
// session, for a stranger (outside relay.allow) and for a trusted client. Local domain local.test,
// relay domain relay.test, relay.allow 192.0.2.0/24 and 2001:db8:1::/48 (SessionHarness defaults).
using MailGateway.Core.Relay;
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using Xunit;

namespace MailGateway.Tests.Relay
{
    public class RelayPolicyTests
    {
        private static RelayPolicy Policy() => new SessionHarness().Policy();

        private static MailPath Recipient(string path)
        {
            Assert.Equal(PathParser.Ok, PathParser.TryParse(path, 0, false, true, out MailPath recipient, out _));
            return recipient;
        }

        [Theory]
        [InlineData("192.0.2.10", true)]
        [InlineData("192.0.2.0", true)]
        [InlineData("192.0.2.255", true)]
        [InlineData("192.0.3.1", false)]
        [InlineData("198.51.100.7", false)]
        [InlineData("::ffff:192.0.2.10", true)]
        [InlineData("::ffff:198.51.100.7", false)]
        [InlineData("2001:db8:1::25", true)]
        [InlineData("2001:db8:1:ffff::1", true)]
        [InlineData("2001:db8:2::1", false)]
        [InlineData("127.0.0.1", false)]
        [InlineData("::1", false)]
        [InlineData("", false)]
        [InlineData("not an address", false)]
        [InlineData("192.0.2.10:2525", false)]
        public void TrustedClient_IsOneInsideRelayAllow(string client, bool trusted)
        {
            Assert.Equal(trusted, Policy().IsTrustedClient(client));
        }

        [Fact]
        public void TrustedClient_WithNoRelayAllow_IsNobody()
        {
            var policy = new RelayPolicy(new[] { "local.test" }, new string[0], new CidrRange[0]);
            Assert.False(policy.IsTrustedClient("127.0.0.1"));
        }

        [Theory]
        [InlineData("local.test", true)]
        [InlineData("LOCAL.Test", true)]
        [InlineData("relay.test", false)]
        [InlineData("sub.local.test", false)]
        [InlineData("local.test.", false)]
        public void LocalDomain_IsConfiguredDomain_CaseInsensitive(string domain, bool local)
        {
            Assert.Equal(local, Policy().IsLocalDomain(domain));
        }

        [Fact]
        public void ConfiguredDomains_InUpperCase_StillMatch()
        {
            var policy = new RelayPolicy(new[] { "Local.TEST" }, new[] { "RELAY.test" }, new CidrRange[0]);
            Assert.True(policy.MayRelay(Recipient("<a@local.test>"), false));
            Assert.True(policy.MayRelay(Recipient("<a@relay.test>"), false));
        }

        [Theory]
        [InlineData("<user@local.test>", false, true)]
        [InlineData("<user@relay.test>", false, true)]
        [InlineData("<user@foreign.test>", false, false)]
        [InlineData("<user@foreign.test>", true, true)]
        [InlineData("<postmaster>", false, true)]
        [InlineData("<user%foreign.test@local.test>", false, false)]
        [InlineData("<foreign.test!user@local.test>", false, false)]
        [InlineData("<\"user@foreign.test\"@local.test>", false, false)]
        [InlineData("<user@[192.0.2.1]>", false, false)]
        [InlineData("<user@[192.0.2.1]>", true, true)]
        public void MayRelay_Decides(string recipient, bool trusted, bool allowed)
        {
            Assert.Equal(allowed, Policy().MayRelay(Recipient(recipient), trusted));
        }

        // ---- End to end: RCPT through the session ----------------------------------------------

        private const string Denied = "554 5.7.1 ";
        private const string Accepted = "250 2.1.5 Ok";
        private const string BadSyntax = "501 5.1.3 Bad recipient address syntax";

        [Theory]
        [InlineData("<user@foreign.test>", Denied + "<user@foreign.test>: Relay access denied")]
        [InlineData("<@local.test:user@foreign.test>", Denied + "<user@foreign.test>: Relay access denied")]
        [InlineData("<@local.test,@relay.test:user@foreign.test>", Denied + "<user@foreign.test>: Relay access denied")]
        [InlineData("<user%foreign.test@local.test>", Denied + "<user%foreign.test@local.test>: Relay access denied")]
        [InlineData("<foreign.test!user@local.test>", Denied + "<foreign.test!user@local.test>: Relay access denied")]
        [InlineData("<\"user@foreign.test\"@local.test>", Denied + "<\"user@foreign.test\"@local.test>: Relay access denied")]
        [InlineData("<\"user%foreign.test\"@local.test>", Denied + "*")]
        [InlineData("<\"foreign.test!user\"@local.test>", Denied + "*")]
        [InlineData("<\"user\\@foreign.test\"@local.test>", Denied + "*")]
        [InlineData("<user@[192.0.2.1]>", Denied + "<user@[192.0.2.1]>: Relay access denied")]
        [InlineData("<user@[IPv6:2001:db8::1]>", Denied + "*")]
        [InlineData("<user@sub.local.test>", Denied + "*")]
        [InlineData("<user@local.test.foreign.test>", Denied + "*")]
        [InlineData("<user@xlocal.test>", Denied + "*")]
        [InlineData("<postmaster@foreign.test>", Denied + "*")]
        [InlineData("<user@local.test.>", BadSyntax)]
        [InlineData("<user@foreign.test.>", BadSyntax)]
        [InlineData("<user@local.test@foreign.test>", BadSyntax)]
        [InlineData("<user@local.test>foreign.test", "555 5.5.4 Unsupported MAIL or RCPT parameter")]
        [InlineData("user@local.test", BadSyntax)]
        [InlineData("<user@LOCAL.TEST>", Accepted)]
        [InlineData("<user@local.test>", Accepted)]
        [InlineData("<user@relay.test>", Accepted)]
        [InlineData("<user@Relay.Test>", Accepted)]
        [InlineData("<\"john smith\"@local.test>", Accepted)]
        [InlineData("<@foreign.test:user@local.test>", Accepted)]  // the route is dropped; user@local.test is what counts
        [InlineData("<postmaster>", Accepted)]
        [InlineData("<POSTMASTER>", Accepted)]
        [InlineData("<Postmaster@local.test>", Accepted)]
        public void Rcpt_FromAStranger(string path, string reply)
        {
            var run = new SessionHarness { ClientAddress = SessionHarness.Stranger }
                .Run(Dialog.To("mail") + "C: RCPT TO:" + path + "\nS: " + reply + "\n");
            if (reply.StartsWith(Denied)) Assert.Single(run.Log, l => l.StartsWith("NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 "));
        }

        [Theory]
        [InlineData(SessionHarness.Trusted, "<user@foreign.test>", Accepted)]
        [InlineData("192.0.2.200", "<user@foreign.test>", Accepted)]
        [InlineData("::ffff:192.0.2.10", "<user@foreign.test>", Accepted)]
        [InlineData("2001:db8:1::25", "<user@foreign.test>", Accepted)]
        [InlineData(SessionHarness.Trusted, "<user%foreign.test@local.test>", Accepted)]
        [InlineData(SessionHarness.Trusted, "<user@[192.0.2.1]>", Accepted)]
        [InlineData(SessionHarness.Trusted, "<user@local.test.>", BadSyntax)]
        [InlineData("::ffff:198.51.100.7", "<user@foreign.test>", Denied + "*")]
        [InlineData("2001:db8:2::25", "<user@foreign.test>", Denied + "*")]
        [InlineData("127.0.0.1", "<user@foreign.test>", Denied + "*")]
        [InlineData("::1", "<user@foreign.test>", Denied + "*")]
        public void Rcpt_FromAClient(string client, string path, string reply)
        {
            new SessionHarness { ClientAddress = client }.Run(Dialog.To("mail") + "C: RCPT TO:" + path + "\nS: " + reply + "\n");
        }

        // ---- After SMTP AUTH a stranger relays like a trusted client ----------------------------

        [Theory]
        [InlineData("<user@foreign.test>", Accepted)]
        [InlineData("<user%foreign.test@local.test>", Accepted)]
        [InlineData("<user@[192.0.2.1]>", Accepted)]
        [InlineData("<user@local.test.>", BadSyntax)]
        public void Rcpt_FromAnAuthenticatedStranger(string path, string reply)
        {
            new SessionHarness { TlsActive = true }.Run(Dialog.Greeting + SessionTlsTests.EhloWithAuth + """
                C: AUTH PLAIN AGFsaWNlAHMzY3JldA==
                S: 235 2.7.0 Authentication successful

                """ + Dialog.Mail + "C: RCPT TO:" + path + "\nS: " + reply + "\n");
        }

        // ---- Local recipients ----------------------------------------------------------------

        private sealed class Users : ILocalRecipients
        {
            public bool IsKnown(string localPart) => localPart == "user";
            public bool IsMailboxFull(string localPart) => false;
        }

        [Theory]
        [InlineData("<user@local.test>", true)]
        [InlineData("<nobody@local.test>", false)]
        [InlineData("<nobody@LOCAL.test>", false)]
        [InlineData("<postmaster@local.test>", true)]
        [InlineData("<POSTMASTER@local.test>", true)]
        [InlineData("<postmaster>", true)]
        [InlineData("<nobody@relay.test>", true)]
        [InlineData("<nobody@foreign.test>", true)]
        [InlineData("<nobody@[192.0.2.1]>", true)]
        public void IsKnownRecipient_AsksTheTable_ForLocalDomainsOnly(string recipient, bool known)
        {
            var policy = new RelayPolicy(new[] { "local.test" }, new[] { "relay.test" }, new CidrRange[0], new Users());
            Assert.Equal(known, policy.IsKnownRecipient(Recipient(recipient)));
        }

        [Fact]
        public void IsKnownRecipient_WithoutATable_IsAlwaysTrue()
        {
            Assert.True(Policy().IsKnownRecipient(Recipient("<nobody@local.test>")));
        }
    }
}
