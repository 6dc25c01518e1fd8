// The mailgw command as an administrator runs it: bad configuration stops start-up with the file,
// the line and the problem; check-config says ok for a good file.
namespace MailGateway.Tests.Host;

public class CommandLineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-cli-" + Guid.NewGuid().ToString("N"));

    public CommandLineTests()
    {
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void Run_WithABadConfigFile_StopsWithFileLineAndProblem()
    {
        string file = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(file, "hostname = gw.test\n\nlimits.recipients = lots\n");
        int code = MailgwProcess.RunToEnd("run --config " + file, out string output);
        Assert.Equal(2, code);
        Assert.Contains(file + ":3: limits.recipients: \"lots\" is not a whole number", output);
    }

    [Fact]
    public void Run_WithAMissingConfigFile_SaysSo()
    {
        string file = Path.Combine(_dir, "missing.conf");
        int code = MailgwProcess.RunToEnd("run --config " + file, out string output);
        Assert.Equal(2, code);
        Assert.Contains(file + ": cannot read", output);
    }

    [Fact]
    public void CheckConfig_AcceptsAGoodFile()
    {
        string file = Path.Combine(_dir, "good.conf");
        File.WriteAllText(file, "hostname = gw.test\nrelay.allow = 192.168.0.0/16\n");
        Assert.Equal(0, MailgwProcess.RunToEnd("check-config " + file, out string output));
        Assert.Contains(file + ": ok", output);
    }

    [Fact]
    public void UnknownCommand_PrintsUsage()
    {
        Assert.Equal(2, MailgwProcess.RunToEnd("start", out string output));
        Assert.Contains("mailgw: Unrecognized command or argument 'start'", output);
        Assert.Contains("Try \"mailgw --help\".", output);
    }

    [Fact]
    public void Run_WithALocalDomainButNoPostmaster_Stops()
    {
        string file = Path.Combine(_dir, "nopm.conf");
        File.WriteAllText(file, "smtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\nlocal.domains = aaa.test\n" +
                                "spool.dir = " + Path.Combine(_dir, "data") + "\npop3.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\n");
        Assert.Equal(2, MailgwProcess.RunToEnd("run --config " + file, out string output));
        Assert.Contains("set alias.postmaster", output);
    }

    [Fact]
    public void Run_WithAMissingCertificateFile_SaysWhich()
    {
        string file = Path.Combine(_dir, "tls.conf");
        string cert = Path.Combine(_dir, "missing-cert.pem");
        File.WriteAllText(file, "smtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\ntls.cert = " + cert +
                                "\ntls.key = " + Path.Combine(_dir, "missing-key.pem") + "\nspool.dir = " + Path.Combine(_dir, "data") + "\n");
        Assert.Equal(2, MailgwProcess.RunToEnd("run --config " + file, out string output));
        Assert.Contains(file + ": tls.cert: " + cert + " does not exist", output);
        Assert.Equal(2, MailgwProcess.RunToEnd("check-config " + file, out string checkedOutput)); // check-config says the same
        Assert.Contains(file + ": tls.cert: " + cert + " does not exist", checkedOutput);
    }

    [Fact]
    public void CheckConfig_RefusesWhatRunRefuses_ALocalDomainWithoutPostmaster()
    {
        string file = Path.Combine(_dir, "nopm.conf");
        File.WriteAllText(file, "local.domains = aaa.test\nspool.dir = " + Path.Combine(_dir, "data") + "\n");
        Assert.Equal(2, MailgwProcess.RunToEnd("check-config " + file, out string output));
        Assert.Contains(file + ": mail to postmaster@ a local domain must reach someone", output);
        Assert.DoesNotContain(": ok", output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data"))); // checking creates nothing
        File.AppendAllText(file, "alias.postmaster = me@example.test\n");
        Assert.Equal(0, MailgwProcess.RunToEnd("check-config " + file, out string fixedOutput));
        Assert.Contains(file + ": ok", fixedOutput);
    }

    [Fact]
    public void CheckConfig_WarnsAboutLikelyMistakes_AndStillSaysOk()
    {
        string file = Path.Combine(_dir, "risky.conf");
        File.WriteAllText(file, "smtp.listen = 0.0.0.0:25\nsmtp.auth_plaintext = yes\nrelay.allow = 192.168.1.0/24, 0.0.0.0/0\n" +
                                "relay.smarthost = smtp.provider.test:587\nrelay.smarthost_user = me\n");
        Assert.Equal(0, MailgwProcess.RunToEnd("check-config " + file, out string output));
        Assert.Contains("mailgw: warning: " + file + ": relay.allow includes 0.0.0.0/0, which is not a private network", output);
        Assert.DoesNotContain("includes 192.168.1.0/24", output);
        Assert.Contains("mailgw: warning: " + file + ": smtp.auth_plaintext = yes while SMTP listens on 0.0.0.0:25 (every address)", output);
        Assert.Contains("mailgw: warning: " + file + ": relay.smarthost_user is set but relay.smarthost_password is not", output);
        Assert.Contains(file + ": ok", output);

        string quiet = Path.Combine(_dir, "lan.conf");
        File.WriteAllText(quiet, "smtp.listen = 192.168.1.5:25\nsmtp.auth_plaintext = yes\nrelay.allow = 10.1.0.0/16, fd00::/8\n");
        Assert.Equal(0, MailgwProcess.RunToEnd("check-config " + quiet, out string lan));
        Assert.DoesNotContain("warning", lan);
    }

    [Fact]
    public void Run_WithAFolderAsTheConfigFile_SaysSo()
    {
        Assert.Equal(2, MailgwProcess.RunToEnd("run --config " + _dir, out string output));
        Assert.Contains(_dir + ": is a folder, not a configuration file", output);
    }

    [Fact]
    public void Run_OnAPortAnotherProgramHolds_NamesTheListenerAndWhatToDo()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            string file = Path.Combine(_dir, "busy.conf");
            File.WriteAllText(file, "smtp.listen = 127.0.0.1:" + port + "\nspool.dir = " + Path.Combine(_dir, "data") + "\n");
            Assert.Equal(1, MailgwProcess.RunToEnd("run --config " + file, out string output));
            Assert.Contains("mailgw: cannot listen on 127.0.0.1:" + port + " (SMTP): ", output);
            Assert.Contains("another program listens there already", output);
        }
        finally
        {
            taken.Stop();
        }
    }
}
