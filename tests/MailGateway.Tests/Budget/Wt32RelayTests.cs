// The gateway run as a WT32-ETH01 (its board.conf over the simulator's defaults: two SMTP sessions
// and a POP3 session, one delivery, a queue index of 4, 1 KiB buffers) takes a 2 MiB message from a
// LAN device and relays it byte for byte to the next hop; and with everything the profile allows
// busy at once — two cameras sending 2 MiB clips, a phone fetching a 1 MiB mail over POP3, the
// delivery relaying a 2 MiB clip over a slow link, someone listing the queue at the UART console — the whole gateway, weighed object by object as
// `mailgw budget` weighs its parts, stays within the budget's peak. On the simulated network with
// virtual time.
using System.Text;
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Emulator.Budget;
using MailGateway.Tests.Local;
using Xunit.Abstractions;
using MailGateway.Tests.Config;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Budget;

public class Wt32RelayTests
{
    private readonly ITestOutputHelper _output;

    public Wt32RelayTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static GatewayConfig Wt32()
    {
        var config = SimulatedGateway.DefaultConfig();
        string file = Path.Combine(ConfigParserTests.RepositoryRoot(), "boards", "wt32-eth01", "board.conf");
        Assert.Null(ConfigParser.Apply(File.ReadAllText(file), file, config));
        config.Routes = new[] { new Route("far.test", new HostPort("10.0.0.5", 25)) };
        return config;
    }

    private static string Clip(string name, int bytes)
    {
        var body = new StringBuilder("Date: Mon, 7 Dec 2026 03:00:00 +0000\r\nMessage-ID: <" + name + "@lan.test>\r\nSubject: " + name + "\r\n\r\n");
        for (int i = 0; body.Length < bytes - 200; i++) body.Append(name + " " + i.ToString("D7") + " " + new string('v', 64) + "\r\n");
        return body.ToString();
    }

    [Fact]
    public void AsAWt32Eth01_EverythingTheProfileAllowsAtOnce_StaysWithinTheBudgetsPeak()
    {
        GatewayConfig config = Wt32();
        config.Aliases = new[] { new Alias("postmaster", new[] { "phone" }) };
        config.Pop3AuthPlaintext = true;
        MemoryBudget budget = MemoryBudget.For(config);
        Assert.Empty(budget.Problems());
        Assert.True(MemoryBudget.SmtpSessions(config) >= 2 && MemoryBudget.Pop3Sessions(config) >= 1 && config.MaxDeliveries >= 1);
        var users = new LocalDeliveryTests.Users();
        users.Folders["phone"] = "U0000001";
        users.Passwords["phone"] = "s3cret";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        var server = gw.Network.Serve("10.0.0.5", 25);
        long peak = 0;
        void Weigh()
        {
            gw.Settle();
            long now = new ObjectSize().Weigh(gw.Gateway).Budget;   // platform parts are not the core's: left out
            if (now > peak) peak = now;
        }

        // Waiting: a 1 MiB mail in the phone's mailbox, a 2 MiB clip in the queue for far.test.
        gw.Queue("cam0@lan.test", new[] { "phone@local.test" }, Clip("mailbox", 1024 * 1024), "192.168.1.40");
        gw.Queue("cam0@lan.test", new[] { "owner@far.test" }, Clip("queued", 2 * 1024 * 1024), "192.168.1.40");

        // The delivery starts over a slow link: 16 KiB in flight at most, read as the test goes.
        var peer = server.Accept();
        peer.ReceiveBuffer = 16 * 1024;
        peer.Write("220 mx ESMTP\r\n");
        gw.Settle();
        peer.ReadNew();
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        gw.Settle();
        Assert.Equal("MAIL FROM:<cam0@lan.test>\r\nRCPT TO:<owner@far.test>\r\nDATA\r\n", peer.ReadNew());
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");

        // The phone logs in and asks for its mail over a slow Wi-Fi link (8 KiB in flight at most).
        var phone = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        phone.ReceiveBuffer = 8 * 1024;
        gw.Settle();
        gw.Say(phone, "USER phone\r\n");
        Assert.StartsWith("+OK", gw.Say(phone, "PASS s3cret\r\n"));
        phone.Write("RETR 1\r\n");

        // Someone at the board's UART console lists the queue; the serial line takes 64 bytes a pass.
        var uart = gw.Gateway.OpenLocalConsole("uart", false);
        var typed = Encoding.ASCII.GetBytes("queue\n");
        uart.Receive(typed, 0, typed.Length, gw.Clock.MonotonicMs());
        var listed = new StringBuilder();
        void Drain()
        {
            int n = uart.PeekTransmit(out byte[] bytes, out int offset);
            if (n <= 0) return;
            n = Math.Min(n, 64);
            listed.Append(Encoding.UTF8.GetString(bytes, offset, n));
            uart.Transmitted(n);
        }

        // Two cameras send their clips at the same time, a line group at a time.
        var cameras = new[] { gw.Connect("192.168.1.41"), gw.Connect("192.168.1.42") };
        var clips = new[] { Clip("front", 2 * 1024 * 1024), Clip("back", 2 * 1024 * 1024) };
        foreach (var camera in cameras)
        {
            gw.Settle();
            gw.Say(camera, "EHLO camera.lan.test\r\n");
            Assert.EndsWith("354 End data with <CR><LF>.<CR><LF>\r\n", gw.Say(camera, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<owner@far.test>\r\nDATA\r\n"));
        }
        var relayed = new StringBuilder();
        var fetched = new StringBuilder();
        const int Piece = 48 * 1024;
        for (int at = 0; at < clips[0].Length || at < clips[1].Length; at += Piece)
        {
            for (int c = 0; c < 2; c++)
            {
                if (at < clips[c].Length) cameras[c].Write(clips[c].Substring(at, Math.Min(Piece, clips[c].Length - at)));
            }
            Weigh();
            Drain();
            relayed.Append(peer.ReadNew());
            fetched.Append(phone.ReadNew());
        }
        foreach (var camera in cameras) Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", gw.Say(camera, ".\r\n"));
        for (int pass = 0; pass < 10_000 && !(relayed.ToString().EndsWith("\r\n.\r\n") && fetched.ToString().EndsWith("\r\n.\r\n")); pass++)
        {
            Weigh();
            Drain();
            relayed.Append(peer.ReadNew());
            fetched.Append(phone.ReadNew());
        }
        for (int pass = 0; pass < 1000 && !listed.ToString().EndsWith("mailgw> ", StringComparison.Ordinal); pass++) Drain();
        Assert.Contains("owner@far.test", listed.ToString()); // the listing came out whole, beside the load
        Assert.EndsWith("mailgw> ", listed.ToString());
        Assert.EndsWith("\r\n" + Clip("queued", 2 * 1024 * 1024) + ".\r\n", relayed.ToString());
        Assert.Contains("Subject: mailbox\r\n", fetched.ToString());
        Assert.EndsWith("\r\n.\r\n", fetched.ToString());

        _output.WriteLine("the whole gateway at its busiest: " + peak.ToString("N0") + " B; mailgw budget's peak for this profile: " +
                          budget.Peak.ToString("N0") + " B of " + config.BoardHeapBytes.ToString("N0"));
        Assert.InRange(peak, 1, budget.Peak);
    }

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
