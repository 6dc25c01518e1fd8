// The Raspberry Pi install (boards/raspberry-pi): install.sh staged into a folder (--root) lays out
// the binary, a private configuration with a console password that check-config accepts, the
// spool folder and the unit; uninstall.sh keeps the mail unless --purge; the profile's spool path
// is the unit's StateDirectory. (systemd-analyze's verdicts on the unit are in the interop suite,
// tests/interop/service.py, where systemd's tools are installed.)
using System.Diagnostics;
using System.Text.RegularExpressions;
using MailGateway.Tests.Host;

namespace MailGateway.Tests.Admin;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PiInstallTests : IDisposable
{
    private static readonly string Boards = Path.Combine(MailGateway.Tests.Config.ConfigParserTests.RepositoryRoot(), "boards", "raspberry-pi");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-pi-" + Guid.NewGuid().ToString("N"));

    public PiInstallTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static (int Exit, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), program + " did not end");
        return (p.ExitCode, output + error.Result);
    }

    // The built mailgw behind a script named mailgw, as the published binary would be.
    private string Binary()
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";
        string path = Path.Combine(_dir, "mailgw");
        File.WriteAllText(path, "#!/bin/sh\nexec \"" + dotnet + "\" \"" + Path.Combine(AppContext.BaseDirectory, "mailgw.dll") + "\" \"$@\"\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        return path;
    }

    [Fact]
    public void Install_LaysOutAPrivateConfigurationASpoolAndTheUnit_AndUninstallKeepsTheMail()
    {
        string stage = Path.Combine(_dir, "root");
        var (exit, output) = Run("bash", Path.Combine(Boards, "install.sh"), "--root", stage, "--binary", Binary());
        Assert.True(exit == 0, output);
        Assert.Contains("/etc/mailgw/mailgw.conf: ok", output); // check-config ran on what it wrote

        string conf = Path.Combine(stage, "etc", "mailgw", "mailgw.conf");
        Assert.Equal((UnixFileMode)0x1B0, File.GetUnixFileMode(conf));                                        // 0660
        Assert.Equal((UnixFileMode)0x1F8, File.GetUnixFileMode(Path.GetDirectoryName(conf)!));                  // 0770
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(Path.Combine(stage, "var", "lib", "mailgw")));  // 0700
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(stage, "usr", "local", "bin", "mailgw")));
        Assert.Equal("/usr/local/bin/mailgw", new FileInfo(Path.Combine(stage, "usr", "sbin", "sendmail")).LinkTarget);
        string text = File.ReadAllText(conf);
        Match password = Regex.Match(text, @"(?m)^console\.password = (\S{20,})$");
        Assert.True(password.Success, text);
        Assert.Contains("spool.dir = /var/lib/mailgw", text);

        // Run again: the file the administrator edited is kept as it is.
        File.AppendAllText(conf, "relay.allow = 127.0.0.0/8, ::1, 192.168.1.0/24\n");
        Assert.Equal(0, Run("bash", Path.Combine(Boards, "install.sh"), "--root", stage, "--binary", Binary()).Exit);
        Assert.Contains("192.168.1.0/24", File.ReadAllText(conf));
        Assert.Contains(password.Groups[1].Value, File.ReadAllText(conf));

        (exit, output) = Run("bash", Path.Combine(Boards, "uninstall.sh"), "--root", stage);
        Assert.True(exit == 0, output);
        Assert.False(File.Exists(Path.Combine(stage, "usr", "local", "bin", "mailgw")));
        Assert.False(File.Exists(Path.Combine(stage, "etc", "systemd", "system", "mailgw.service")));
        Assert.False(File.Exists(Path.Combine(stage, "usr", "sbin", "sendmail")) || Directory.Exists(Path.Combine(stage, "usr", "sbin", "sendmail")));
        Assert.True(File.Exists(conf));
        Assert.True(Directory.Exists(Path.Combine(stage, "var", "lib", "mailgw")));
        Assert.Equal(0, Run("bash", Path.Combine(Boards, "uninstall.sh"), "--root", stage, "--purge").Exit);
        Assert.False(File.Exists(conf));
    }

    [Fact]
    public void TheProfile_KeepsItsSpoolInTheUnitsStateDirectory_AndChecksOut()
    {
        string unit = File.ReadAllText(Path.Combine(Boards, "mailgw.service"));
        Assert.Contains("StateDirectory=mailgw", unit);
        Assert.Contains("RestartPreventExitStatus=2", unit);
        Assert.Contains("ExecStartPre=/usr/local/bin/mailgw check-config /etc/mailgw/mailgw.conf", unit);
        string profile = Path.Combine(Boards, "board.conf");
        Assert.Contains("spool.dir = /var/lib/mailgw", File.ReadAllText(profile));
        Assert.Equal(0, MailgwProcess.RunToEnd("check-config " + profile, out string output));
        Assert.DoesNotContain("warning", output);
    }
}
