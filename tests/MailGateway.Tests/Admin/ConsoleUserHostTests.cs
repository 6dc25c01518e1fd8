// "user add" at the console of a real mailgw process: the password typed twice over TCP is hashed
// off the loop, USERS.DAT is saved, and the new user logs in to POP3 at once, without a restart.
using System.Net.Sockets;
using MailGateway.Tests.Host;
using MailKit.Net.Pop3;

namespace MailGateway.Tests.Admin;

public sealed class ConsoleUserHostTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-users-" + Guid.NewGuid().ToString("N"));

    public ConsoleUserHostTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void AUserAddedAtTheConsole_CanFetchMailAtOnce()
    {
        int pop3 = MailgwProcess.FreePort(), console = MailgwProcess.FreePort();
        string config = Path.Combine(_dir, "mailgw.conf");
        File.WriteAllText(config, "smtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\nspool.dir = " + Path.Combine(_dir, "spool") + "\n" +
                                  "local.domains = home.test\nalias.postmaster = me@elsewhere.test\npop3.listen = 127.0.0.1:" + pop3 + "\n" +
                                  "pop3.auth_plaintext = yes\nconsole.listen = 127.0.0.1:" + console + "\n");
        using var gateway = MailgwProcess.Run(config);
        using var tcp = new TcpClient();
        tcp.Connect("127.0.0.1", console);
        tcp.ReceiveTimeout = 30_000;
        var stream = tcp.GetStream();
        ConsoleLine.ReadUntil(stream, "mailgw> ");
        ConsoleLine.Write(stream, "user add bob");
        Assert.EndsWith("new password for bob: ", ConsoleLine.ReadUntil(stream, ": "));
        ConsoleLine.Write(stream, "bob's secret 1");
        Assert.EndsWith("again: ", ConsoleLine.ReadUntil(stream, "again: "));
        ConsoleLine.Write(stream, "bob's secret 1");
        Assert.Contains("ok: user bob added (saved)", ConsoleLine.ReadUntil(stream, "mailgw> "));
        Assert.DoesNotContain(gateway.Output, l => l.Contains("secret 1"));

        using var client = new Pop3Client { Timeout = 20_000 };
        client.Connect("127.0.0.1", pop3, MailKit.Security.SecureSocketOptions.None);
        client.Authenticate("bob", "bob's secret 1");
        Assert.Equal(0, client.Count);
        client.Disconnect(true);
        Assert.True(File.Exists(Path.Combine(_dir, "spool", "USERS.DAT")));
    }
}
