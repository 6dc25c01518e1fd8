// `mailgw sendmail` as scripts and cron call it: a real mailgw process reads the message from
// standard input and hands it to a gateway listening on loopback, which keeps it in local
// mailboxes; MailKit's POP3 client fetches what arrived. Recipients from -t (Bcc removed), from the
// arguments, a bare name at the hostname, the old "." end of input and -oi, 8-bit text and long
// lines intact, and the exit codes of sysexits.h when something is wrong.
using MailGateway.Core.Config;
using MailGateway.Tests.Host;
using MailKit.Net.Pop3;
using MimeKit;

namespace MailGateway.Tests.Admin;

public sealed class SendmailTests : IDisposable
{
    private readonly LoopbackGateway _gw;
    private readonly string _config = Path.Combine(Path.GetTempPath(), "mailgw-sendmail-" + Guid.NewGuid().ToString("N") + ".conf");

    public SendmailTests()
    {
        _gw = new LoopbackGateway(c =>
        {
            c.Hostname = "pi.home.test";
            c.LocalDomains = new[] { "home.test", "pi.home.test" };
            c.Aliases = new[] { new Alias("postmaster", new[] { "ops" }), new Alias("root", new[] { "ops" }) };
            c.Pop3Listen = new[] { new ListenEndpoint("127.0.0.1", 0) };
            c.Pop3AuthPlaintext = true;
        }, deliver: true, users: new[] { "ops:ops-secret", "ann:ann-secret", "bob:bob-secret", "eve:eve-secret" });
        File.WriteAllText(_config, "hostname = pi.home.test\nsmtp.listen = 127.0.0.1:" + _gw.ListenerPort(0) + "\n");
    }

    public void Dispose()
    {
        _gw.Dispose();
        File.Delete(_config);
    }

    private static int Sendmail(string arguments, string input, out string output) =>
        MailgwProcess.RunToEnd("sendmail " + arguments, input, out output);

    // Every message in the user's mailbox, fetched by POP3 (bounded wait for delivery).
    private List<MimeMessage> Mailbox(string user, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var client = new Pop3Client { Timeout = 20_000 };
            client.Connect("127.0.0.1", _gw.ListenerPort(1), MailKit.Security.SecureSocketOptions.None);
            client.Authenticate(user, user + "-secret");
            var messages = Enumerable.Range(0, client.Count).Select(i => client.GetMessage(i)).ToList();
            client.Disconnect(true);
            if (messages.Count >= expected || DateTime.UtcNow > deadline) return messages;
            Thread.Sleep(100);
        }
    }

    [Fact]
    public void DashT_TakesTheRecipientsFromTheHeaders_RemovesBcc_AndKeepsEightBitTextAndLongLines()
    {
        string longLine = new string('x', 990);
        string input = "From: Cron Daemon <root@pi.home.test>\n" +
                       "To: ann@home.test\n" +
                       "Cc: \"Bob B.\" <bob@home.test>\n" +
                       "Bcc: eve@home.test\n" +
                       "Subject: backup done\n" +
                       "Content-Type: text/plain; charset=utf-8\n" +
                       "Content-Transfer-Encoding: 8bit\n" +
                       "\n" +
                       "Größe: 12 GiB, Dauer 3 Min.\n" +
                       ".\n" +
                       longLine + "\n";
        int exit = Sendmail("-C " + _config + " -t -oi -f backup@pi.home.test", input, out string output);
        Assert.True(exit == 0, output);
        foreach (string user in new[] { "ann", "bob", "eve" })
        {
            MimeMessage got = Assert.Single(Mailbox(user, 1));
            Assert.Equal("backup done", got.Subject);
            Assert.Equal("Größe: 12 GiB, Dauer 3 Min.\n.\n" + longLine + "\n", got.TextBody.Replace("\r\n", "\n"));
            Assert.Empty(got.Bcc); // nobody learns who else got it
            Assert.Equal("<backup@pi.home.test>", got.Headers[HeaderId.ReturnPath]); // -f: the envelope sender
        }
    }

    [Fact]
    public void RecipientsAsArguments_ATextWithoutHeaders_AndABareNameGoToTheHostname()
    {
        int exit = Sendmail("-C " + _config + " root ann@home.test", "disk /dev/sda1 is 91% full\n", out string output);
        Assert.True(exit == 0, output);
        MimeMessage toOps = Assert.Single(Mailbox("ops", 1)); // root@pi.home.test, an alias of ops
        Assert.Equal("disk /dev/sda1 is 91% full\n", toOps.TextBody.Replace("\r\n", "\n"));
        Assert.NotNull(toOps.From.Mailboxes.SingleOrDefault());
        Assert.NotEqual(DateTimeOffset.MinValue, toOps.Date);
        Assert.Single(Mailbox("ann", 1));
    }

    [Fact]
    public void WithoutDashI_ALineWithASingleDot_EndsTheMessage()
    {
        int exit = Sendmail("-C " + _config + " ann@home.test", "Subject: old style\n\nfirst\n.\nnever sent\n", out string output);
        Assert.True(exit == 0, output);
        MimeMessage got = Assert.Single(Mailbox("ann", 1));
        Assert.Equal("first\n", got.TextBody.Replace("\r\n", "\n"));
    }

    [Fact]
    public void ExitCodes_TellAScriptWhatWentWrong()
    {
        Assert.Equal(67, Sendmail("-C " + _config + " nobody@home.test", "Subject: x\n\ny\n", out string refused));
        Assert.Contains("refused recipient nobody@home.test: 550", refused);
        Assert.Equal(64, Sendmail("-C " + _config + " -q", "", out string usage));
        Assert.Contains("unknown option -q", usage);
        Assert.Equal(64, Sendmail("-C " + _config, "Subject: x\n\ny\n", out string none));
        Assert.Contains("no recipients", none);

        string down = Path.Combine(Path.GetTempPath(), "mailgw-down-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(down, "smtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\n");
        try
        {
            Assert.Equal(75, Sendmail("-C " + down + " ann@home.test", "Subject: x\n\ny\n", out string unreachable));
            Assert.Contains("cannot reach the gateway", unreachable);
        }
        finally
        {
            File.Delete(down);
        }
    }
}
