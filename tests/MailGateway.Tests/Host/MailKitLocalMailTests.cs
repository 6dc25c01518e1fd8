// The seed's steps 1 and 4 with a real client library over real sockets: MailKit submits with AUTH
// over STARTTLS and over implicit TLS, the gateway stores the mail in the local user's mailbox, and
// MailKit's Pop3Client fetches it — byte for byte what was sent, plus the trace fields.
using MailGateway.Core.Config;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailGateway.Tests.Host;

public sealed class MailKitLocalMailTests : IDisposable
{
    private const int Smtp = 0, SmtpTls = 1, Pop3 = 2, Pop3Tls = 3;
    private readonly LoopbackGateway _gw;

    public MailKitLocalMailTests()
    {
        _gw = new LoopbackGateway(c =>
        {
            c.Hostname = "mx.bbb.test";
            c.LocalDomains = new[] { "bbb.test" };
            c.Aliases = new[] { new Alias("postmaster", new[] { "person2" }) };
            c.RelayAllow = new MailGateway.Core.Relay.CidrRange[0]; // everybody is a stranger
            c.SmtpListenTls = new[] { new ListenEndpoint("127.0.0.1", 0) };
            c.Pop3Listen = new[] { new ListenEndpoint("127.0.0.1", 0) };
            c.Pop3ListenTls = new[] { new ListenEndpoint("127.0.0.1", 0) };
        }, deliver: true, users: new[] { "person1:first-secret", "person2:second-secret" });
    }

    public void Dispose() => _gw.Dispose();

    private SmtpClient Submit(int listener, SecureSocketOptions tls, string user, string password)
    {
        var client = new SmtpClient { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        client.Connect("127.0.0.1", _gw.ListenerPort(listener), tls);
        client.Authenticate(user, password);
        return client;
    }

    private Pop3Client Fetch(int listener, SecureSocketOptions tls, string user, string password)
    {
        var client = new Pop3Client { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        client.Connect("127.0.0.1", _gw.ListenerPort(listener), tls);
        client.Authenticate(user, password);
        return client;
    }

    private static MimeMessage Message(string subject)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse("person1@aaa.test"));
        m.To.Add(MailboxAddress.Parse("person2@bbb.test"));
        m.Subject = subject;
        m.Body = new TextPart("plain") { Text = "Hello person 2.\n.a line starting with a dot\n" };
        return m;
    }

    private MimeMessage WaitForMail(int listener, SecureSocketOptions tls)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var pop = Fetch(listener, tls, "person2", "second-secret");
            if (pop.Count > 0)
            {
                var message = pop.GetMessage(0);
                pop.DeleteMessage(0);
                pop.Disconnect(true);
                return message;
            }
            pop.Disconnect(true);
            Assert.True(DateTime.UtcNow < deadline, "the message never reached the mailbox:\n" + string.Join("\n", _gw.LogLines()));
            Thread.Sleep(50);
        }
    }

    [Theory]
    [InlineData(Smtp, SecureSocketOptions.StartTls, Pop3, SecureSocketOptions.StartTls)]
    [InlineData(SmtpTls, SecureSocketOptions.SslOnConnect, Pop3Tls, SecureSocketOptions.SslOnConnect)]
    public void SubmittedWithAuth_IsFetchedOverPop3_AsSent(int smtp, SecureSocketOptions smtpTls, int pop3, SecureSocketOptions pop3Tls)
    {
        var sent = Message("over " + smtpTls);
        using (var client = Submit(smtp, smtpTls, "person1", "first-secret"))
        {
            Assert.True(client.IsSecure);
            client.Send(sent);
            client.Disconnect(true);
        }
        var got = WaitForMail(pop3, pop3Tls);
        Assert.Equal(sent.Subject, got.Subject);
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal("Hello person 2.\n.a line starting with a dot\n", got.TextBody.Replace("\r\n", "\n"));
        Assert.Equal("person2@bbb.test", got.Headers["Delivered-To"]);
        Assert.Contains(" with ESMTPSA id ", got.Headers["Received"]);
        // Deleted at QUIT: the mailbox is empty now.
        using var pop = Fetch(pop3, pop3Tls, "person2", "second-secret");
        Assert.Equal(0, pop.Count);
    }

    [Fact]
    public void WrongPassword_IsRefused_ForSmtpAndPop3()
    {
        var smtp = new SmtpClient { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        smtp.Connect("127.0.0.1", _gw.ListenerPort(Smtp), SecureSocketOptions.StartTls);
        Assert.Throws<AuthenticationException>(() => smtp.Authenticate("person1", "guess"));
        smtp.Disconnect(false);
        var pop = new Pop3Client { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        pop.Connect("127.0.0.1", _gw.ListenerPort(Pop3), SecureSocketOptions.StartTls);
        Assert.Throws<AuthenticationException>(() => pop.Authenticate("person2", "guess"));
    }

    [Fact]
    public void Stranger_MayRelayOnlyAfterAuth()
    {
        using var anonymous = new SmtpClient { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        anonymous.Connect("127.0.0.1", _gw.ListenerPort(Smtp), SecureSocketOptions.StartTls);
        var outbound = Message("outbound");
        outbound.To.Clear();
        outbound.To.Add(MailboxAddress.Parse("someone@example.test"));
        var denied = Assert.Throws<SmtpCommandException>(() => anonymous.Send(outbound));
        Assert.Equal(554, (int)denied.StatusCode);
        anonymous.Authenticate("person1", "first-secret");
        Assert.StartsWith("2.0.0 Ok: queued as ", anonymous.Send(outbound));
    }

    [Fact]
    public void SecondPop3Session_OnALockedMailbox_IsRefused()
    {
        using var first = Fetch(Pop3, SecureSocketOptions.StartTls, "person2", "second-secret");
        var second = new Pop3Client { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        second.Connect("127.0.0.1", _gw.ListenerPort(Pop3), SecureSocketOptions.StartTls);
        Assert.Throws<AuthenticationException>(() => second.Authenticate("person2", "second-secret"));
        // MailKit hides the reply text; the gateway says why.
        Assert.Contains(_gw.LogLines(), l => l.EndsWith(": POP3 mailbox of user person2 is in use by another session"));
    }
}
