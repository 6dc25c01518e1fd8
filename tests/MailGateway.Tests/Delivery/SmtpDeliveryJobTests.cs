// The real delivery job on the simulated network, where the test plays the receiving server byte
// by byte: TLS that fails on an MX is retried once in plaintext; a smarthost's failing TLS is not.
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Delivery;

public class SmtpDeliveryJobTests
{
    private static (SimulatedGateway Gw, SimulatedServer Server) Gateway(Action<GatewayConfig> configure)
    {
        var config = SimulatedGateway.DefaultConfig();
        configure(config);
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        var client = gw.Connect();
        gw.Settle();
        Assert.Matches(@"queued as \w{8}\r\n$", gw.SendMessage(client, "cam@lan.test", new[] { "x@tls.test" }, "Subject: t\r\n\r\nbody\r\n"));
        gw.Settle();
        return (gw, server);
    }

    private static string Expect(SimulatedGateway gw, SimulatedPeer peer, string startsWith)
    {
        gw.Settle();
        string got = peer.ReadNew();
        Assert.StartsWith(startsWith, got);
        return got;
    }

    [Fact]
    public void RouteWhoseTlsFails_IsRetriedOnceWithoutTls_AndDelivered()
    {
        var (gw, server) = Gateway(c => c.Routes = new[] { new Route("tls.test", new HostPort("10.0.0.5", 25)) });
        var first = server.Accept();
        first.Write("220 mx ESMTP\r\n");
        Expect(gw, first, "EHLO gw.local.test\r\n");
        first.Write("250-mx\r\n250 STARTTLS\r\n");
        Expect(gw, first, "STARTTLS\r\n");
        first.Write("220 go ahead\r\n");
        gw.Settle();
        Assert.True(first.IsTlsHandshaking);
        first.RefuseTls("handshake failed: no shared cipher");
        gw.Settle();
        Assert.True(first.GatewayClosed);
        Assert.Contains(gw.Log, l => l.EndsWith("TLS handshake with 10.0.0.5[10.0.0.5]:25 failed: handshake failed: no shared cipher; trying again without TLS"));

        var second = server.Accept();
        second.Write("220 mx ESMTP\r\n");
        Expect(gw, second, "EHLO gw.local.test\r\n");
        second.Write("250-mx\r\n250 STARTTLS\r\n");
        Expect(gw, second, "MAIL FROM:<cam@lan.test>\r\n"); // no STARTTLS this time
        second.Write("250 ok\r\n");
        Expect(gw, second, "RCPT TO:<x@tls.test>\r\n");
        second.Write("250 ok\r\n");
        Expect(gw, second, "DATA\r\n");
        second.Write("354 go\r\n");
        string body = Expect(gw, second, "Received: ");
        Assert.EndsWith("\r\nbody\r\n.\r\n", body);
        second.Write("250 2.0.0 queued as REMOTE\r\n");
        gw.Settle();
        Assert.Contains(gw.Log, l => l.Contains("to=<x@tls.test>, relay=10.0.0.5[10.0.0.5]:25") && l.EndsWith("status=sent (250 2.0.0 queued as REMOTE)"));
    }

    [Fact]
    public void SmarthostWhoseTlsFails_IsNotTriedInPlaintext()
    {
        var (gw, server) = Gateway(c =>
        {
            c.Smarthost = new HostPort("10.0.0.5", 25);
            c.SmarthostUser = "box";
            c.SmarthostPassword = "secret";
        });
        var peer = server.Accept();
        peer.Write("220 provider ESMTP\r\n");
        Expect(gw, peer, "EHLO ");
        peer.Write("250-provider\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
        Expect(gw, peer, "STARTTLS\r\n");
        peer.Write("220 go ahead\r\n");
        gw.Settle();
        Assert.True(peer.TlsVerifyCertificate);
        peer.RefuseTls("certificate not trusted (UntrustedRoot)");
        gw.Settle();
        Assert.Equal(0, server.PendingCount);
        Assert.DoesNotContain(peer.AllReceived, "AUTH");
        Assert.Contains(gw.Log, l => l.Contains("to=<x@tls.test>") && l.Contains("status=deferred (TLS handshake with 10.0.0.5[10.0.0.5]:25 failed: certificate not trusted (UntrustedRoot))"));
    }
}
