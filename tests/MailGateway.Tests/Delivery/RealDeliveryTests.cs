// Delivery with real parts on loopback (DESIGN steps 2-3): a real DNS server (dnslib) says where
// bbb.test's mail goes, gateway A finds it through the core's own resolver and delivers over real
// sockets to gateway B; the lowest MX is down, so the next one is used; DNS refusals become
// bounces at once, DNS trouble keeps the mail.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Core.Dns;
using MailGateway.Tests.Dns;
using MailGateway.Tests.Host;
using MailGateway.Tests.Runtime;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Tests.Delivery;

public sealed class RealDeliveryTests : IDisposable
{
    // B listens on 127.0.0.22; nothing listens on 127.0.0.21 (the best MX, "down").
    private const string Zone = @"
$TTL 300
bbb.test.          IN MX 10 mx1.bbb.test.
bbb.test.          IN MX 20 mx2.bbb.test.
mx1.bbb.test.      IN A 127.0.0.21
mx2.bbb.test.      IN A 127.0.0.22
implicit.test.     IN A 127.0.0.22
nullmx.test.       IN MX 0 .
nohost.test.       IN MX 10 missing.nohost.test.
servfail.test.     IN MX 10 mx2.bbb.test.
aaa.test.          IN MX 10 gw.aaa.test.
gw.aaa.test.       IN A 127.0.0.11
";

    private readonly ZoneServer _dns = new ZoneServer(Zone, "--servfail", "servfail.test");
    private readonly LoopbackGateway _b;
    private readonly LoopbackGateway _a;

    public RealDeliveryTests()
    {
        _b = new LoopbackGateway(c =>
        {
            c.Hostname = "mx2.bbb.test";
            c.SmtpListen = new[] { new ListenEndpoint("127.0.0.22", 0) };
            c.LocalDomains = new[] { "bbb.test" };
            c.RelayDomains = new[] { "implicit.test" };
            c.RelayAllow = new MailGateway.Core.Relay.CidrRange[0];
        });
        _a = new LoopbackGateway(c =>
        {
            c.Hostname = "gw.aaa.test";
            c.SmtpListen = new[] { new ListenEndpoint("127.0.0.11", 0) };
            c.LocalDomains = new[] { "aaa.test" };
            c.DnsServers = new[] { _dns.Server };
            c.DeliveryPort = _b.Port;
            c.ConnectTimeoutMs = 5_000;
            c.ConnectionReuseMs = 30_000; // long enough for the reuse test on a busy machine
        }, deliver: true);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dns.Dispose();
    }

    private string Send(string from, string to, string subject)
    {
        using var client = new SmtpClient { Timeout = 20_000 };
        client.Connect("127.0.0.11", _a.Port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "story body\n.leading dot\n" };
        string response = client.Send(message);
        client.Disconnect(true);
        return response.Substring(response.Length - 8);
    }

    private static string WaitForLog(LoopbackGateway gw, string pattern)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            string line = gw.LogLines().FirstOrDefault(l => Regex.IsMatch(l, pattern));
            if (line != null) return line;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException("no log line matching " + pattern + ":\n" + string.Join("\n", gw.LogLines()));
    }

    [Fact]
    public void LowestMxDown_NextMxGetsTheMessage_ByteExact()
    {
        string id = Send("person1@aaa.test", "person2@bbb.test", "via the second MX");
        WaitForLog(_a, "^" + id + @": connect to mx1\.bbb\.test\[127\.0\.0\.21\]:\d+: connection refused");
        string sent = WaitForLog(_a, "^" + id + @": to=<person2@bbb\.test>, relay=mx2\.bbb\.test\[127\.0\.0\.22\]:\d+, delay=[\d.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as (\w{8})\)$");
        string remoteId = Regex.Match(sent, @"queued as (\w{8})").Groups[1].Value;
        WaitForLog(_a, "^" + id + ": removed$");

        var received = SpoolContents.ReadAll(_b.Storage).Single(m => m.Envelope.QueueId == remoteId);
        Assert.Equal("person1@aaa.test", received.Envelope.Sender);
        Assert.Equal(new[] { "person2@bbb.test" }, received.Envelope.Recipients);
        var parsed = MimeMessage.Load(new MemoryStream(received.Body));
        Assert.Equal("via the second MX", parsed.Subject);
        Assert.Equal("story body\n.leading dot\n", parsed.TextBody.Replace("\r\n", "\n"));
        // Both hops left their trace, B's first.
        var hops = parsed.Headers.Where(h => h.Field == "Received").Select(h => h.Value).ToArray();
        Assert.Equal(2, hops.Length);
        Assert.Contains("by mx2.bbb.test", hops[0]);
        Assert.Contains("by gw.aaa.test", hops[1]);
    }

    [Fact]
    public void NextMessageToTheSameDestination_ReusesTheConnection()
    {
        string first = Send("person1@aaa.test", "person2@bbb.test", "first");
        WaitForLog(_a, "^" + first + @": to=<person2@bbb\.test>, .*status=sent");
        string second = Send("person1@aaa.test", "person3@bbb.test", "second");
        WaitForLog(_a, "^" + second + @": to=<person3@bbb\.test>, relay=mx2\.bbb\.test\[127\.0\.0\.22\]:\d+, .*status=sent");
        Assert.Single(_b.LogLines(), l => l.StartsWith("connect from "));
        // No new DNS lookup or connect for the second message: not even to the dead best MX.
        Assert.DoesNotContain(_a.LogLines(), l => l.StartsWith(second + ": connect to"));
    }

    [Fact]
    public void DomainWithoutMx_IsDeliveredToItsAddress()
    {
        string id = Send("person1@aaa.test", "someone@implicit.test", "implicit MX");
        WaitForLog(_a, "^" + id + @": to=<someone@implicit\.test>, relay=implicit\.test\[127\.0\.0\.22\]:\d+, .*status=sent");
    }

    [Theory]
    [InlineData("x@nxdomain.test", @"dsn=5\.1\.2, status=bounced")]
    [InlineData("x@nullmx.test", @"dsn=5\.1\.10, status=bounced")]
    [InlineData("x@nohost.test", @"dsn=5\.4\.4, status=bounced")]
    public void DomainThatRefusesMail_IsBouncedAtOnce(string recipient, string expected)
    {
        string id = Send("person1@aaa.test", recipient, "no such place");
        WaitForLog(_a, "^" + id + ": to=<" + Regex.Escape(recipient) + ">, relay=none, .*" + expected);
        WaitForLog(_a, "^" + id + ": sender non-delivery notification: ");
    }

    [Fact]
    public void DnsServerFailure_KeepsTheMessage()
    {
        string id = Send("person1@aaa.test", "x@servfail.test", "dns trouble");
        WaitForLog(_a, "^" + id + @": to=<x@servfail\.test>, relay=none, .*dsn=4\.4\.3, status=deferred");
        Assert.DoesNotContain(_a.LogLines(), l => l.StartsWith(id + ": sender non-delivery notification"));
    }
}
