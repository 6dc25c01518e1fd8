// Nothing ends the process (DESIGN: the loop never dies): a bug planted in one session, one
// delivery job or the shared delivery pump is contained at that unit's boundary — logged with the
// exception's type and message, that session closed with 421 or that attempt deferred — while
// everybody else is served. A message whose attempts keep failing inside the gateway is put on
// hold after three in a row: kept on the card, never retried or bounced, held across a restart,
// released by the operator.
using System.Text.RegularExpressions;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Delivery;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class ContainmentTests
{
    private const string Content = "Subject: photos\r\nMessage-ID: <p@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";
    private const long Minute = 60_000, Hour = 60 * Minute, Day = 24 * Hour;

    private static string Send(SimulatedGateway gw, string to = "owner@bbb.test", string from = "192.168.1.50") =>
        gw.Queue("cam@lan.test", new[] { to }, Content, from);

    [Fact]
    public void SessionThatThrowsMidMessage_GetsA421_ItsMessageIsDropped_AndTheOtherClientIsServed()
    {
        var gw = new SimulatedGateway();
        var broken = gw.Connect("192.168.1.51");
        var fine = gw.Connect("192.168.1.52");
        gw.Settle();
        gw.Say(broken, "EHLO cam\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<x@bbb.test>\r\nDATA\r\nSubject: half\r\n\r\nfirst part\r\n");
        Assert.Single(gw.Storage.List(), n => n.EndsWith(".TMP"));
        broken.ThrowOnNextReceive = new InvalidOperationException("planted bug");
        broken.Write("second part\r\n");
        gw.Settle();

        Assert.EndsWith("421 4.3.0 Internal error, closing connection\r\n", broken.ReadNew());
        Assert.True(broken.ServerClosed);
        Assert.Contains(gw.Log, l => Regex.IsMatch(l, @"^warning: \w{8}: unknown\[192\.168\.1\.51\]: internal error in SMTP session: InvalidOperationException: planted bug; connection closed$"));
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".TMP")); // no 250 was sent: nothing kept
        Assert.Equal(1, gw.Gateway.InternalErrors);

        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", gw.SendMessage(fine, "b@lan.test", new[] { "y@bbb.test" }, Content));
        Assert.Equal(1, gw.Gateway.Spool.Count);
    }

    [Fact]
    public void Pop3SessionThatThrows_IsClosed_AndItsMailboxIsNotLeftLocked()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Aliases = new[] { new MailGateway.Core.Config.Alias("postmaster", new[] { "person1" }) };
        config.Pop3AuthPlaintext = true;
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        Send(gw, "person1@local.test");
        gw.Settle();

        var first = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        gw.Settle();
        Assert.Contains("+OK person1's maildrop has 1 message", gw.Say(first, "USER person1\r\nPASS s3cret\r\n") + gw.Say(first, ""));
        first.ThrowOnNextReceive = new NullReferenceException("planted bug");
        first.Write("STAT\r\n");
        gw.Settle();
        Assert.EndsWith("-ERR [SYS/TEMP] Internal error, closing connection\r\n", first.ReadNew());
        Assert.Contains(gw.Log, l => l.Contains("internal error in POP3 session: NullReferenceException: planted bug"));

        var second = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        gw.Settle();
        Assert.Contains("+OK person1's maildrop has 1 message", gw.Say(second, "USER person1\r\nPASS s3cret\r\n"));
    }

    [Fact]
    public void DeliveryJobThatThrows_IsDeferred_ThenHeldAfterThreeInARow_NeverBounced_HeldAcrossARestart_AndReleased()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Explode("bbb.test");
        gw.Deliveries.Deliver("ccc.test");
        string id = Send(gw);
        string other = Send(gw, "friend@ccc.test", "192.168.1.53");
        gw.Settle();
        Assert.Contains(gw.Log, l => l == id + ": warning: internal error in delivery: InvalidOperationException: planted bug in the delivery job; will try again");
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<owner@bbb.test>, relay=none") && l.Contains("dsn=4.3.0, status=deferred (451 4.3.0 internal error in delivery"));
        Assert.Contains(other + ": removed", gw.Log); // the other message was delivered meanwhile

        for (int i = 0; i < 3; i++)
        {
            gw.Clock.Advance(Hour);
            gw.Settle();
        }
        Assert.Equal(3, gw.Deliveries.Attempts.Count(a => a.QueueId == id));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": hold: 3 internal errors in a row (last: InvalidOperationException: planted bug in the delivery job); kept on the card"));
        Assert.True(gw.Gateway.Spool.Find(id).Held);

        // Days later, past queue.lifetime: never tried again, never bounced, still on the card.
        gw.Clock.Advance(5 * Day);
        gw.Settle();
        Assert.Equal(3, gw.Deliveries.Attempts.Count(a => a.QueueId == id));
        Assert.DoesNotContain(SpoolContents.ReadAll(gw.Storage), m => m.Envelope.Sender == "");
        Assert.NotNull(gw.Gateway.Spool.Find(id));

        // A restart keeps the hold.
        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        again.Deliveries.Deliver("bbb.test");
        Assert.Contains(again.Log, l => l.StartsWith("spool: 1 queued message(s), 1 on hold"));
        again.Clock.Advance(Day);
        again.Settle();
        Assert.Empty(again.Deliveries.Attempts);

        Assert.Null(again.Gateway.Queue.Release(id));
        again.Settle();
        Assert.Contains(again.Log, l => l == id + ": released from hold");
        Assert.Single(again.Deliveries.Attempts);
        Assert.Contains(id + ": removed", again.Log);
        Assert.Equal("no message NOSUCHID in the queue", again.Gateway.Queue.Release("NOSUCHID"));
    }

    [Fact]
    public void InternalErrorsThatAreNotInARow_DoNotHoldTheMessage()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Explode("bbb.test");
        string id = Send(gw);
        gw.Settle();
        gw.Clock.Advance(Hour);
        gw.Settle();                                   // two internal errors
        gw.Deliveries.Defer("bbb.test");
        gw.Clock.Advance(Hour);
        gw.Settle();                                   // an ordinary deferral in between
        gw.Deliveries.Explode("bbb.test");
        gw.Clock.Advance(Hour);
        gw.Settle();
        gw.Clock.Advance(Hour);
        gw.Settle();                                   // two more
        Assert.False(gw.Gateway.Spool.Find(id).Held);
        Assert.DoesNotContain(gw.Log, l => l.Contains(": hold: "));
    }

    [Fact]
    public void DeliveryPumpThatThrows_IsLogged_AndDeliveryGoesOn()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Deliver("bbb.test");
        gw.Deliveries.PumpThrows = new IndexOutOfRangeException("planted bug in the resolver");
        string id = Send(gw);
        gw.Settle();
        Assert.Contains("warning: internal error in the delivery pump (DNS, connection cache): IndexOutOfRangeException: planted bug in the resolver", gw.Log);
        Assert.Contains(id + ": removed", gw.Log);
    }

    // A message queued while the card worked, then delivered after the card turned read-only.
    private static (SimulatedGateway Gw, string Id) DeliveredWhileTheCardIsReadOnly()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Hang("bbb.test");
        string id = Send(gw);
        gw.Storage.FailWrites(new IOException("read-only file system"));
        gw.Deliveries.Deliver("bbb.test");
        gw.Clock.Advance(10 * Minute);
        gw.Settle();
        return (gw, id);
    }

    [Fact]
    public void CardThatTurnsReadOnly_KeepsTheGatewayUp_Refuses4xx_AndLosesNothing()
    {
        var (gw, id) = DeliveredWhileTheCardIsReadOnly();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<owner@bbb.test>") && l.Contains("status=sent"));
        // Its only recipient is done, so its removal is the record of the delivery, and that waits.
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": warning: cannot remove the delivered message from the card: read-only file system; will try again"));

        // New mail is refused with 4xx while the card cannot take it.
        var client = gw.Connect("192.168.1.55");
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<z@bbb.test>\r\n");
        Assert.Equal("451 4.3.0 Could not store the message, try again later\r\n", gw.Say(client, "DATA\r\n"));

        // The card comes back: the delivered message is recorded and removed.
        gw.Storage.HealWrites();
        gw.Clock.Advance(2 * Minute);
        gw.Settle();
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Equal(1, gw.Deliveries.Attempts.Count(a => a.QueueId == id));
    }

    [Fact]
    public void RestartWhileTheCardWasReadOnly_DeliversAgain_NeverLoses()
    {
        var (gw, id) = DeliveredWhileTheCardIsReadOnly();
        gw.Storage.HealWrites();
        gw.Storage.Reboot(); // the "delivered" record never reached the card

        var again = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        again.Deliveries.Deliver("bbb.test");
        again.Clock.Advance(Minute);
        again.Settle();
        Assert.Single(again.Deliveries.Attempts, a => a.QueueId == id); // a duplicate, never a loss
        Assert.Contains(id + ": removed", again.Log);
    }
}
