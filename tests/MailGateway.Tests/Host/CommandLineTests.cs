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
        Assert.Equal(1, MailgwProcess.RunToEnd("run --config " + file, out string output));
        Assert.Contains("TLS certificate: " + cert, output);
    }
}
