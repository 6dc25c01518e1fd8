// The keys of the memory budget: board.heap, board.native_heap, board.tls_session_bytes,
// board.sockets, limits.tls_sessions, limits.smtp_sessions — read, defaulted to "no limit", and
// refused with the file and line like every other key.
using MailGateway.Core.Config;

namespace MailGateway.Tests.Config;

public class BoardKeysTests
{
    [Fact]
    public void Defaults_MeanNoLimit()
    {
        var c = new GatewayConfig();
        Assert.Equal(0, c.BoardHeapBytes);
        Assert.Equal(0, c.BoardNativeHeapBytes);
        Assert.Equal(0, c.BoardTlsSessionBytes);
        Assert.Equal(0, c.BoardSockets);
        Assert.Equal(0, c.MaxTlsSessions);
        Assert.Equal(0, c.MaxSmtpSessions);
    }

    [Fact]
    public void EveryBoardKey_IsRead()
    {
        var c = new GatewayConfig();
        string text = "board.heap = 60K\nboard.native_heap = 64K\nboard.tls_session_bytes = 40K\nboard.sockets = 10\n" +
                      "limits.tls_sessions = 1\nlimits.smtp_sessions = 2\n";
        Assert.Null(ConfigParser.Apply(text, "b.conf", c));
        Assert.Equal(60 * 1024, c.BoardHeapBytes);
        Assert.Equal(64 * 1024, c.BoardNativeHeapBytes);
        Assert.Equal(40 * 1024, c.BoardTlsSessionBytes);
        Assert.Equal(10, c.BoardSockets);
        Assert.Equal(1, c.MaxTlsSessions);
        Assert.Equal(2, c.MaxSmtpSessions);
    }

    [Theory]
    [InlineData("board.heap = lots", "b.conf:2: board.heap: \"lots\" is not a size")]
    [InlineData("board.sockets = -1", "b.conf:2: board.sockets: \"-1\" is not a whole number from 0 to 65535")]
    [InlineData("board.tls_session_bytes = 4X", "b.conf:2: board.tls_session_bytes: \"4X\" is not a size")]
    [InlineData("limits.tls_sessions = many", "b.conf:2: limits.tls_sessions: \"many\" is not a whole number from 0 to 10000")]
    [InlineData("limits.smtp_sessions = 2.5", "b.conf:2: limits.smtp_sessions: \"2.5\" is not a whole number from 0 to 10000")]
    [InlineData("board.ram = 60K", "b.conf:2: unknown key \"board.ram\"")]
    public void BadBoardValues_NameFileAndLine(string line, string expected)
    {
        string error = ConfigParser.Apply("# board\n" + line + "\n", "b.conf", new GatewayConfig());
        Assert.NotNull(error);
        Assert.StartsWith(expected, error);
    }

    [Fact]
    public void DeviceKeys_AreAcceptedForTheFirmware()
    {
        string text = "board.network = wifi\nwifi.ssid = Garage\nwifi.password = correct horse\n" +
                      "tls.ca_file = D:\\CAROOTS.PEM\nconsole.baud = 115200\n";
        Assert.Null(ConfigParser.Apply(text, "b.conf", new GatewayConfig()));
    }

    [Theory]
    [InlineData("board.network = carrier-pigeon", "b.conf:2: board.network: \"carrier-pigeon\" is not ethernet or wifi")]
    [InlineData("wifi.password = short", "b.conf:2: wifi.password: 8 to 63 characters")]
    [InlineData("console.baud = fast", "b.conf:2: console.baud: a whole number from 1200 to 921600")]
    [InlineData("tls.ca_file = CAROOTS.PEM", "b.conf:2: tls.ca_file: a path on the card")]
    public void BadDeviceValues_NameFileAndLine(string line, string expected)
    {
        string error = ConfigParser.Apply("# board\n" + line + "\n", "b.conf", new GatewayConfig());
        Assert.NotNull(error);
        Assert.StartsWith(expected, error);
    }
}
