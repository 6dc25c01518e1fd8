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

    [Fact]
    public void HundredLongRecipients_GoOutAsOnePipelinedGroup_WithoutWaitingForReplies()
    {
        // 100 RCPT commands of 265 bytes are 26 KB: more than one send takes at a time. A server
        // that answers only once it has read the whole group (RFC 2920 allows it) must get it all.
        string domain = new string('d', 62) + "." + new string('d', 62) + "." + new string('d', 58) + ".test";
        var recipients = Enumerable.Range(0, 100).Select(i => i.ToString("D3") + new string('u', 61) + "@" + domain).ToArray();
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new Route(domain, new HostPort("10.0.0.5", 25)) };
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        var client = gw.Connect();
        gw.Settle();
        Assert.StartsWith("250 2.0.0", gw.SendMessage(client, "cam@lan.test", recipients, "Subject: many\r\n\r\nhi\r\n").Split("\r\n")[^2]);
        gw.Settle();
        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        Expect(gw, peer, "EHLO gw.local.test\r\n");
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        string group = Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\n");
        Assert.EndsWith("RCPT TO:<099" + new string('u', 61) + "@" + domain + ">\r\nDATA\r\n", group);
        Assert.Equal(102, group.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void AMessageForAParkedConnection_GoesOutAtOnce_WithoutWaitingForATimer()
    {
        // Found by the benchmark: the last message of a burst waited a second for the loop's next
        // timer. It had waited for a delivery slot; the job that finished parked its connection,
        // the waiting message's job took it with its MAIL FROM ready, and no socket event was to
        // come to say so. Settle runs passes without moving the clock.
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new Route("far.test", new HostPort("10.0.0.5", 25)) };
        config.ConnectionReuseMs = 60_000;
        config.MaxDeliveries = 1;
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        var client = gw.Connect();
        gw.Settle();
        Assert.StartsWith("250 2.0.0", gw.SendMessage(client, "cam@lan.test", new[] { "a@far.test" }, "Subject: 1\r\n\r\none\r\n").Split("\r\n")[^2]);
        gw.Settle();
        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        Expect(gw, peer, "EHLO gw.local.test\r\n");
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<a@far.test>\r\nDATA\r\n");
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");
        Assert.EndsWith("\r\n.\r\n", Expect(gw, peer, "Received: "));
        // The second message is queued while the only delivery slot is taken.
        Assert.StartsWith("250 2.0.0", gw.SendMessage(client, "cam@lan.test", new[] { "b@far.test" }, "Subject: 2\r\n\r\ntwo\r\n").Split("\r\n")[^2]);
        gw.Settle();

        peer.Write("250 ok\r\n");
        Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<b@far.test>\r\nDATA\r\n");
        Assert.Contains(gw.Log, l => l.Contains(": to=<a@far.test>") && l.Contains("status=sent"));
    }

    // ---- Bodies of every size (the crash of 2026-12-06: a body above 1,886 bytes ended the process) ----

    [Theory]
    [InlineData(1886, 0)]
    [InlineData(1887, 0)]
    [InlineData(4095, 0)]
    [InlineData(4096, 0)]
    [InlineData(4097, 1)]
    [InlineData(30_000, 700)]
    [InlineData(61_440, 0)]
    [InlineData(300_000, 1)]
    [InlineData(300_000, 5000)]
    public void ABodyOfAnySize_IsRelayedByteForByte_WhateverTheSocketTakesPerSend(int bodyBytes, int sendWindow)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new Route("tls.test", new HostPort("10.0.0.5", 25)) };
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        byte[] body = SnapshotBody(bodyBytes);
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@tls.test>\r\nDATA\r\n");
        client.Write(DotStuff(body));
        Assert.StartsWith("250 2.0.0", gw.Say(client, ".\r\n"));

        gw.Settle();
        var peer = server.Accept();
        Assert.True(peer != null, string.Join("\n", gw.Log));
        peer.Write("220 mx ESMTP\r\n");
        Expect(gw, peer, "EHLO gw.local.test\r\n");
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@tls.test>\r\nDATA\r\n");
        if (sendWindow > 0) peer.SendWindow = sendWindow;
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");
        int start = peer.ReceivedBytes.Length;
        for (int pass = 0; pass < 1_000_000 && !peer.ReceivedEndsWith("\r\n.\r\n"); pass++) gw.Gateway.RunOnce();
        byte[] data = peer.ReceivedBytes[start..];
        Assert.True(EndsWithDot(data), "the final dot never came; " + data.Length + " bytes sent");
        byte[] withoutTrace = StripReceived(Unstuff(data[..^3]));
        Assert.Equal(body, withoutTrace);
        peer.Write("250 2.0.0 queued as REMOTE\r\n");
        gw.Settle();
        Assert.Contains(gw.Log, l => l.Contains("to=<x@tls.test>") && l.EndsWith("status=sent (250 2.0.0 queued as REMOTE)"));
        Assert.Equal(0, gw.Gateway.Spool.Count);
    }

    // The body is streamed from the card and a record's CRC is only checked at its end: a record
    // that rotted on the card after it was accepted has been partly sent by then. The receiver
    // must never see the final dot, so it discards the message; the message stays queued.
    [Fact]
    public void ABodyThatRottedOnTheCard_IsNeverFinished_AndTheMessageIsKept()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new Route("tls.test", new HostPort("10.0.0.5", 25)) };
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        byte[] body = SnapshotBody(30_000);
        string id = gw.Queue("cam@lan.test", new[] { "x@tls.test" }, System.Text.Encoding.Latin1.GetString(DotStuff(body)));
        string file = id + ".MSG";
        gw.Storage.Rot(file, gw.Storage.Length(file) - 4000); // inside a body record near the end

        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        Expect(gw, peer, "EHLO gw.local.test\r\n");
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        Expect(gw, peer, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@tls.test>\r\nDATA\r\n");
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");
        int start = peer.ReceivedBytes.Length;
        for (int pass = 0; pass < 10_000 && !peer.GatewayClosed; pass++) gw.Gateway.RunOnce();
        byte[] data = peer.ReceivedBytes[start..];
        Assert.True(peer.GatewayClosed);
        Assert.InRange(data.Length, 20_000, 30_000);  // most of it went before the damage was found
        Assert.False(EndsWithDot(data));
        Assert.Contains(gw.Log, l => l == id + ": error: queue file damaged while sending; message kept");
        Assert.Equal(1, gw.Gateway.Spool.Count);
    }

    // RFC 5321 §4.5.2, as the client (the camera) does it.
    private static byte[] DotStuff(byte[] body)
    {
        string text = System.Text.Encoding.Latin1.GetString(body);
        text = (text.StartsWith('.') ? "." : "") + text.Replace("\r\n.", "\r\n..");
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    // A camera's snapshot mail: headers, a text part and a base64 "JPEG" with 76-character lines
    // (RFC 2045 §6.8), cut to the size asked for (the last line then ends early).
    internal static byte[] SnapshotBody(int size)
    {
        var random = new Random(size);
        var text = new System.Text.StringBuilder();
        text.Append("From: cam@lan.test\r\nTo: x@tls.test\r\nSubject: Motion detected\r\nMIME-Version: 1.0\r\n");
        text.Append("Date: Sun, 06 Dec 2026 12:00:00 +0000\r\nMessage-ID: <snap-" + size + "@cam.lan.test>\r\n");
        text.Append("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n");
        text.Append(".motion at 12:00\r\n--b1\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        var jpeg = new byte[57];
        while (text.Length < size)
        {
            random.NextBytes(jpeg);
            text.Append(Convert.ToBase64String(jpeg)).Append("\r\n");
        }
        string all = text.ToString().Substring(0, size - 2) + "\r\n";
        return System.Text.Encoding.Latin1.GetBytes(all);
    }

    private static byte[] Unstuff(byte[] data)
    {
        string text = System.Text.Encoding.Latin1.GetString(data).Replace("\r\n..", "\r\n.");
        return System.Text.Encoding.Latin1.GetBytes(text.StartsWith("..") ? text.Substring(1) : text);
    }

    private static bool EndsWithDot(byte[] data) =>
        data.Length >= 5 && data[^5] == '\r' && data[^4] == '\n' && data[^3] == '.' && data[^2] == '\r' && data[^1] == '\n';

    // The gateway adds one Received: field (folded over several lines) at the top.
    private static byte[] StripReceived(byte[] data)
    {
        string text = System.Text.Encoding.Latin1.GetString(data);
        Assert.StartsWith("Received: ", text);
        int end = 0;
        do end = text.IndexOf("\r\n", end) + 2; while (text[end] == ' ' || text[end] == '\t');
        return System.Text.Encoding.Latin1.GetBytes(text.Substring(end));
    }
}
