// The console's configuration commands as transcripts: show config with secrets masked, set and
// unset checked as the file is at start (a value or a combination that would not start is refused
// and nothing changes), save writing the whole file once, reload/reboot/shutdown handed to the
// platform, and secrets never in the log. Then the host's save: the file replaced whole, its
// permissions kept, and a save that fails leaves the old file as it was.
using MailGateway.Core.Config;
using MailGateway.Core.Console;
using MailGateway.Emulator.Admin;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Admin;

public class ConsoleConfigTests
{
    private sealed class MemoryPlatform : IConsolePlatform
    {
        public string Text;
        public int Writes;
        public List<string> Asked = new List<string>();
        public string ConfigName => "/etc/mailgw/mailgw.conf";
        public string ReadConfig() => Text;
        public void WriteConfig(string text) { Text = text; Writes++; }
        public string Reload() { Asked.Add("reload"); return "ok: reloading"; }
        public string Restart() { Asked.Add("restart"); return "ok: restarting"; }
        public string Shutdown() { Asked.Add("shutdown"); return "ok: stopping"; }
        public string Memory() => "12.0 MiB managed, 20.0 MiB resident";
    }

    private const string File0 =
        "# the gateway on the shelf\n" +
        "hostname = gw.shelf.test\n" +
        "relay.allow = 192.168.1.0/24\n" +
        "relay.smarthost = smtp.provider.test:587\n" +
        "relay.smarthost_user = me\n" +
        "relay.smarthost_password = hunter2 hunter2\n";

    private static (SimulatedGateway, MemoryPlatform, SimulatedClient) Console()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ConsoleListen = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 2323) };
        var gw = new SimulatedGateway(config);
        var platform = new MemoryPlatform { Text = File0 };
        gw.Gateway.ConsolePlatform = platform;
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, 2323, "127.0.0.1");
        gw.Settle();
        client.ReadNew();
        return (gw, platform, client);
    }

    [Fact]
    public void ShowConfig_ListsTheSettings_WithPasswordsMasked()
    {
        var (gw, _, client) = Console();
        Assert.Equal("# /etc/mailgw/mailgw.conf\r\n" +
                     "hostname = gw.shelf.test\r\n" +
                     "relay.allow = 192.168.1.0/24\r\n" +
                     "relay.smarthost = smtp.provider.test:587\r\n" +
                     "relay.smarthost_user = me\r\n" +
                     "relay.smarthost_password = ********\r\n" +
                     "mailgw> ", gw.Say(client, "show config\r\n"));
    }

    [Fact]
    public void SetUnsetSave_ChangeTheFileOnce_KeepTheComments_AndNeverLogASecret()
    {
        var (gw, platform, client) = Console();
        Assert.Equal("ok: limits.recipients set; save writes it, reload applies it\r\nmailgw> ", gw.Say(client, "set limits.recipients 50\r\n"));
        // A value the file cannot hold is refused: " #" starts a comment there.
        Assert.Equal("error: not changed: relay.smarthost_password: a \"#\" after a space starts a comment in the file, so this value cannot be written there\r\nmailgw> ",
                     gw.Say(client, "set relay.smarthost_password new secret #1\r\n"));
        Assert.Equal("ok: relay.smarthost_password set; save writes it, reload applies it\r\nmailgw> ",
                     gw.Say(client, "set relay.smarthost_password new secret#1\r\n"));
        Assert.Equal("ok: relay.allow unset; save writes it, reload applies it\r\nmailgw> ", gw.Say(client, "unset relay.allow\r\n"));
        string shown = gw.Say(client, "show config\r\n");
        Assert.Contains("# not saved yet:\r\nlimits.recipients = 50\r\nrelay.smarthost_password = ********\r\nunset relay.allow\r\n", shown);
        Assert.Equal(0, platform.Writes);
        Assert.Equal("error: 3 unsaved change(s): save them first, or unset them\r\nmailgw> ", gw.Say(client, "reload\r\n"));

        Assert.Equal("ok: 3 change(s) saved to /etc/mailgw/mailgw.conf; reload applies them\r\nmailgw> ", gw.Say(client, "save\r\n"));
        Assert.Equal(1, platform.Writes);
        Assert.Equal("# the gateway on the shelf\n" +
                     "hostname = gw.shelf.test\n" +
                     "relay.smarthost = smtp.provider.test:587\n" +
                     "relay.smarthost_user = me\n" +
                     "limits.recipients = 50\n" +
                     "relay.smarthost_password = new secret#1\n", platform.Text);
        var parsed = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(platform.Text, "saved", parsed)); // what was saved starts
        Assert.Equal("new secret#1", parsed.SmarthostPassword);
        Assert.Equal("ok: reloading\r\nmailgw> ", gw.Say(client, "reload\r\n"));
        Assert.Equal(new[] { "reload" }, platform.Asked);

        Assert.Contains(gw.Log, l => l.EndsWith("console: unknown[127.0.0.1]: set relay.smarthost_password ********", StringComparison.Ordinal));
        Assert.DoesNotContain(gw.Log, l => l.Contains("new secret") || l.Contains("hunter2"));
    }

    [Fact]
    public void AValueOrACombinationThatWouldNotStart_IsRefused_AndNothingChanges()
    {
        var (gw, platform, client) = Console();
        Assert.Equal("error: not changed: limits.recipients: \"lots\" is not a whole number from 1 to 10000\r\nmailgw> ",
                     gw.Say(client, "set limits.recipients lots\r\n"));
        Assert.Equal("error: not changed: unknown key \"limits.recipient\"\r\nmailgw> ", gw.Say(client, "set limits.recipient 5\r\n"));
        // Alone fine, together not: a console on every address without a password.
        string refused = gw.Say(client, "set console.listen 0.0.0.0:2323\r\n");
        Assert.StartsWith("error: not changed: /etc/mailgw/mailgw.conf:", refused);
        Assert.Contains("console.listen: 0.0.0.0:2323 is not a loopback address, and console.password is not set", refused);
        Assert.Equal("ok: nothing to save\r\nmailgw> ", gw.Say(client, "save\r\n"));
        Assert.Equal(0, platform.Writes);
        Assert.Equal(File0, platform.Text);
        // With the password first, the same listener is accepted.
        gw.Say(client, "set console.password a long console password\r\n");
        Assert.StartsWith("ok: console.listen set", gw.Say(client, "set console.listen 0.0.0.0:2323\r\n"));
    }

    // Every kind of value a key takes goes through set and save and reads back the same at the
    // next start: a number, a size, a duration, a yes/no, a list, listen addresses, a host:port, a
    // choice, free text with spaces, a route and an alias.
    [Theory]
    [InlineData("limits.recipients", "50")]
    [InlineData("limits.message_size", "25M")]
    [InlineData("queue.lifetime", "5d")]
    [InlineData("smtp.auth_plaintext", "yes")]
    [InlineData("relay.allow", "127.0.0.0/8, ::1, 192.168.1.0/24")]
    [InlineData("smtp.listen", "0.0.0.0:25, [::]:25")]
    [InlineData("relay.smarthost", "smtp.provider.test:465")]
    [InlineData("relay.smarthost_tls", "implicit")]
    [InlineData("relay.smarthost_password", "two words")]
    [InlineData("route.shelf.test", "10.0.0.5:2525")]
    [InlineData("alias.root", "ops@example.test, me@example.test")]
    [InlineData("dns.servers", "192.168.1.1, [2001:db8::53]:53")]
    [InlineData("console.baud", "9600")]
    public void EveryKindOfValue_GoesThroughSetAndSave_AndReadsBackTheSame(string key, string value)
    {
        var (gw, platform, client) = Console();
        Assert.StartsWith("ok: " + key + " set", gw.Say(client, "set " + key + " " + value + "\r\n"));
        Assert.StartsWith("ok: 1 change(s) saved", gw.Say(client, "save\r\n"));
        var expected = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(File0 + key + " = " + value + "\n", "expected", expected));
        var saved = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(platform.Text, "saved", saved));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expected, Everything), System.Text.Json.JsonSerializer.Serialize(saved, Everything));
        Assert.Contains(key + " = " + value + "\n", platform.Text);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Everything = new System.Text.Json.JsonSerializerOptions { IncludeFields = true };

    [Fact]
    public void Status_SaysThePlatformsMemory()
    {
        var (gw, _, client) = Console();
        Assert.Contains("memory: 12.0 MiB managed, 20.0 MiB resident\r\n", gw.Say(client, "status\r\n"));
    }

    [Fact]
    public void TheHostsMemoryLine_HasTheBudgetsPeakWhenABoardIsStated()
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(File.ReadAllText(Path.Combine(MailGateway.Tests.Config.ConfigParserTests.RepositoryRoot(), "boards", "wt32-eth01", "board.conf")), "wt32", config));
        string line = new HostConsolePlatform(null, config).Memory();
        Assert.Matches(@"^\d+(\.\d)? (KiB|MiB) managed, \d+(\.\d)? (KiB|MiB) resident; the budget's peak \d+(\.\d)? KiB of board\.heap 60 KiB$", line);
        Assert.DoesNotContain("budget", new HostConsolePlatform(null, new GatewayConfig()).Memory()); // a host with no board: nothing to weigh
    }

    [Fact]
    public void RebootAndShutdown_AreThePlatforms()
    {
        var (gw, platform, client) = Console();
        Assert.Equal("ok: restarting\r\nmailgw> ", gw.Say(client, "reboot\r\n"));
        Assert.Equal("ok: stopping\r\nmailgw> ", gw.Say(client, "shutdown\r\n"));
        Assert.Equal(new[] { "restart", "shutdown" }, platform.Asked);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheHostsSave_ReplacesTheFileWhole_KeepsItsPermissions_AndAFailedOneLeavesTheOld()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mailgw-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "mailgw.conf");
            File.WriteAllText(path, File0);
            File.SetUnixFileMode(path, (UnixFileMode)0x1A0); // 0640
            var platform = new HostConsolePlatform(path);
            Assert.Equal(File0, platform.ReadConfig());
            platform.WriteConfig("hostname = new.test\n");
            Assert.Equal("hostname = new.test\n", File.ReadAllText(path));
            Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(path));
            Assert.Equal(new[] { "mailgw.conf" }, Directory.GetFiles(dir).Select(Path.GetFileName)); // no temporary file left

            // A save that fails part-way (here its temporary file cannot be made: a folder has its
            // name) says so, and the file is as it was.
            Directory.CreateDirectory(Path.Combine(dir, ".mailgw.conf.new"));
            Assert.ThrowsAny<IOException>(() => platform.WriteConfig("hostname = broken.test\n"));
            Assert.Equal("hostname = new.test\n", File.ReadAllText(path));
            Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
