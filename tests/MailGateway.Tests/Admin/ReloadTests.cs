// SIGHUP, as `systemctl reload` sends it, on a real mailgw process: a good file replaces the running
// configuration (mail accepted before is still queued and listed after), a broken one is logged
// with its file and line and the gateway serves on with what it had.
using MailGateway.Tests.Host;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Tests.Admin;

public sealed class ReloadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-reload-" + Guid.NewGuid().ToString("N"));

    public ReloadTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static void Send(int port)
    {
        using var client = new SmtpClient { Timeout = 20_000 };
        client.Connect("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("cam@lan.test"));
        message.To.Add(MailboxAddress.Parse("ops@far.test"));
        message.Subject = "before and after";
        message.Body = new TextPart("plain") { Text = "motion" };
        client.Send(message);
        client.Disconnect(true);
    }

    [Fact]
    public void Sighup_WithAGoodFile_AppliesIt_AndWithABrokenOne_KeepsServing()
    {
        int smtp = MailgwProcess.FreePort(), console = MailgwProcess.FreePort();
        string config = Path.Combine(_dir, "mailgw.conf");
        string common = "smtp.listen = 127.0.0.1:" + smtp + "\nspool.dir = " + Path.Combine(_dir, "spool") + "\n" +
                        "relay.smarthost = 127.0.0.1:" + MailgwProcess.FreePort() + "\nrelay.smarthost_tls = none\n";
        File.WriteAllText(config, "hostname = before.test\n" + common);
        using var gateway = MailgwProcess.Run(config);
        Send(smtp);

        File.WriteAllText(config, "hostname = after.test\n" + common + "console.listen = 127.0.0.1:" + console + "\n");
        gateway.Hangup();
        Assert.True(gateway.WaitForLine(l => l.Contains("listening on 127.0.0.1:" + console + " (console)"), TimeSpan.FromSeconds(30)),
                    string.Join("\n", gateway.Output));
        Assert.Contains(gateway.Output, l => l.Contains("reload: " + config + " read; restarting the gateway with it"));
        Send(smtp);
        Assert.Equal(0, MailgwProcess.RunToEnd("queue --config " + config, out string listing));
        Assert.Contains("-- 2 message(s)", listing); // the one from before the reload is still there
        Assert.Contains(gateway.Output, l => l.Contains("listening on 127.0.0.1:" + smtp + " (SMTP) as after.test"));

        File.WriteAllText(config, "hostname = after.test\n" + common + "limits.recipients = lots\n");
        gateway.Hangup();
        Assert.True(gateway.WaitForLine(l => l.Contains("warning: reload: " + config + ":6: limits.recipients"), TimeSpan.FromSeconds(30)),
                    string.Join("\n", gateway.Output));
        Assert.Contains(gateway.Output, l => l.Contains("the running configuration stays"));
        Send(smtp); // still serving

        // The same from the console: set, save (the file replaced whole), reload.
        File.WriteAllText(config, "hostname = after.test\n" + common + "console.listen = 127.0.0.1:" + console + "\n");
        gateway.Hangup();
        Assert.True(gateway.WaitForLine(_ => gateway.Output.Count(o => o.Contains("reload: " + config + " read")) == 2, TimeSpan.FromSeconds(30)));
        Assert.True(gateway.WaitForLine(l => l.Contains("listening on 127.0.0.1:" + console), TimeSpan.FromSeconds(30)));
        Assert.Equal(0, MailgwProcess.RunToEnd(new[] { "console", "--config", config, "-c", "set hostname third.test", "-c", "save", "-c", "reload" },
                                               null, out string said));
        Assert.Contains("ok: 1 change(s) saved to " + config, said);
        Assert.Contains("hostname = third.test", File.ReadAllText(config));
        Assert.True(gateway.WaitForLine(l => l.Contains("(SMTP) as third.test"), TimeSpan.FromSeconds(30)), string.Join("\n", gateway.Output));
        Assert.Equal(0, gateway.Terminate());
    }
}
