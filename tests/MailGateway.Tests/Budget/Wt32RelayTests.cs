// The gateway run as a WT32-ETH01 (its board.conf over the simulator's defaults: one session, one
// delivery, a queue index of 4, 1 KiB buffers) takes a 2 MiB message from a LAN device and relays
// it byte for byte to the next hop, on the simulated network with virtual time.
using System.Text;
using MailGateway.Core.Config;
using MailGateway.Tests.Config;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Budget;

public class Wt32RelayTests
{
    [Fact]
    public void AsAWt32Eth01_A2MiBMessageIsRelayedByteForByte()
    {
        var config = SimulatedGateway.DefaultConfig();
        string file = Path.Combine(ConfigParserTests.RepositoryRoot(), "boards", "wt32-eth01", "board.conf");
        Assert.Null(ConfigParser.Apply(File.ReadAllText(file), file, config));
        config.Routes = new[] { new Route("far.test", new HostPort("10.0.0.5", 25)) };
        Assert.Empty(MailGateway.Emulator.Budget.MemoryBudget.For(config).Problems());
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);

        var body = new StringBuilder("Date: Mon, 7 Dec 2026 03:00:00 +0000\r\nMessage-ID: <clip1@lan.test>\r\nSubject: a 2 MiB camera clip\r\n\r\n");
        for (int i = 0; body.Length < 2 * 1024 * 1024 - 200; i++) body.Append("clip " + i.ToString("D7") + " " + new string('v', 64) + "\r\n");
        string message = body.ToString();
        var client = gw.Connect();
        gw.Settle();
        string replies = gw.SendMessage(client, "cam@lan.test", new[] { "owner@far.test" }, message);
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", replies);
        gw.Say(client, "QUIT\r\n");

        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        gw.Settle();
        Assert.StartsWith("EHLO ", peer.ReadNew());
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        gw.Settle();
        Assert.Equal("MAIL FROM:<cam@lan.test>\r\nRCPT TO:<owner@far.test>\r\nDATA\r\n", peer.ReadNew());
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");
        var received = new StringBuilder();
        for (int pass = 0; pass < 100_000 && !received.ToString().EndsWith("\r\n.\r\n"); pass++)
        {
            gw.Settle();
            received.Append(peer.ReadNew());
        }
        string data = received.ToString();
        Assert.EndsWith("\r\n" + message + ".\r\n", data); // our Received field, then the message as sent
        peer.Write("250 2.0.0 queued as NEXT\r\n");
        gw.Settle();
        Assert.Equal("QUIT\r\n", peer.ReadNew()); // no connection is kept for reuse on this board
        peer.Write("221 bye\r\n");
        gw.Settle();
        Assert.True(gw.Log.Any(l => l.Contains("to=<owner@far.test>") && l.EndsWith("status=sent (250 2.0.0 queued as NEXT)")), string.Join("\n", gw.Log));
    }
}
