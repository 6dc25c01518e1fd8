// STARTTLS, implicit TLS and SMTP AUTH as the loop carries them out, on the simulated network where
// the test plays the client: the upgrade happens only after the 220 is sent, plaintext pipelined
// behind STARTTLS is never executed, AUTH is checked against the users, failures are throttled per
// address, and an authenticated stranger may relay.
using System.Text;
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class GatewayTlsAuthTests
{
    private static readonly string Plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0person1\0s3cret"));
    private static readonly string Wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0person1\0guess"));

    private static SimulatedGateway Gateway(Action<GatewayConfig> configure = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ServerTlsAvailable = true;
        config.SmtpListenTls = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 465) };
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        configure?.Invoke(config);
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        return new SimulatedGateway(config, realDelivery: true, users: users);
    }

    private static SimulatedClient Stranger(SimulatedGateway gw, int port = SimulatedGateway.ListenPort) =>
        gw.Network.Connect(SimulatedGateway.ListenAddress, port, "203.0.113.7");

    [Fact]
    public void StartTls_UpgradesAfterThe220_AndDiscardsWhatWasPipelinedBehindIt()
    {
        var gw = Gateway();
        var client = Stranger(gw);
        gw.Settle();
        client.ReadNew();
        Assert.Contains("250-STARTTLS\r\n", gw.Say(client, "EHLO client.test\r\n"));
        Assert.DoesNotContain("AUTH", client.AllReceived); // no AUTH in clear
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", gw.Say(client, "STARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\n"));
        Assert.True(client.IsTlsHandshaking);
        client.AcceptTls();
        gw.Settle();
        Assert.True(client.IsTls);
        Assert.Equal("", client.ReadNew()); // the injected MAIL/RCPT were never read
        string ehlo = gw.Say(client, "EHLO client.test\r\n");
        Assert.Contains("250-AUTH PLAIN LOGIN\r\n", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.StartsWith("503 5.5.1", gw.Say(client, "RCPT TO:<x@y.test>\r\n")); // the session started over
    }

    [Fact]
    public void AuthenticatedStranger_MayRelay_AndTheTraceSaysESMTPSA()
    {
        var gw = Gateway();
        var client = Stranger(gw);
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nSTARTTLS\r\n");
        client.AcceptTls();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        Assert.StartsWith("554 5.7.1", gw.Say(client, "MAIL FROM:<person1@local.test>\r\nRCPT TO:<friend@outside.test>\r\n").Split("\r\n")[1]);
        gw.Say(client, "RSET\r\n");
        Assert.Equal("235 2.7.0 Authentication successful\r\n", gw.Say(client, "AUTH PLAIN " + Plain + "\r\n"));
        string replies = gw.SendMessage(client, "person1@local.test", new[] { "friend@outside.test" }, "Subject: hi\r\n\r\nhello\r\n");
        Assert.Matches(@"queued as \w{8}\r\n$", replies);
        var stored = SpoolContents.ReadAll(gw.Storage).Single();
        Assert.Contains(" with ESMTPSA id ", stored.BodyText.Split("\r\n")[1]);
        Assert.Contains(gw.Log, l => l.Contains("client=unknown[203.0.113.7], sasl_method=PLAIN, sasl_username=person1"));
    }

    [Fact]
    public void WrongPasswords_AreThrottledPerAddress()
    {
        var gw = Gateway(c => c.SmtpAuthPlaintext = true);
        var client = Stranger(gw);
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        for (int i = 0; i < 5; i++)
        {
            // The answer to a wrong password comes only after the failure delay.
            Assert.Equal("", gw.Say(client, "AUTH PLAIN " + Wrong + "\r\n"));
            gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.LoginFailureDelayMs);
            gw.Settle();
            Assert.StartsWith("535 5.7.8", client.ReadNew());
        }
        // Even the right password is refused now, from this address, without a check.
        var again = Stranger(gw);
        gw.Settle();
        gw.Say(again, "EHLO client.test\r\n");
        Assert.StartsWith("454 4.7.0", gw.Say(again, "AUTH PLAIN " + Plain + "\r\n"));
        // Another address is not affected.
        var other = gw.Network.Connect(SimulatedGateway.ListenAddress, SimulatedGateway.ListenPort, "203.0.113.8");
        gw.Settle();
        gw.Say(other, "EHLO client.test\r\n");
        Assert.StartsWith("235 2.7.0", gw.Say(other, "AUTH PLAIN " + Plain + "\r\n"));
        // After the window, the first address may try again.
        gw.Clock.Advance(MailGateway.Core.Runtime.LoginThrottle.WindowMs);
        Assert.StartsWith("235 2.7.0", gw.Say(again, "AUTH PLAIN " + Plain + "\r\n"));
    }

    // limits.remembered_clients bounds the throttle's list: with room for one address, a failure
    // from a second address makes the gateway forget the first (the memory a small board saves).
    [Fact]
    public void TheThrottle_RemembersAsManyAddressesAsLimitsRememberedClientsSays()
    {
        var gw = Gateway(c =>
        {
            c.SmtpAuthPlaintext = true;
            c.RememberedClients = 1;
        });
        var client = Stranger(gw);
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        for (int i = 0; i < 5; i++)
        {
            gw.Say(client, "AUTH PLAIN " + Wrong + "\r\n");
            gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.LoginFailureDelayMs);
            gw.Settle();
            Assert.StartsWith("535 5.7.8", client.ReadNew());
        }
        Assert.StartsWith("454 4.7.0", gw.Say(client, "AUTH PLAIN " + Plain + "\r\n"));
        var other = gw.Network.Connect(SimulatedGateway.ListenAddress, SimulatedGateway.ListenPort, "203.0.113.8");
        gw.Settle();
        gw.Say(other, "EHLO client.test\r\n");
        gw.Say(other, "AUTH PLAIN " + Wrong + "\r\n");
        gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.LoginFailureDelayMs);
        gw.Settle();
        Assert.StartsWith("535 5.7.8", other.ReadNew());
        Assert.StartsWith("235 2.7.0", gw.Say(client, "AUTH PLAIN " + Plain + "\r\n"));
    }

    [Fact]
    public void ImplicitTls_GreetsOnlyAfterTheHandshake()
    {
        var gw = Gateway();
        var client = Stranger(gw, 465);
        gw.Settle();
        Assert.True(client.IsTlsHandshaking);
        Assert.Equal("", client.ReadNew());
        client.AcceptTls();
        gw.Settle();
        Assert.StartsWith("220 gw.local.test ESMTP", client.ReadNew());
        string ehlo = gw.Say(client, "EHLO client.test\r\n");
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
    }

    [Fact]
    public void FailedHandshake_ClosesTheConnection()
    {
        var gw = Gateway();
        var client = Stranger(gw);
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nSTARTTLS\r\n");
        client.RefuseTls("no shared cipher");
        gw.Settle();
        Assert.True(client.ServerClosed);
        Assert.Equal(0, gw.Gateway.ConnectionCount);
    }
}
