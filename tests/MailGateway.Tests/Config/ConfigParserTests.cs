// The configuration file as an administrator writes it: every key, and every mistake reported
// with the file name, the line and what is wrong.
using MailGateway.Core.Config;
using MailGateway.Core.Relay;

namespace MailGateway.Tests.Config;

public class ConfigParserTests
{
    private static GatewayConfig Parse(string text)
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(text, "mailgw.conf", config));
        return config;
    }

    [Fact]
    public void EmbeddedDefaults_AreTheDocumentedOnes()
    {
        var c = new GatewayConfig();
        Assert.Equal("127.0.0.1:2525", Assert.Single(c.SmtpListen).ToString());
        Assert.Equal(new[] { "127.0.0.0/8", "::1" }, c.RelayAllowText);
        Assert.True(c.ToRelayPolicy().IsTrustedClient("127.0.0.1"));
        Assert.True(c.ToRelayPolicy().IsTrustedClient("::1"));
        Assert.False(c.ToRelayPolicy().IsTrustedClient("192.168.1.2"));
        Assert.Equal("mailgw-data", c.SpoolDir);
        Assert.Equal(10L * 1024 * 1024, c.MessageSizeBytes);
        Assert.Equal(100, c.MaxRecipients);
        Assert.Equal(300_000, c.IdleTimeoutMs);
    }

    [Fact]
    public void EveryKey_IsRead()
    {
        var c = Parse(
            "# a comment\n" +
            "hostname = smtp.aaa.test\n" +
            "smtp.listen = 0.0.0.0:25, [::]:2525  # both stacks\r\n" +
            "relay.allow = 192.168.1.0/24, fd00::/8\n" +
            "relay.domains = bbb.test, CCC.test\n" +
            "local.domains = aaa.test\n" +
            "limits.message_size = 25M\n" +
            "limits.recipients = 50\n" +
            "limits.sessions = 4\n" +
            "limits.idle_timeout = 2m\n" +
            "limits.errors = 5\n" +
            "limits.command_line = 2048\n" +
            "spool.dir = /var/spool/mailgw\n" +
            "spool.max_bytes = 2G\n" +
            "\n   \n");
        Assert.Equal("smtp.aaa.test", c.Hostname);
        Assert.Equal(new[] { "0.0.0.0:25", "[::]:2525" }, c.SmtpListen.Select(e => e.ToString()));
        Assert.True(c.ToRelayPolicy().IsTrustedClient("192.168.1.77"));
        Assert.True(c.ToRelayPolicy().IsTrustedClient("fd12::1"));
        Assert.False(c.ToRelayPolicy().IsTrustedClient("127.0.0.1"));
        Assert.Equal(new[] { "bbb.test", "ccc.test" }, c.RelayDomains);
        Assert.Equal(new[] { "aaa.test" }, c.LocalDomains);
        Assert.Equal(25L * 1024 * 1024, c.MessageSizeBytes);
        Assert.Equal(50, c.MaxRecipients);
        Assert.Equal(4, c.MaxSessions);
        Assert.Equal(120_000, c.IdleTimeoutMs);
        Assert.Equal(5, c.MaxErrors);
        Assert.Equal(2048, c.MaxCommandLine);
        Assert.Equal("/var/spool/mailgw", c.SpoolDir);
        Assert.Equal(2L * 1024 * 1024 * 1024, c.SpoolMaxBytes);
    }

    [Theory]
    [InlineData("relay.allow =", 0)]
    [InlineData("local.domains = ", 0)]
    public void EmptyLists_AreAllowed(string line, int count)
    {
        var c = Parse(line);
        Assert.Equal(count, line.StartsWith("relay") ? c.RelayAllow.Length : c.LocalDomains.Length);
    }

    [Theory]
    [InlineData("smtp.lisen = 1.2.3.4:25", 2, "unknown key \"smtp.lisen\"")]
    [InlineData("hostname", 2, "expected \"key = value\"")]
    [InlineData("smtp.listen = 1.2.3.4", 2, "smtp.listen: \"1.2.3.4\" is not address:port")]
    [InlineData("smtp.listen = ::1:25", 2, "smtp.listen: \"::1:25\" is not address:port")]
    [InlineData("smtp.listen = 1.2.3.4:70000", 2, "is not address:port")]
    [InlineData("smtp.listen = host.test:25", 2, "is not address:port")]
    [InlineData("smtp.listen =", 2, "smtp.listen: at least one address:port is needed")]
    [InlineData("relay.allow = 192.168.1.0/33", 2, "relay.allow: \"192.168.1.0/33\" is not an IP address or CIDR range")]
    [InlineData("relay.allow = 10.0.0.0/8, lan", 2, "relay.allow: \"lan\" is not")]
    [InlineData("local.domains = aaa.test.", 2, "local.domains: \"aaa.test.\" is not a domain name")]
    [InlineData("limits.message_size = ten", 2, "limits.message_size: \"ten\" is not a size")]
    [InlineData("limits.message_size = 100", 2, "is below the minimum")]
    [InlineData("limits.recipients = 0", 2, "limits.recipients: \"0\" is not a whole number from 1 to 100000")]
    [InlineData("limits.sessions = -1", 2, "limits.sessions")]
    [InlineData("limits.idle_timeout = 5w", 2, "unknown unit")]
    [InlineData("limits.command_line = 100", 2, "from 512")]
    [InlineData("spool.max_bytes = 1K", 2, "below the minimum")]
    [InlineData("hostname = bad_name!", 2, "hostname: \"bad_name!\" is not a domain name")]
    public void Mistakes_AreReportedWithFileAndLine(string badLine, int lineNumber, string message)
    {
        string error = ConfigParser.Apply("hostname = ok.test\n" + badLine + "\nlimits.sessions = 3\n", "/etc/mailgw.conf", new GatewayConfig());
        Assert.NotNull(error);
        Assert.StartsWith("/etc/mailgw.conf:" + lineNumber + ": ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void BoardFiles_AllParse()
    {
        string boards = Path.Combine(RepositoryRoot(), "boards");
        string[] files = Directory.GetFiles(boards, "board.conf", SearchOption.AllDirectories);
        Assert.True(files.Length >= 4);
        foreach (string file in files)
        {
            Assert.Null(ConfigParser.Apply(File.ReadAllText(file), file, new GatewayConfig()));
        }
    }

    public static string RepositoryRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "MailGateway.sln"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        return dir;
    }
}
