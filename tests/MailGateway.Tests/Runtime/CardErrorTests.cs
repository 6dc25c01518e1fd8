// Card errors the fault campaign (mailgw simulate campaign) ran into, each a regression test:
//   - a Close that reports an error still releases its handle (close(2), HostStorage, and now
//     SimulatedStorage): code that kept the handle and closed it again got
//     InvalidOperationException, which escaped the commit batch and so the loop,
//     or was counted as an internal error (local delivery, POP3's QUIT);
//   - a card that cannot give back a queued message while it is being sent is a card error: the
//     attempt is deferred, it is not an internal error that three times over puts the message on
//     hold;
//   - a file the card would not delete (an aborted message's .TMP, or one recovery found at
//     start-up) was left until the next restart while its bytes were already given back (or never
//     counted); it is now deleted again a minute later;
//   - a message found already in the mailbox on a later try (its first copy's folder sync had
//     failed) was declared delivered without syncing the folder: a power cut then lost it;
//   - a recipient log whose folder sync failed when it was created was never synced again: every
//     later record went into a file a power cut could take away, and after one a recipient was
//     delivered twice;
//   - a message taken back after its commit's folder sync failed (its client got 451) was deleted
//     without syncing the deletion: a power cut that kept the rename and lost the delete brought
//     it back, and with the client's retry it was delivered twice.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class CardErrorTests
{
    private const string Content = "Subject: t\r\nMessage-ID: <t@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";

    [Fact]
    public void CloseThatFailsAtTheCommit_Gets451_LeavesNoTemporaryFile_AndTheLoopGoesOn()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
        gw.Say(client, Content);
        gw.Storage.FailNext(StorageOperation.Close, new IOException("close failed"));
        Assert.Equal("451 4.3.0 Could not store the message, try again later\r\n", gw.Say(client, ".\r\n"));
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".TMP") || n.EndsWith(".MSG"));
        Assert.Equal(0, gw.Gateway.InternalErrors);

        gw.Say(client, "MAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
        Assert.Matches(@"^250 2\.0\.0 Ok: queued as \w{8}\r\n$", gw.Say(client, Content + ".\r\n"));
    }

    private static (SimulatedGateway Gw, LocalDeliveryTests.Users Users) LocalGateway()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        config.Pop3AuthPlaintext = true;
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        return (new SimulatedGateway(config, realDelivery: true, users: users), users);
    }

    private static string Send(SimulatedGateway gw, params string[] to)
    {
        var client = gw.Connect();
        gw.Settle();
        string replies = gw.SendMessage(client, "cam@lan.test", to, Content);
        Match m = Regex.Match(replies, @"queued as (\w{8})\r\n$");
        Assert.True(m.Success, replies);
        return m.Groups[1].Value;
    }

    [Fact]
    public void CloseThatFailsInLocalDelivery_DefersIt_WithoutAnInternalError_AndTheRetryDeliversOnce()
    {
        var (gw, _) = LocalGateway();
        SimulatedStorage mailbox = gw.Folders.Card("U0000001");
        mailbox.FailNext(StorageOperation.Close, new IOException("close failed"));
        string id = Send(gw, "person1@local.test");
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person1@local.test>, relay=local") && l.Contains("status=deferred (451 4.3.0 cannot write to the mailbox: close failed)"));
        Assert.Equal(0, gw.Gateway.Queue.InternalErrors);

        gw.Clock.Advance(10 * 60_000);
        gw.Settle();
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Equal(new[] { id + ".EML" }, mailbox.List());
    }

    [Fact]
    public void CloseThatFailsAtPop3Quit_StillDeletes_AndSaysOk()
    {
        var (gw, _) = LocalGateway();
        Send(gw, "person1@local.test");
        gw.Settle();
        var pop3 = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        gw.Settle();
        pop3.ReadNew();
        Assert.StartsWith("+OK", gw.Say(pop3, "USER person1\r\n"));
        Assert.StartsWith("+OK person1's maildrop has 1 message", gw.Say(pop3, "PASS s3cret\r\n"));
        Assert.StartsWith("+OK", gw.Say(pop3, "RETR 1\r\n"));
        Assert.StartsWith("+OK", gw.Say(pop3, "DELE 1\r\n"));
        gw.Folders.Card("U0000001").FailNext(StorageOperation.Close, new IOException("close failed"));
        Assert.StartsWith("+OK", gw.Say(pop3, "QUIT\r\n"));
        Assert.Empty(gw.Folders.Card("U0000001").List());
        Assert.Equal(0, gw.Gateway.InternalErrors);
    }

    [Fact]
    public void ReadErrorWhileSending_DefersTheAttemptBeforeTheFinalDot_AndIsNoInternalError()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new Route("bbb.test", new HostPort("10.0.0.5", 25)) };
        var gw = new SimulatedGateway(config, realDelivery: true);
        var server = gw.Network.Serve("10.0.0.5", 25);
        string id = Send(gw, "x@bbb.test");
        gw.Settle();
        var peer = server.Accept();
        peer.Write("220 mx ESMTP\r\n");
        gw.Settle();
        peer.Write("250-mx\r\n250 PIPELINING\r\n");
        gw.Settle();
        gw.Storage.FailNext(StorageOperation.Read, new IOException("read error"));
        peer.Write("250 ok\r\n250 ok\r\n354 go\r\n");
        gw.Settle();
        Assert.True(peer.GatewayClosed);
        Assert.DoesNotContain("\r\n.\r\n", peer.AllReceived);
        Assert.Contains(id + ": warning: cannot read the queue file: read error; will try again", gw.Log);
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<x@bbb.test>") && l.Contains("status=deferred (451 4.3.0 cannot read the queue file: read error)"));
        Assert.Equal(0, gw.Gateway.Queue.InternalErrors);
        Assert.NotNull(gw.Gateway.Spool.Find(id));
    }

    [Fact]
    public void TemporaryFileTheCardWouldNotDelete_IsDeletedLater_AndCountedUntilThen()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
        gw.Say(client, Content);
        gw.Storage.FailWrites(new IOException("write protected"));
        client.Reset(); // the client goes away in the middle of the message
        gw.Settle();
        string tmp = Assert.Single(gw.Storage.List(), n => n.EndsWith(".TMP"));
        Assert.Equal(gw.Storage.Length(tmp), gw.Gateway.Spool.Space.UsedBytes);

        gw.Storage.HealWrites();
        gw.Clock.Advance(2 * 60_000);
        gw.Settle();
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".TMP"));
        Assert.Equal(0, gw.Gateway.Spool.Space.UsedBytes);
    }

    [Fact]
    public void TemporaryFileRecoveryCouldNotDelete_IsDeletedOnceTheCardLetsIt()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
        gw.Say(client, Content);
        Send(gw, "y@bbb.test"); // its commit syncs the folder: the unfinished .TMP's name is on the card too
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        gw.Storage.FailWrites(new IOException("No space left on device"));
        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        string tmp = Assert.Single(gw.Storage.List(), n => n.EndsWith(".TMP"));
        Assert.Contains(again.Log, l => l.Contains("cannot remove unfinished " + tmp));
        long OnTheCard() => SpoolContents.QueueFiles(gw.Storage).Sum(n => gw.Storage.Length(n));
        Assert.Equal(OnTheCard(), again.Gateway.Spool.Space.UsedBytes); // the .TMP counted

        gw.Storage.HealWrites();
        again.Clock.Advance(2 * 60_000);
        again.Settle();
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".TMP"));
        Assert.Equal(OnTheCard(), again.Gateway.Spool.Space.UsedBytes);
    }

    [Fact]
    public void MessageFoundInTheMailboxOnALaterTry_IsMadeDurableBeforeTheQueueLetsGo()
    {
        var (gw, _) = LocalGateway();
        SimulatedStorage mailbox = gw.Folders.Card("U0000001");
        mailbox.FailNext(StorageOperation.SyncDirectory, new IOException("sync failed")); // after the rename
        string id = Send(gw, "person1@local.test");
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person1@local.test>") && l.Contains("status=deferred"));
        gw.Clock.Advance(10 * 60_000);
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person1@local.test>") && l.Contains("already in mailbox"));
        Assert.Contains(id + ": removed", gw.Log);

        mailbox.CutPowerNow();
        mailbox.Reboot();
        Assert.Equal(new[] { id + ".EML" }, mailbox.List());
    }

    [Fact]
    public void RecipientLogWhoseCreationWasNotSynced_IsSyncedByTheNextRecord_SoAPowerCutForgetsNothing()
    {
        var gw = new SimulatedGateway();            // both attempts hang for now
        string id = Send(gw, "x@slow.test", "y@up.test");
        gw.Storage.FailNext(StorageOperation.SyncDirectory, new IOException("sync failed"));
        gw.Deliveries.Defer("slow.test");          // its outcome creates the recipient log
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": warning: cannot record delivery progress for <x@slow.test>"));
        gw.Deliveries.Deliver("up.test");
        gw.Clock.Advance(60_000);
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<y@up.test>") && l.Contains("status=sent"));

        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        again.Deliveries.Deliver("slow.test");
        again.Deliveries.Deliver("up.test");
        again.Clock.Advance(10 * 60_000);
        again.Settle();
        Assert.DoesNotContain(again.Deliveries.Attempts, a => a.Recipients.Contains("y@up.test")); // not delivered twice
        Assert.Contains(id + ": removed", again.Log);
    }

    [Fact]
    public void MessageTakenBackAfterAFailedCommitSync_StaysGone_WhateverAPowerCutKeeps()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            var gw = new SimulatedGateway();
            var client = gw.Connect();
            gw.Settle();
            gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\n");
            gw.Say(client, Content);
            gw.Storage.FailNext(StorageOperation.SyncDirectory, new IOException("sync failed"));
            Assert.Equal("451 4.3.0 Could not store the message, try again later\r\n", gw.Say(client, ".\r\n"));
            gw.Storage.CutPowerNow();
            gw.Storage.RebootTorn(seed);
            Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".MSG"));
        }
    }
}
