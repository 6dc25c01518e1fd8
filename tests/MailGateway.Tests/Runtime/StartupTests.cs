// Start-up on a card that is not clean: a damaged queue file is set aside (.BAD, kept for
// inspection), never a crash and never delivered; the postmaster is told by mail when
// queue.postmaster is set, and the log says so loudly when it is not.
using System.Text.RegularExpressions;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Runtime;

public class StartupTests
{
    private const string Content = "Subject: photos\r\nMessage-ID: <p@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";

    // A card with two queued messages, one of them torn in its last bytes.
    private static (SimulatedStorage Card, string Good, string Bad) CardWithADamagedFile()
    {
        var gw = new SimulatedGateway();
        var ids = new List<string>();
        foreach (string to in new[] { "a@bbb.test", "b@bbb.test" })
        {
            var client = gw.Connect();
            gw.Settle();
            ids.Add(Regex.Match(gw.SendMessage(client, "cam@lan.test", new[] { to }, Content), @"queued as (\w{8})").Groups[1].Value);
        }
        string name = ids[1] + ".MSG";
        int h = gw.Storage.OpenRead(name);
        var bytes = new byte[gw.Storage.Length(name)];
        gw.Storage.Read(h, 0, bytes, 0, bytes.Length);
        gw.Storage.Close(h);
        gw.Storage.Delete(name);
        h = gw.Storage.Create(name);
        gw.Storage.Append(h, bytes, 0, bytes.Length - 9);
        gw.Storage.Sync(h);
        gw.Storage.Close(h);
        gw.Storage.SyncDirectory();
        gw.Storage.Reboot();
        return (gw.Storage, ids[0], ids[1]);
    }

    [Fact]
    public void DamagedQueueFile_IsSetAside_AndThePostmasterGetsANotice()
    {
        var (card, good, bad) = CardWithADamagedFile();
        var config = SimulatedGateway.DefaultConfig();
        config.Postmaster = "admin@lan.test";
        var gw = new SimulatedGateway(config, storage: card);
        gw.Settle();
        Assert.True(card.Exists(bad + ".BAD"));
        Assert.Contains(gw.Log, l => Regex.IsMatch(l, "^" + bad + @": error: damaged queue file quarantined as " + bad + @"\.BAD: damaged record at byte \d+; from <cam@lan\.test> to 1 recipient\(s\)$"));
        var notice = SpoolContents.ReadAll(card).Single(m => m.Envelope.Recipients.SequenceEqual(new[] { "admin@lan.test" }));
        Assert.Equal("", notice.Envelope.Sender);
        Assert.Contains("Subject: 1 damaged queue file(s) set aside on gw.local.test\r\n", notice.BodyText);
        Assert.Contains("Auto-Submitted: auto-generated\r\n", notice.BodyText);
        Assert.Matches("\r\n" + bad + ": " + bad + @"\.MSG set aside as " + bad + @"\.BAD: damaged record at byte \d+; from <cam@lan\.test> to 1 recipient\(s\)\r\n", notice.BodyText);
        Assert.Contains(gw.Log, l => l.EndsWith(": postmaster notice of 1 damaged queue file(s) queued"));
        Assert.NotNull(gw.Gateway.Spool.Find(good));
    }

    [Fact]
    public void PostmasterNotice_ToALocalAliasedPostmaster_ReachesTheAliasTargetsMailbox()
    {
        // queue.postmaster = postmaster@local.test, and postmaster of local.test is an alias of
        // person1: the notice goes where mail from outside to that address would go.
        var (card, _, bad) = CardWithADamagedFile();
        var config = SimulatedGateway.DefaultConfig();
        config.Postmaster = "postmaster@local.test";
        config.Aliases = new[] { new MailGateway.Core.Config.Alias("postmaster", new[] { "person1" }) };
        var users = new MailGateway.Tests.Local.LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        var gw = new SimulatedGateway(config, storage: card, realDelivery: true, users: users);
        gw.Settle();
        string mailbox = Assert.Single(gw.Folders.Card("U0000001").List());
        int h = gw.Folders.Card("U0000001").OpenRead(mailbox);
        var bytes = new byte[gw.Folders.Card("U0000001").Length(mailbox)];
        gw.Folders.Card("U0000001").Read(h, 0, bytes, 0, bytes.Length);
        gw.Folders.Card("U0000001").Close(h);
        string text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.StartsWith("Return-Path: <>\r\nDelivered-To: person1@local.test\r\n", text);
        Assert.Contains("To: <postmaster@local.test>\r\n", text);
        Assert.Contains(bad + ".BAD", text);
    }

    [Fact]
    public void DamagedQueueFile_WithoutAPostmaster_IsReportedLoudlyInTheLog()
    {
        var (card, _, bad) = CardWithADamagedFile();
        var gw = new SimulatedGateway(storage: card);
        gw.Settle();
        Assert.True(card.Exists(bad + ".BAD"));
        Assert.Contains("error: 1 damaged queue file(s) set aside as .BAD at start-up (see above); set queue.postmaster to be told by mail", gw.Log);
        Assert.Single(SpoolContents.ReadAll(card)); // the good message, no notice
    }

    // The first questions about a new gateway, answered in its first lines: how mail leaves, and
    // who may send it anywhere.
    [Fact]
    public void AtStart_TheLogSaysHowMailLeaves_AndWhoMayRelay()
    {
        var gw = new SimulatedGateway();
        Assert.Contains("mail leaves by MX, port 25, through the system's resolver", gw.Log);
        Assert.Contains("may relay: 192.168.1.0/24 (relay.allow); anyone may send to local.test, relay.test", gw.Log);

        var config = SimulatedGateway.DefaultConfig();
        Assert.Null(MailGateway.Core.Config.ConfigParser.Set(config, "relay.smarthost", "smtp.provider.test:587"));
        Assert.Null(MailGateway.Core.Config.ConfigParser.Set(config, "relay.smarthost_user", "me"));
        Assert.Null(MailGateway.Core.Config.ConfigParser.Set(config, "route.local.test", "10.0.0.5:25"));
        Assert.Null(MailGateway.Core.Config.ConfigParser.Set(config, "relay.allow", ""));
        var routed = new SimulatedGateway(config);
        Assert.Contains("mail leaves through the smarthost smtp.provider.test:587 (TLS: starttls, as me); local.test to 10.0.0.5:25", routed.Log);
        Assert.Contains("may relay: no address (relay.allow is empty); anyone may send to local.test, relay.test", routed.Log);
    }
}
