// A card that cannot read at start-up is not a damaged queue (found by the fault campaign: a card
// that was full at boot failed the Close of a queue file being checked; recovery took the I/O error
// for damage and tried to set the message aside as .BAD — a message that had its 250, never
// delivered nor bounced). Now a queue file the card cannot give is kept as it is and loaded once
// the card reads again; a recipient log that cannot be read is not forgotten either (forgetting it
// would deliver again what was delivered and bounce again what was bounced); and an error closing
// a file that was read does not undo the reading (a full card fails closes).
using System.Text.RegularExpressions;
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Spool;

public class UnreadableAtStartTests
{
    private const string Content = "Subject: t\r\nMessage-ID: <t@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";

    private static string Send(SimulatedGateway gw, params string[] to)
    {
        var client = gw.Connect();
        gw.Settle();
        Match m = Regex.Match(gw.SendMessage(client, "cam@lan.test", to, Content), @"queued as (\w{8})\r\n$");
        Assert.True(m.Success);
        gw.Say(client, "QUIT\r\n");
        return m.Groups[1].Value;
    }

    [Fact]
    public void QueueFileTheCardCannotReadAtStart_IsKeptNotSetAside_AndDeliveredWhenItReadsAgain()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Defer("down.test");
        string id = Send(gw, "owner@down.test");
        gw.Settle();
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        foreach (string record in new[] { QueueIds.FileA, QueueIds.FileB, QueueClock.FileA, QueueClock.FileB })
            if (gw.Storage.Exists(record)) gw.Storage.Delete(record); // so that the first read is the queue file's
        gw.Storage.FailNext(StorageOperation.Read, new IOException("read error"));

        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        Assert.Contains(again.Log, l => l == id + ": warning: " + id + ".MSG cannot be read now (read error); kept, and tried again");
        Assert.DoesNotContain(again.Log, l => l.Contains("quarantined"));
        Assert.Equal(0, again.Gateway.Spool.Count);

        again.Deliveries.Deliver("down.test");
        for (int i = 0; i < 10; i++)
        {
            again.Clock.Advance(60_000);
            again.Settle();
        }
        Assert.Contains(id + ": read from the card at last; queued", again.Log);
        Assert.Contains(id + ": removed", again.Log);
        Assert.Single(again.Deliveries.Attempts, a => a.QueueId == id);
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".BAD") || n.EndsWith(".MSG"));
    }

    [Fact]
    public void FullCardAtStart_StillLoadsTheQueue_AndItsClock()
    {
        // A full card fails even the Close of a file opened for reading; what was read stands. The
        // queue clock read that way had been taken for missing: it started again at zero, and every
        // message arriving after looked an hour old at the next restart (an early delay warning).
        var gw = new SimulatedGateway();
        gw.Deliveries.Defer("down.test");
        string id = Send(gw, "owner@down.test");
        for (int i = 0; i < 60; i++)
        {
            gw.Clock.Advance(60_000);
            gw.Settle();
        }
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        gw.Storage.FailWrites(new IOException("No space left on device"));

        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        Assert.NotNull(again.Gateway.Spool.Find(id));
        Assert.InRange(again.Gateway.Queue.QueueTimeMs(again.Clock.MonotonicMs()), 55 * 60_000L, 65 * 60_000L);
    }

    [Fact]
    public void RecipientLogTheCardCannotGiveAtStart_IsNotForgotten()
    {
        var card = new FlakyLogReads(new SimulatedStorage());
        var log = new List<string>();
        var spool = new MailGateway.Core.Spool.Spool(card, new SpoolSpace(1 << 30), new ListLog(log));
        spool.RecoverAll();
        var envelope = new Envelope
        {
            ArrivalUnixMs = 1_790_000_000_000, ClientAddress = "192.168.1.9", Helo = "cam", Protocol = "ESMTP",
            Sender = "cam@lan.test", Recipients = new[] { "a@x.test", "b@y.test" },
        };
        MessageWriter writer = spool.Begin(envelope);
        byte[] body = System.Text.Encoding.ASCII.GetBytes(Content);
        writer.Write(body, 0, body.Length);
        spool.RequestCommit(writer);
        spool.CommitPending();
        QueuedMessage m = spool.Find(envelope.QueueId);
        m.Recipients[0].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(m, 0);

        card.FailLogReads = true;
        var after = new MailGateway.Core.Spool.Spool(card, new SpoolSpace(1 << 30), new ListLog(log));
        after.RecoverAll();
        Assert.Null(after.Find(envelope.QueueId));                 // kept aside, not queued with its progress forgotten
        Assert.Contains(card.Inner.List(), n => n == envelope.QueueId + ".RCP");
        card.FailLogReads = false;
        QueuedMessage loaded = Assert.Single(after.LoadUnreadable());
        Assert.Equal(RecipientStatus.Delivered, loaded.Recipients[0].State);
        Assert.Equal(RecipientStatus.Pending, loaded.Recipients[1].State);
    }

    // Storage whose recipient logs cannot be opened for reading while FailLogReads is set.
    private sealed class FlakyLogReads : IStorage
    {
        public readonly SimulatedStorage Inner;
        public bool FailLogReads;

        public FlakyLogReads(SimulatedStorage inner)
        {
            Inner = inner;
        }

        public int OpenRead(string name)
        {
            if (FailLogReads && name.EndsWith(".RCP")) throw new IOException("read error");
            return Inner.OpenRead(name);
        }

        public int Create(string name) => Inner.Create(name);
        public int OpenAppend(string name) => Inner.OpenAppend(name);
        public void Append(int handle, byte[] buffer, int offset, int count) => Inner.Append(handle, buffer, offset, count);
        public int Read(int handle, long position, byte[] buffer, int offset, int count) => Inner.Read(handle, position, buffer, offset, count);
        public void Sync(int handle) => Inner.Sync(handle);
        public void Close(int handle) => Inner.Close(handle);
        public bool Rename(string from, string to) => Inner.Rename(from, to);
        public void Delete(string name) => Inner.Delete(name);
        public bool Exists(string name) => Inner.Exists(name);
        public long Length(string name) => Inner.Length(name);
        public string[] List() => Inner.List();
        public string[] ListAfter(string after, int max) => Inner.ListAfter(after, max);
        public void SyncDirectory() => Inner.SyncDirectory();
    }
}
