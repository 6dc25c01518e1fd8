// The configuration file as an administrator writes it: every key, and every mistake reported
// with the file name, the line and what is wrong.
using MailGateway.Core.Config;
using MailGateway.Core.Dns;
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

    // A file written on Windows: CRLF line ends on settings, blank lines, whitespace-only lines and
    // comments; a line that is not "key = value" is still an error with its number.
    [Fact]
    public void AFileWithCrlfLineEnds_ReadsLikeOneWithLf()
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("hostname = a.test\r\n\r\n# note\r\n \t\r\nlimits.recipients = 5 # five\r\n", "crlf.conf", config));
        Assert.Equal(("a.test", 5), (config.Hostname, config.MaxRecipients));
        Assert.Equal("crlf.conf:2: expected \"key = value\"", ConfigParser.Apply("hostname = a.test\r\nfoo\r\n", "crlf.conf", new GatewayConfig()));
        Assert.Equal("crlf.conf:1: expected \"key = value\"", ConfigParser.Apply(" = x\r\n", "crlf.conf", new GatewayConfig()));
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
    [InlineData("limits.recipients = 0", 2, "limits.recipients: \"0\" is not a whole number from 1 to 10000")]
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

    [Fact]
    public void DeliveryAndQueueKeys_AreRead()
    {
        var c = Parse(
            "dns.servers = 127.0.0.53, 192.0.2.1:5353, ::1\n" +
            "dns.concurrency = 4\n" +
            "dns.udp_sockets = 1\n" +
            "route.bbb.test = mail.bbb.test\n" +
            "route.ccc.test = [2001:db8::25]:2525\n" +
            "route.BBB.test = 10.0.0.5:26   # the later line wins\n" +
            "relay.smarthost = smtp.provider.test:587\n" +
            "relay.smarthost_tls = implicit\n" +
            "relay.smarthost_verify = no\n" +
            "relay.smarthost_user = box@provider.test\n" +
            "relay.smarthost_password = pa#ss word\n" +
            "delivery.port = 2525\n" +
            "delivery.max_addresses = 3\n" +
            "delivery.connect_timeout = 10s\n" +
            "delivery.command_timeout = 1m\n" +
            "delivery.data_start_timeout = 1m\n" +
            "delivery.data_block_timeout = 2m\n" +
            "delivery.data_end_timeout = 5m\n" +
            "queue.lifetime = 5d\n" +
            "queue.retry = 1m, 15m, 1h\n" +
            "queue.warn_after = 0\n" +
            "queue.postmaster = admin@aaa.test\n");
        Assert.Equal(new[] { "127.0.0.53:53", "192.0.2.1:5353", "[::1]:53" }, c.DnsServers.Select(s => s.ToString()));
        Assert.Equal((4, 1), (c.DnsConcurrency, c.DnsUdpSockets));
        Assert.Equal(new[] { "ccc.test=[2001:db8::25]:2525", "bbb.test=10.0.0.5:26" }, c.Routes.Select(r => r.Domain + "=" + r.Target));
        Assert.Equal("smtp.provider.test:587", c.Smarthost.ToString());
        Assert.Equal(TlsMode.Implicit, c.SmarthostTls);
        Assert.False(c.SmarthostVerify);
        Assert.Equal("box@provider.test", c.SmarthostUser);
        Assert.Equal("pa#ss word", c.SmarthostPassword);
        Assert.Equal(2525, c.DeliveryPort);
        Assert.Equal(3, c.MaxAddressesPerAttempt);
        Assert.Equal(new long[] { 10_000, 60_000, 60_000, 120_000, 300_000 },
                     new[] { c.ConnectTimeoutMs, c.CommandTimeoutMs, c.DataStartTimeoutMs, c.DataBlockTimeoutMs, c.DataEndTimeoutMs });
        Assert.Equal(5 * 86_400_000L, c.QueueLifetimeMs);
        Assert.Equal(new long[] { 60_000, 900_000, 3_600_000 }, c.RetryWaitsMs);
        Assert.Equal(0, c.WarnAfterMs);
        Assert.Equal("admin@aaa.test", c.Postmaster);
    }

    [Fact]
    public void DnsKeys_ReachTheCoreResolver()
    {
        var c = Parse("dns.servers = 192.0.2.53\ndns.concurrency = 2\ndns.udp_sockets = 1\n");
        var net = new MailGateway.Emulator.Simulation.SimulatedNetwork();
        var resolver = MailGateway.Core.Delivery.SmtpDeliveries.CoreResolver(c, net, new MailGateway.Emulator.Platform.HostRandom(1));
        for (int i = 0; i < 5; i++) resolver.Begin("h" + i + ".test", DnsType.A);
        resolver.Pump(0);
        Assert.Equal(2, net.SentDatagrams.Count); // two lookups at once ...
        Assert.Single(net.SentDatagrams.Select(d => d.Socket).Distinct()); // ... sharing one socket
        Assert.Equal(1, resolver.OpenSockets);
    }

    [Fact]
    public void DeliveryDefaults_AreTheDocumentedOnes()
    {
        var c = new GatewayConfig();
        Assert.Empty(c.DnsServers);
        Assert.Equal((8, 2), (c.DnsConcurrency, c.DnsUdpSockets));
        Assert.Equal((new DnsSettings().MaxConcurrentLookups, new DnsSettings().UdpSocketsPerFamily), (c.DnsConcurrency, c.DnsUdpSockets));
        Assert.Equal(new DnsSettings().MaxTcpMessageBytes, c.DnsMaxTcpAnswer);
        Assert.Empty(c.Routes);
        Assert.Null(c.Smarthost);
        Assert.Equal(TlsMode.StartTls, c.SmarthostTls);
        Assert.True(c.SmarthostVerify);
        Assert.Equal(25, c.DeliveryPort);
        Assert.Equal(4 * 86_400_000L, c.QueueLifetimeMs);
        Assert.Equal(4 * 3_600_000L, c.WarnAfterMs);
        Assert.Equal("5m, 10m, 20m, 40m, 1h, 2h, 4h", new MailGateway.Core.Delivery.RetrySchedule(c.RetryWaitsMs).Describe());
    }

    [Theory]
    [InlineData("dns.servers = resolver.test", "dns.servers: \"resolver.test\" is not a DNS server")]
    [InlineData("dns.servers = 127.0.0.1:99999", "dns.servers: \"127.0.0.1:99999\" is not a DNS server")]
    [InlineData("dns.concurrency = 0", "dns.concurrency: \"0\" is not a whole number from 1 to 64")]
    [InlineData("dns.udp_sockets = 16", "dns.udp_sockets: \"16\" is not a whole number from 1 to 15")]
    [InlineData("dns.max_tcp_answer = 1K", "dns.max_tcp_answer: 1K is below the minimum of 1232 bytes")]
    [InlineData("pop3.max_messages = 0", "pop3.max_messages: \"0\" is not a whole number from 1 to 100000")]
    [InlineData("limits.io_buffer = 512", "limits.io_buffer: 512 is below the minimum of 1024 bytes")]
    [InlineData("limits.io_buffer = 128K", "limits.io_buffer: 128K is over 64K")]
    [InlineData("dns.max_tcp_answer = 64K", "dns.max_tcp_answer: 64K is over the 65535 bytes a DNS message over TCP can have")]
    [InlineData("route.bbb.test = mail.bbb.test:0", "route.bbb.test: \"mail.bbb.test:0\" is not host[:port]")]
    [InlineData("route.bad_domain = 10.0.0.1", "route.bad_domain: \"bad_domain\" is not a domain name")]
    [InlineData("relay.smarthost = smtp.provider.test", "relay.smarthost: \"smtp.provider.test\" is not host:port")]
    [InlineData("relay.smarthost_tls = ssl", "relay.smarthost_tls: \"ssl\" is not starttls, implicit or none")]
    [InlineData("relay.smarthost_verify = maybe", "relay.smarthost_verify: \"maybe\" is not yes or no")]
    [InlineData("queue.retry = 5m, soon", "queue.retry: \"soon\"")]
    [InlineData("queue.lifetime = 0", "queue.lifetime: \"0\" is not a duration")]
    [InlineData("queue.postmaster = nobody", "queue.postmaster: \"nobody\" is not a mail address")]
    public void DeliveryMistakes_AreReported(string line, string message)
    {
        string error = ConfigParser.Apply(line + "\n", "gw.conf", new GatewayConfig());
        Assert.NotNull(error);
        Assert.StartsWith("gw.conf:1: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void IoBuffer_IsABoardsUnlessSet_AndAHostsWithoutABoard()
    {
        var board = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("limits.io_buffer = 16K\n", "gw.conf", board));
        Assert.Equal(16384, board.IoBuffer);
        Assert.Equal(16384, board.ToServerSettings().BodyChunk);
        Assert.Equal(GatewayConfig.DefaultIoBufferBytes, new GatewayConfig().IoBuffer);

        // On the host: its own default without a board, the board's with one, the file's when set.
        string dir = Path.Combine(Path.GetTempPath(), "mailgw-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string plain = Path.Combine(dir, "plain.conf"), esp = Path.Combine(dir, "esp.conf"), set = Path.Combine(dir, "set.conf");
            File.WriteAllText(plain, "hostname = gw.test\n");
            File.WriteAllText(esp, "board.heap = 60K\n");
            File.WriteAllText(set, "board.heap = 60K\nlimits.io_buffer = 2K\n");
            Assert.Equal(MailGateway.Emulator.ConfigFile.HostIoBufferBytes, MailGateway.Emulator.ConfigFile.Load(null, out _).IoBuffer);
            Assert.Equal(MailGateway.Emulator.ConfigFile.HostIoBufferBytes, MailGateway.Emulator.ConfigFile.Load(plain, out _).IoBuffer);
            Assert.Equal(GatewayConfig.DefaultIoBufferBytes, MailGateway.Emulator.ConfigFile.Load(esp, out _).IoBuffer);
            Assert.Equal(2048, MailGateway.Emulator.ConfigFile.Load(set, out _).IoBuffer);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
