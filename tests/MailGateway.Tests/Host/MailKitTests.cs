// Real sockets, an independent client: MailKit's SmtpClient talks to a real gateway on loopback,
// the way a NAS or a home-automation controller built on .NET would.
using MailGateway.Core.Spool;
using MailGateway.Tests.Runtime;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Tests.Host;

public class MailKitTests
{
    private static MimeMessage Message(string from, string to, string text)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Camera 3: motion detected";
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    /// <summary>A client on loopback; from: the device's own address (127.0.0.x), for several devices at once.</summary>
    private static SmtpClient Connect(LoopbackGateway gw, string from = null)
    {
        var client = new SmtpClient { Timeout = 20_000, CheckCertificateRevocation = false };
        if (from != null) client.LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0);
        client.Connect("127.0.0.1", gw.Port, MailKit.Security.SecureSocketOptions.None);
        return client;
    }

    [Fact]
    public void TrustedDevice_SendsMail_AndItIsStoredBeforeThe250()
    {
        using var gw = new LoopbackGateway();
        using var client = Connect(gw);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
        Assert.Equal(10 * 1024 * 1024, (int)client.MaxSize);

        string response = client.Send(Message("cam3@lan.test", "owner@example.test", "Motion at 12:00.\n.\nA line with a dot."));
        Assert.Matches(@"^2\.0\.0 Ok: queued as \w{8}$", response);
        string id = response.Substring(response.Length - 8);
        client.Disconnect(true);

        // The file is on disk now: the 250 came after the commit.
        var stored = Assert.Single(SpoolContents.ReadAll(gw.Storage));
        Assert.Equal(id, stored.Envelope.QueueId);
        Assert.Equal("cam3@lan.test", stored.Envelope.Sender);
        Assert.Equal(new[] { "owner@example.test" }, stored.Envelope.Recipients);
        var parsed = MimeMessage.Load(new MemoryStream(stored.Body));
        Assert.Equal("Camera 3: motion detected", parsed.Subject);
        Assert.Equal("Motion at 12:00.\n.\nA line with a dot.", parsed.TextBody.Replace("\r\n", "\n").TrimEnd('\n'));
        Assert.Contains(parsed.Headers, h => h.Field == "Received" && h.Value.Contains("id " + id));
    }

    [Fact]
    public void Stranger_CannotRelay_ButCanSendToLocalDomain()
    {
        using var gw = new LoopbackGateway(c =>
        {
            c.LocalDomains = new[] { "aaa.test" };
            c.RelayAllow = new MailGateway.Core.Relay.CidrRange[0];
        });
        using var client = Connect(gw);
        var denied = Assert.Throws<SmtpCommandException>(() => client.Send(Message("x@evil.test", "victim@bbb.test", "spam")));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, denied.ErrorCode);
        Assert.Equal(554, (int)denied.StatusCode);
        Assert.Contains("Relay access denied", denied.Message);

        string response = client.Send(Message("x@elsewhere.test", "person1@aaa.test", "hello"));
        Assert.StartsWith("2.0.0 Ok: queued as ", response);
        client.Disconnect(true);
        Assert.Single(SpoolContents.ReadAll(gw.Storage));
        Assert.Contains(gw.LogLines(), l => l.StartsWith("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 554 5.7.1 <victim@bbb.test>: Relay access denied; from=<x@evil.test> to=<victim@bbb.test> proto=ESMTP helo=<"));
    }

    [Fact]
    public void LargeMessage_StreamsToTheSpool()
    {
        using var gw = new LoopbackGateway();
        using var client = Connect(gw);
        var message = Message("nas@lan.test", "admin@example.test", "report attached");
        var attachment = new byte[3 * 1024 * 1024];
        new Random(11).NextBytes(attachment);
        var builder = new BodyBuilder { TextBody = "report attached" };
        builder.Attachments.Add("report.bin", attachment);
        message.Body = builder.ToMessageBody();
        client.Send(message);
        client.Disconnect(true);

        var stored = Assert.Single(SpoolContents.ReadAll(gw.Storage));
        var parsed = MimeMessage.Load(new MemoryStream(stored.Body));
        var part = Assert.Single(parsed.Attachments.OfType<MimePart>());
        var decoded = new MemoryStream();
        part.Content.DecodeTo(decoded);
        Assert.Equal(attachment, decoded.ToArray());
    }

    [Fact]
    public void MessageOverTheSizeLimit_IsRefusedWith552()
    {
        using var gw = new LoopbackGateway(c => c.MessageSizeBytes = 64 * 1024);
        using var client = Connect(gw);
        var big = Message("nas@lan.test", "admin@example.test", new string('x', 100 * 1024));
        // MailKit declares SIZE= from the advertised extension; the gateway refuses at MAIL.
        var refused = Assert.Throws<SmtpCommandException>(() => client.Send(big));
        Assert.Equal(552, (int)refused.StatusCode);
        // The session is still usable.
        client.Send(Message("nas@lan.test", "admin@example.test", "small"));
        client.Disconnect(true);
        Assert.Single(SpoolContents.ReadAll(gw.Storage));
    }

    [Fact]
    public async Task SeveralClientsAtOnce_AllGetTheirMailStored()
    {
        using var gw = new LoopbackGateway();
        var tasks = Enumerable.Range(0, 6).Select(i => Task.Run(() =>
        {
            using var client = Connect(gw, "127.0.0." + (101 + i)); // six devices, each its own address
            for (int m = 0; m < 5; m++) client.Send(Message("dev" + i + "@lan.test", "ops@example.test", "device " + i + " message " + m));
            client.Disconnect(true);
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(120));
        var stored = SpoolContents.ReadAll(gw.Storage);
        Assert.Equal(30, stored.Count);
        Assert.Equal(30, stored.Select(s => MimeMessage.Load(new MemoryStream(s.Body)).TextBody.Trim()).Distinct().Count());
    }
}
