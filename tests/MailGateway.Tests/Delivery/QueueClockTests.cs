// Ages and retry times on the queue clock, not the wall clock (DESIGN: time may be unknown; a clock
// that jumps never expires or bounces mail). Found by the fault campaign: with ages taken from the
// wall clock, an ESP32 that took mail before SNTP answered (1970) expired all of it the moment the
// clock was set — the bounces it then queued expired too and, having the null sender, were dropped,
// so a sender whose recipient did not exist heard nothing; an NTP step of days did the same; and a
// step forward and back again left deferred mail waiting for days.
using System.Text.RegularExpressions;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Delivery;

public class QueueClockTests
{
    private const long Minute = 60_000, Hour = 60 * Minute, Day = 24 * Hour;
    private const long Year2026 = 1_790_000_000_000;
    private const string Content = "Subject: photos\r\nMessage-ID: <p@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";

    private static string Send(SimulatedGateway gw, string to = "owner@down.test")
    {
        var client = gw.Connect();
        gw.Settle();
        Match m = Regex.Match(gw.SendMessage(client, "cam@lan.test", new[] { to }, Content), @"queued as (\w{8})\r\n$");
        Assert.True(m.Success);
        gw.Say(client, "QUIT\r\n");
        return m.Groups[1].Value;
    }

    private static void Run(SimulatedGateway gw, long ms, long step = Minute)
    {
        for (long t = 0; t < ms; t += step)
        {
            gw.Clock.Advance(step);
            gw.Settle();
        }
    }

    private static bool Bounced(SimulatedGateway gw, string id) => gw.Log.Any(l => l.StartsWith(id + ": sender non-delivery notification"));

    [Fact]
    public void MailTakenBeforeSntp_IsNotExpiredWhenTheClockIsSet_AndIsDeliveredWhenTheHostReturns()
    {
        var gw = new SimulatedGateway(clock: new VirtualClock(12_345)); // 1970: no real-time clock
        gw.Deliveries.Defer("down.test");
        string id = Send(gw);
        Run(gw, 10 * Minute);
        gw.Clock.SetUnixMs(Year2026); // SNTP answers
        Run(gw, 30 * Minute);
        Assert.DoesNotContain(gw.Log, l => l.Contains("status=expired"));
        Assert.False(Bounced(gw, id));
        gw.Deliveries.Deliver("down.test");
        Run(gw, 2 * Hour);
        Assert.Contains(id + ": removed", gw.Log);
        Assert.False(Bounced(gw, id));
    }

    [Fact]
    public void NtpStepOfDaysForward_NeitherExpiresNorWarns_AndAStepBack_DoesNotStallRetries()
    {
        var gw = new SimulatedGateway();
        gw.Deliveries.Defer("down.test");
        string id = Send(gw);
        gw.Clock.SetUnixMs(gw.Clock.UnixMs() + 5 * Day);
        Run(gw, 10 * Minute);
        Assert.DoesNotContain(gw.Log, l => l.Contains("status=expired") || l.Contains("delay notification"));
        int before = gw.Deliveries.Attempts.Count(a => a.QueueId == id);
        gw.Clock.SetUnixMs(Year2026); // stepped back again
        Run(gw, 30 * Minute);
        Assert.True(gw.Deliveries.Attempts.Count(a => a.QueueId == id) > before, "deferred mail is tried again on its schedule");
        Assert.False(Bounced(gw, id));
    }

    [Fact]
    public void Lifetime_CountsRunningTime_AcrossRestarts_NotTheWallClock()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.QueueLifetimeMs = 10 * Hour;
        config.WarnAfterMs = 0;
        var gw = new SimulatedGateway(config);
        gw.Deliveries.Defer("down.test");
        gw.Deliveries.Deliver("lan.test");
        string id = Send(gw);
        Run(gw, 6 * Hour);
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        gw.Clock.SetUnixMs(1_000); // restarted without a real-time clock
        var again = new SimulatedGateway(config, storage: gw.Storage, clock: gw.Clock);
        again.Deliveries.Defer("down.test");
        again.Deliveries.Deliver("lan.test");
        Run(again, 3 * Hour + 30 * Minute);
        Assert.DoesNotContain(again.Log, l => l.Contains("status=expired"));
        // The card kept the queue clock (at most QueueClock.CheckpointMs of running is forgotten).
        Run(again, Hour);
        Assert.Contains(again.Log, l => l.StartsWith(id + ": to=<owner@down.test>, relay=none") && l.Contains("status=expired"));
    }

    [Fact]
    public void QueueClock_GoesOnFromTheCard_ForgettingAtMostOneCheckpoint_AndSurvivesATornWrite()
    {
        var card = new SimulatedStorage();
        var clock = new QueueClock(card);
        clock.Load(0);
        clock.Checkpoint(0, Year2026, true);
        clock.Checkpoint(12 * Minute, Year2026 + 12 * Minute, false); // 12 min of running: written
        Assert.Equal(12 * Minute, clock.NowMs(12 * Minute));
        card.CutPowerAfter(3);                                  // the next write is torn
        Assert.Throws<PowerCutException>(() => clock.Checkpoint(20 * Minute, Year2026 + 20 * Minute, false));
        card.RebootTorn(5);

        var after = new QueueClock(card);
        after.Load(1_000_000);
        Assert.InRange(after.NowMs(1_000_000), 12 * Minute, 20 * Minute);
        long downtime = after.DowntimeMs(Year2026 + 2 * Hour);
        Assert.True(downtime >= 100 * Minute && downtime <= 108 * Minute, "off from its last record to now: " + downtime);
        after.Raise(2 * Day, 1_000_000);                       // a stamp on the card from later on
        Assert.Equal(2 * Day, after.NowMs(1_000_000));
        Assert.Equal(0, after.DowntimeMs(5_000));               // 1970: the wall clock cannot tell
    }
}
