// One gateway per spool, with real processes: while `mailgw run` serves a spool, a second `mailgw
// run` on the same spool.dir (other ports, as someone debugging beside the service would start it)
// refuses to start before it touches anything: two gateways on one spool would hand out the same
// queue IDs and deliver each other's messages. `mailgw user` still works beside the running
// gateway, which picks the change up. Once the gateway is gone, even by kill -9, the spool is free.
using System.Runtime.Versioning;

namespace MailGateway.Tests.Host;

[UnsupportedOSPlatform("windows")]
public sealed class SpoolLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-lock-" + Guid.NewGuid().ToString("N"));

    public SpoolLockTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Config(string name)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "smtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\n" +
                                "spool.dir = " + Path.Combine(_dir, "spool") + "\n" +
                                "local.domains = home.test\nalias.postmaster = anna\n");
        return path;
    }

    [Fact]
    public void ASpoolServesOneGatewayAtATime_UntilItIsGone()
    {
        if (!OperatingSystem.IsLinux()) return; // flock(2) is taken on Linux only
        string first = Config("first.conf"), second = Config("second.conf");
        Assert.Equal(0, MailgwProcess.RunToEnd(new[] { "user", "add", "anna", "--config", first }, "anna's password\n", out _));

        using (var gateway = MailgwProcess.Run(first))
        {
            Assert.Equal(1, MailgwProcess.RunToEnd(new[] { "run", "--config", second }, null, out string refused));
            Assert.Contains("spool.dir " + Path.Combine(_dir, "spool") + " is in use by another mailgw run", refused);
            Assert.DoesNotContain("listening on", refused);

            Assert.Equal(0, MailgwProcess.RunToEnd(new[] { "user", "add", "bob", "--config", second }, "bob's password\n", out _));
            Assert.True(gateway.WaitForLine(l => l.Contains("users file reloaded: 2 user(s)"), TimeSpan.FromSeconds(30)), string.Join("\n", gateway.Output));

            gateway.Crash(); // kill -9: the system drops the lock with the process
        }
        using (var again = MailgwProcess.Run(second))
        {
            Assert.Equal(0, again.Terminate());
        }
        Assert.Equal(0, MailgwProcess.RunToEnd(new[] { "user", "list", "--config", first }, null, out string both));
        Assert.Equal(new[] { "anna U0000001", "bob U0000002" }, both.Trim().Split('\n'));
    }
}
