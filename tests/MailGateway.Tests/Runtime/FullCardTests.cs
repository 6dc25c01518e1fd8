// A message that fills the card's budget (spool.max_bytes) must still leave it (found by the fault
// campaign: on a gateway with a small budget, a message for a local mailbox took nearly all of it
// in the queue, and its copy into the mailbox did not fit beside it — so it waited, refused every
// other message with 452 4.3.1, and at the end of queue.lifetime its bounce did not fit either:
// kept for ever, its sender never told). The last copy of a message into a mailbox, and the bounce
// after which nothing of a message is pending, take over the space of its queue file. And a .TMP
// that a power cut left in the mailbox in the middle of a copy is removed before the next try asks
// for room (it had kept the room the next try needed: the message waited until it expired). The
// .TMP a torn rename leaves beside its committed .MSG shares its clusters on FAT: it is not counted
// a second time (it had taken the whole budget: nothing could be delivered locally or bounced).
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

    [Fact]
    public void CopyCutShortByAPowerCut_DoesNotKeepTheNextTryFromTheRoomItNeeds()
    {
        for (int seed = 1; seed <= 200; seed++)
        {
            var config = SimulatedGateway.DefaultConfig();
            config.SpoolMaxBytes = 64 * 1024;
            config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
            var users = new LocalDeliveryTests.Users();
            users.Folders["person1"] = "U0000001";
            var gw = new SimulatedGateway(config, realDelivery: true, users: users);
            SimulatedStorage mailbox = gw.Folders.Card("U0000001");
            // Create the .TMP, most of the copy's appends (one per body record: the session's chunks), then the power goes.
            const int chunk = MailGateway.Core.Smtp.SmtpServerSession.BodyChunk;
            mailbox.CutPowerAfter((40_000 + chunk - 1) / chunk);
            string id;
            try
            {
                id = Send(gw, "person1@local.test", Big(40_000));
                gw.Settle();
                throw new InvalidOperationException("the power cut did not come");
            }
            catch (PowerCutException)
            {
                id = SpoolContents.Names(gw.Storage, ".MSG").Single().Substring(0, 8);
            }
            mailbox.RebootTorn(seed);
            gw.Storage.CutPowerNow();
            gw.Storage.Reboot();
            string tmp = mailbox.List().FirstOrDefault(n => n.EndsWith(".TMP"));
            if (tmp == null || mailbox.Length(tmp) < 30_000) continue; // this tear kept no big .TMP: another

            var again = new SimulatedGateway(config, storage: gw.Storage, clock: gw.Clock, realDelivery: true, users: users, folders: gw.Folders);
            again.Clock.Advance(60_000);
            again.Settle();
            Assert.True(again.Log.Contains(id + ": removed"), string.Join("\n", again.Log));
            Assert.Equal(new[] { id + ".EML" }, mailbox.List());
            return;
        }
        Assert.Fail("no seed up to 200 tore the copy after 30,000 bytes");
    }

    [Fact]
    public void TwinOfATornRename_IsNotCountedTwice()
    {
        for (int seed = 1; seed <= 200; seed++)
        {
            var config = SimulatedGateway.DefaultConfig();
            config.SpoolMaxBytes = 64 * 1024;
            var gw = new SimulatedGateway(config);
            var client = gw.Connect();
            gw.Settle();
            gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
            client.Write(Big(40_000));
            gw.Settle();
            // The commit: end record, sync, close, rename, then the folder sync: the power goes before that sync.
            gw.Storage.CutPowerAfter(4);
            try
            {
                gw.Say(client, ".\r\n");
            }
            catch (PowerCutException)
            {
            }
            gw.Storage.RebootTorn(seed);
            string[] names = gw.Storage.List();
            if (!names.Any(n => n.EndsWith(".TMP")) || !names.Any(n => n.EndsWith(".MSG"))) continue; // not torn half-way: another

            var again = new SimulatedGateway(config, storage: gw.Storage, clock: gw.Clock);
            string msg = names.Single(n => n.EndsWith(".MSG"));
            Assert.Contains(again.Log, l => l.Contains(msg.Substring(0, 8) + ".TMP left in place beside its committed message"));
            Assert.Equal(SpoolContents.QueueFiles(gw.Storage).Where(n => !n.EndsWith(".TMP")).Sum(n => gw.Storage.Length(n)),
                         again.Gateway.Spool.Space.UsedBytes);
            return;
        }
    }
}
