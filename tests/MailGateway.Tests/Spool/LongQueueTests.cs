// A queue far longer than memory (the queue on the card, a bounded index in memory): a week-long
// uplink outage with cameras mailing all the time leaves 100,000 messages on the card. The gateway
// must listen at once, keep only queue.index_size of them in memory, and when the smarthost comes
// back deliver them all, the oldest first. The queue's memory is weighed object by object
// (Budget/ObjectSize, as `mailgw budget` weighs each part), against the same queue of 1,000.
using MailGateway.Core.Config;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;
using Xunit.Abstractions;

namespace MailGateway.Tests.Spool;

public class LongQueueTests
{
    private const long Second = 1000, Minute = 60 * Second;
    private readonly ITestOutputHelper _output;

    public LongQueueTests(ITestOutputHelper output)
    {
        _output = output;
    }

    // The smallest board's queue: queue.index_size as in the WT32-ETH01 profile (4 in memory).
    private static GatewayConfig SmallBoard()
    {
        GatewayConfig config = SimulatedGateway.DefaultConfig();
        Assert.Null(ConfigParser.Set(config, "queue.index_size", "4"));
        Assert.Null(ConfigParser.Set(config, "relay.smarthost", "smarthost.isp.test:587"));
        Assert.Null(ConfigParser.Set(config, "relay.smarthost_tls", "none"));
        Assert.Null(ConfigParser.Set(config, "queue.lifetime", "30d"));
        Assert.Null(ConfigParser.Set(config, "queue.warn_after", "0"));
        Assert.Null(ConfigParser.Set(config, "delivery.concurrency", "1"));
        return config;
    }

    // The card after the outage: count camera alerts, one a second, each tried once and deferred
    // for 5 minutes (the smarthost was down), written through the spool as the gateway writes them.
    private static SimulatedStorage CardAfterOutage(int count)
    {
        var card = new SimulatedStorage();
        var spool = new MailGateway.Core.Spool.Spool(card, new SpoolSpace(1L << 40), new ListLog(new List<string>()));
        spool.RecoverAll();
        byte[] body = System.Text.Encoding.ASCII.GetBytes(
            "Received: from cam (192.168.1.50)\r\nSubject: motion detected\r\nFrom: cam@lan.test\r\n\r\n" + new string('x', 200) + "\r\n");
        for (int i = 0; i < count; i++)
        {
            var envelope = new Envelope
            {
                Sender = "cam@lan.test",
                Recipients = new[] { "owner@isp.test" },
                ClientAddress = "192.168.1.50",
                Helo = "cam",
                Protocol = "ESMTP",
                ArrivalUnixMs = 1_790_000_000_000 + i * Second,
                ArrivalQueueMs = i * Second,
            };
            MessageWriter writer = spool.Begin(envelope);
            Assert.True(writer.Write(body, 0, body.Length));
            spool.RequestCommit(writer);
            if (i % 1000 != 999 && i != count - 1) continue;
            spool.CommitPending();
            for (int k = spool.Count - 1; k >= 0; k--)
            {
                QueuedMessage m = spool.Message(k);
                m.Recipients[0].Attempts = 1;
                m.Recipients[0].LastReply = "421 4.4.2 smarthost.isp.test: connection refused";
                m.Recipients[0].NextAttemptQueueMs = m.Envelope.ArrivalQueueMs + 5 * Minute;
                spool.UpdateRecipient(m, 0);
                spool.Evict(m);   // on the card only, as in a gateway whose memory is full
            }
        }
        // The queue clock went on meanwhile, as the gateway keeps it on the card, for another ten
        // minutes after the last alert: every retry is due, in the order the alerts came.
        var clock = new QueueClock(card);
        clock.Load(0);
        clock.Raise(count * Second + 10 * Minute, 0);
        clock.Checkpoint(0, 1_790_000_000_000 + count * Second, true);
        return card;
    }

    // A gateway over this card, its recovery cycle done (the harness's log and attempt lists
    // emptied). The uplink is still down: attempts hang (no reply yet).
    private static (SimulatedGateway gw, int startOperations) StartOver(SimulatedStorage card)
    {
        int operations = card.OperationCount;
        var gw = new SimulatedGateway(SmallBoard(), storage: card, clock: new VirtualClock(1_800_000_000_000), backgroundRecovery: true);
        int startOperations = card.OperationCount - operations;
        Assert.True(gw.Gateway.ListenerCount > 0);
        for (int pass = 0; gw.Gateway.Spool.Recovering; pass++)
        {
            Assert.True(pass < 100_000, "the recovery cycle does not end");
            gw.Gateway.RunOnce();
        }
        gw.Log.Clear();
        gw.Log.TrimExcess();
        gw.Deliveries.Attempts.Clear();
        gw.Deliveries.Attempts.TrimExcess();
        return (gw, startOperations);
    }

    // What the queue holds in memory: the spool's object graph (its resident messages, the scan's
    // page of names, its bookkeeping), weighed object by object as `mailgw budget` weighs parts,
    // without the card, the harness's log and the loop's scratch it points to.
    private static long QueueMemory(SimulatedGateway gw, SimulatedStorage card)
    {
        return new MailGateway.Emulator.Budget.ObjectSize().Share(card).Share(gw.Log).Share(gw.Gateway.Spool.Scratch).Weigh(gw.Gateway.Spool).Budget;
    }

    [Fact]
    public void HundredThousandQueuedMessages_ListenAtOnce_FitASmallBoardsHeap_AndLeaveOldestFirst()
    {
        const int Count = 100_000;
        SimulatedStorage emptyCard = CardAfterOutage(0);
        var (empty, _) = StartOver(emptyCard);
        long emptyBytes = QueueMemory(empty, emptyCard);
        SimulatedStorage smallCard = CardAfterOutage(1000);
        var (small, smallStart) = StartOver(smallCard);
        long smallBytes = QueueMemory(small, smallCard);
        SimulatedStorage card = CardAfterOutage(Count);
        var (gw, startOperations) = StartOver(card);
        long bytes = QueueMemory(gw, card);

        // Start-up reads a few records whatever the queue's length: it listens at once.
        _output.WriteLine("card operations at start: 1,000 messages " + smallStart + ", " + Count + " messages " + startOperations);
        Assert.InRange(startOperations, 0, 20);   // the ID sequence's and the clock's records, and the listeners
        Assert.Equal(Count, gw.Gateway.Spool.MessagesOnCard);
        Assert.InRange(gw.Gateway.Spool.Count, 1, 4);

        // The queue's memory: the same with 100,000 messages as with 1,000, and, beyond what the
        // spool holds with an empty queue (its bookkeeping, which the budget counts with the loop),
        // what `mailgw budget` gives the queue on this board (queue.index_size measured entries and
        // the scan's page).
        long budgeted = MailGateway.Emulator.Budget.PartSizes.QueueIndexEntryBytes(SmallBoard()).Budget * 4 +
                        MailGateway.Emulator.Budget.PartSizes.QueueScanPageBytes(SmallBoard()).Budget;
        _output.WriteLine("the queue in memory: empty " + emptyBytes + " B, 1,000 queued " + smallBytes + " B, " + Count + " queued " + bytes +
                          " B (mailgw budget for the queue: " + budgeted + " B)");
        Assert.InRange(bytes - emptyBytes, 0, budgeted);
        Assert.InRange(bytes - smallBytes, -256, 256);

        // The smarthost returns: every message leaves, the oldest first (by when it is due: on this
        // card, arrival order).
        gw.Deliveries.Deliver("isp.test");
        var order = new List<string>();
        for (int pass = 0; order.Count < Count; pass++)
        {
            if (pass >= 2_000_000)
            {
                var missing = Enumerable.Range(0, Count).Select(k => SpoolNames.MakeQueueId(order.Select(SpoolNames.ParseQueueId).Min() + k)).Except(order).Take(10);
                Assert.Fail("delivered " + order.Count + " of " + Count + "; in memory " + gw.Gateway.Spool.Count + ", cycle " + gw.Gateway.Spool.CycleActive +
                            ", all in memory " + gw.Gateway.Queue.AllInMemory + ", missing " + string.Join(" ", missing));
            }
            gw.Clock.Advance(10);
            gw.Gateway.RunOnce();
            foreach (string line in gw.Log)
            {
                if (line.Contains(", status=sent ")) order.Add(line.Substring(0, 8));
            }
            gw.Deliveries.Attempts.Clear();
            gw.Log.Clear();
            if (pass % 10_000 == 0)
            {
                // Memory stays bounded while the card drains.
                Assert.InRange(gw.Gateway.Spool.Count, 0, 4 + 1);
            }
        }
        Assert.Equal(Count, order.Distinct().Count());
        // Queue IDs are a sequence: on this card, rank in arrival order is the ID minus the first.
        long first = order.Select(SpoolNames.ParseQueueId).Min();
        int worst = 0;
        for (int k = 0; k < order.Count; k++) worst = Math.Max(worst, (int)Math.Abs(SpoolNames.ParseQueueId(order[k]) - first - k));
        _output.WriteLine("largest distance from arrival order: " + worst);
        Assert.Equal(0, worst);
        Assert.Equal(0, gw.Gateway.Spool.Count);
    }
}
