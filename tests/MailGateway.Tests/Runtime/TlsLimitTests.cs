// limits.tls_sessions on the simulated network: TLS sessions in and out count against one limit.
// At the limit STARTTLS gets 454 4.7.0 (RFC 3207 §4) and the session goes on in plaintext, POP3's
// STLS gets -ERR [SYS/TEMP], an implicit-TLS connection is closed, a delivery to an MX or route goes
// without TLS, and a delivery to the smarthost (TLS required) waits until a session is free.
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class TlsLimitTests
{
    private static SimulatedGateway Gateway(int tlsSessions, Action<GatewayConfig> configure = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ServerTlsAvailable = true;
        config.SmtpListenTls = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 465) };
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        config.MaxTlsSessions = tlsSessions;
        configure?.Invoke(config);
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        return new SimulatedGateway(config, realDelivery: true, users: users);
    }

    // A LAN client that upgrades to TLS and keeps its session: it holds one TLS session.
    private static SimulatedClient HoldTls(SimulatedGateway gw, string from = "192.168.1.51")
    {
        var client = gw.Connect(from);
        gw.Settle();
        client.ReadNew();
        gw.Say(client, "EHLO holder.test\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", gw.Say(client, "STARTTLS\r\n"));
        client.AcceptTls();
        gw.Settle();
        Assert.True(client.IsTls);
        return client;
    }

    [Fact]
    public void StartTls_AtTheLimit_Gets454_AndWorksAgainOnceASessionIsFree()
    {
        var gw = Gateway(1);
        var holder = HoldTls(gw);
        Assert.Equal(1, gw.Gateway.TlsSessions.InUse);
        var second = gw.Connect("192.168.1.52");
        gw.Settle();
        second.ReadNew();
        Assert.Contains("250-STARTTLS", gw.Say(second, "EHLO second.test\r\n"));
        Assert.Equal("454 4.7.0 TLS not available due to temporary reason\r\n", gw.Say(second, "STARTTLS\r\n"));
        Assert.StartsWith("250 ", gw.Say(second, "MAIL FROM:<cam@lan.test>\r\n")); // plaintext goes on
        Assert.StartsWith("250 ", gw.Say(second, "RSET\r\n"));
        gw.Say(holder, "QUIT\r\n");
        gw.Settle();
        Assert.Equal(0, gw.Gateway.TlsSessions.InUse);
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", gw.Say(second, "STARTTLS\r\n"));
        Assert.Equal(1, gw.Gateway.TlsSessions.InUse);
    }

    [Fact]
    public void ImplicitTls_AtTheLimit_IsClosed_AndAFailedHandshakeGivesItsSessionBack()
    {
        var gw = Gateway(1);
        var first = gw.Network.Connect(SimulatedGateway.ListenAddress, 465, "192.168.1.51");
        gw.Settle();
        Assert.True(first.IsTlsHandshaking);
        var second = gw.Network.Connect(SimulatedGateway.ListenAddress, 465, "192.168.1.52");
        gw.Settle();
        Assert.True(second.GatewayClosed);
        Assert.Contains(gw.Log, l => l.Contains("every TLS session is in use (limits.tls_sessions = 1)"));
        first.RefuseTls("no shared cipher");
        gw.Settle();
        Assert.Equal(0, gw.Gateway.TlsSessions.InUse);
    }

    [Fact]
    public void Pop3Stls_AtTheLimit_GetsSysTemp()
    {
        var gw = Gateway(1);
        HoldTls(gw);
        var pop3 = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        gw.Settle();
        pop3.ReadNew();
        Assert.StartsWith("-ERR [SYS/TEMP] TLS not available", gw.Say(pop3, "STLS\r\n"));
    }

    private static string Expect(SimulatedGateway gw, SimulatedPeer peer, string startsWith)
    {
        gw.Settle();
        string got = peer.ReadNew();
        Assert.StartsWith(startsWith, got);
        return got;
    }

    [Fact]
    public void DeliveryToARoute_AtTheLimit_GoesWithoutTls()
    {
        var gw = Gateway(1, c => c.Routes = new[] { new Route("tls.test", new HostPort("10.0.0.5", 25)) });
        var server = gw.Network.Serve("10.0.0.5", 25);
        HoldTls(gw);
        var client = gw.Connect();
        gw.Settle();
        Assert.Matches(@"queued as \w{8}\r\n$", gw.SendMessage(client, "cam@lan.test", new[] { "x@tls.test" }, "Subject: t\r\n\r\nbody\r\n"));
        gw.Settle();
        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        Expect(gw, peer, "EHLO gw.local.test\r\n");
        peer.Write("250-mx\r\n250 STARTTLS\r\n");
        Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\n"); // no STARTTLS: no TLS session is free
        Assert.Contains(gw.Log, l => l.EndsWith("every TLS session is in use (limits.tls_sessions); this attempt goes without TLS"));
        Assert.Equal(1, gw.Gateway.TlsSessions.InUse);
    }

    [Fact]
    public void DeliveryToTheSmarthost_AtTheLimit_WaitsForAFreeTlsSession()
    {
        var gw = Gateway(1, c => c.Smarthost = new HostPort("10.0.0.5", 587));
        var server = gw.Network.Serve("10.0.0.5", 587);
        var holder = HoldTls(gw);
        var client = gw.Connect();
        gw.Settle();
        Assert.Matches(@"queued as \w{8}\r\n$", gw.SendMessage(client, "cam@lan.test", new[] { "x@far.test" }, "Subject: t\r\n\r\nbody\r\n"));
        for (int i = 0; i < 5; i++)
        {
            gw.Clock.Advance(200);
            gw.Settle();
        }
        Assert.Equal(0, server.PendingCount); // it did not connect
        Assert.Contains(gw.Log, l => l.EndsWith("waiting for a free TLS session (limits.tls_sessions)"));
        gw.Say(holder, "QUIT\r\n");
        gw.Clock.Advance(200);
        gw.Settle();
        Assert.Equal(1, server.PendingCount);
        var peer = server.Accept();
        peer.Write("220 provider ESMTP\r\n");
        Expect(gw, peer, "EHLO ");
        peer.Write("250-provider\r\n250 STARTTLS\r\n");
        Expect(gw, peer, "STARTTLS\r\n");
        Assert.Equal(1, gw.Gateway.TlsSessions.InUse); // the delivery's
    }
}
