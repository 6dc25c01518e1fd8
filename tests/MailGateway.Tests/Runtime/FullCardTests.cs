// A message that fills the card's budget (spool.max_bytes) must still leave it (found by the fault
// campaign: on a gateway with a small budget, a message for a local mailbox took nearly all of it
// in the queue, and its copy into the mailbox did not fit beside it — so it waited, refused every
// other message with 452 4.3.1, and at the end of queue.lifetime its bounce did not fit either:
// kept for ever, its sender never told). The last copy of a message into a mailbox, and the bounce
// after which nothing of a message is pending, take over the space of its queue file.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class FullCardTests
{
    private static string Big(int bytes)
    {
        var text = new System.Text.StringBuilder("Subject: big\r\nMessage-ID: <big@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\n");
        while (text.Length < bytes) text.Append(new string('x', 76)).Append("\r\n");
        return text.ToString();
    }

    private static string Send(SimulatedGateway gw, string to, string content)
    {
        var client = gw.Connect();
        gw.Settle();
        Match m = Regex.Match(gw.SendMessage(client, "cam@lan.test", new[] { to }, content), @"queued as (\w{8})\r\n$");
        Assert.True(m.Success, "not accepted");
        return m.Groups[1].Value;
    }

    [Fact]
    public void MessageThatFillsTheBudget_StillMovesIntoItsMailbox()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.SpoolMaxBytes = 64 * 1024;
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        string id = Send(gw, "person1@local.test", Big(40_000));
        gw.Settle();
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Equal(new[] { id + ".EML" }, gw.Folders.Card("U0000001").List());
        Assert.True(gw.Gateway.Spool.Space.UsedBytes <= config.SpoolMaxBytes);
    }

    [Fact]
    public void BounceOfAMessageThatFillsTheBudget_IsStillQueued()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.SpoolMaxBytes = 64 * 1024;
        var gw = new SimulatedGateway(config);
        gw.Deliveries.Reject("bbb.test");
        gw.Deliveries.Hang("lan.test"); // the bounce stays queued, for us to see
        string id = Send(gw, "x@bbb.test", Big(61_400));
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": sender non-delivery notification: "));
        Assert.DoesNotContain(gw.Log, l => l.Contains("spool full"));
        Assert.Contains(id + ": removed", gw.Log);
        Assert.True(gw.Gateway.Spool.Space.UsedBytes <= config.SpoolMaxBytes);
    }
}
