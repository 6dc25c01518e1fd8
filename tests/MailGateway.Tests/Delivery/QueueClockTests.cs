// Ages and retry times on the queue clock, not the wall clock (DESIGN: time may be unknown; a clock
// that jumps never expires or bounces mail). Found by the fault campaign: with ages taken from the
// wall clock, an ESP32 that took mail before SNTP answered (1970) expired all of it the moment the
// clock was set — the bounces it then queued expired too and, having the null sender, were dropped,
// so a sender whose recipient did not exist heard nothing; an NTP step of days did the same; and a
// step forward and back again left deferred mail waiting for days.
using System.Text.RegularExpressions;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Emulator.Simulation.Worlds;
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
    public void BeforeSntp_MailIsDeferredWith451_ThenAcceptedOnceTheClockIsSet_AndNeverExpiredByTheStep()
    {
        var gw = new SimulatedGateway(clock: new VirtualClock(12_345)); // 1970: no real-time clock
        gw.Deliveries.Defer("down.test");
        var client = gw.Connect();
        gw.Settle();
        string reply = gw.SendMessage(client, "cam@lan.test", new[] { "owner@down.test" }, Content);
        Assert.Contains("\r\n451 4.3.0 Clock not set yet, try again in a minute\r\n", reply);
        Assert.DoesNotContain("354 ", reply);
        Assert.DoesNotContain(gw.Storage.List(), n => n.EndsWith(".MSG") || n.EndsWith(".TMP")); // nothing stamped 1970 reached the card
        Assert.Equal(0, gw.Gateway.Spool.Count);
        gw.Say(client, "RSET\r\n");
        gw.Clock.SetUnixMs(Year2026);                             // SNTP answers
        Match m = Regex.Match(gw.SendMessage(client, "cam@lan.test", new[] { "owner@down.test" }, Content), @"queued as (\w{8})\r\n$");
        Assert.True(m.Success);
        string id = m.Groups[1].Value;
        Run(gw, 30 * Minute);
        Assert.DoesNotContain(gw.Log, l => l.Contains("status=expired"));
        gw.Deliveries.Deliver("down.test");
        Run(gw, 2 * Hour);
        Assert.Contains(id + ": removed", gw.Log);
        Assert.False(Bounced(gw, id));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<owner@down.test>") && l.Contains("status=sent"));
    }

    [Fact]
    public void ClockJumpingByYears_AndResettingTo1970AtEachBoot_BouncesNothing_AndRepeatsNoQueueId()
    {
        var config = SimulatedGateway.DefaultConfig();
        var card = new SimulatedStorage();
        var clock = new VirtualClock(Year2026);
        var ids = new List<string>();
        var logs = new List<string>();
        for (int boot = 0; boot < 4; boot++)
        {
            var gw = new SimulatedGateway(config, storage: card, clock: clock);
            gw.Deliveries.Defer("down.test");
            if (boot > 0) clock.SetUnixMs(12_345 + boot);        // each boot starts at 1970 until SNTP
            Run(gw, 2 * Minute);
            clock.SetUnixMs(Year2026 + (boot % 2 == 0 ? 10 : -1) * 365 * Day); // SNTP: ten years on, or a year back
            ids.Add(Send(gw));
            Run(gw, 20 * Minute);
            clock.SetUnixMs(clock.UnixMs() + (boot % 2 == 0 ? -20 : 20) * 365 * Day); // a wrong NTP step of decades
            Run(gw, 20 * Minute);
            logs.AddRange(gw.Log);
            card.CutPowerNow();
            card.Reboot();
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.DoesNotContain(logs, l => l.Contains("status=expired") || l.Contains("notification"));
        var last = new SimulatedGateway(config, storage: card, clock: clock);
        Assert.Equal(ids.Count, last.Gateway.Spool.Count);        // every message still queued, none lost
    }

    [Fact]
    public void Bounce_WaitsForTheClock_ThenCarriesTheRightDate()
    {
        var gw = new SimulatedGateway(clock: new VirtualClock(Year2026));
        gw.Deliveries.Defer("down.test");
        string id = Send(gw);
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        gw.Clock.SetUnixMs(12_345);                                // reboots at 1970
        var again = new SimulatedGateway(gw.Config, storage: gw.Storage, clock: gw.Clock);
        again.Deliveries.Reject("down.test");                      // the attempt fails for good
        Run(again, 30 * Minute);
        Assert.Contains(again.Log, l => l.StartsWith(id + ": to=<owner@down.test>") && l.Contains("status=bounced"));
        Assert.Contains("reports wait: the clock is not set yet", again.Log);
        Assert.False(Bounced(again, id));
        again.Clock.SetUnixMs(Year2026 + Day);                     // SNTP answers
        Run(again, 5 * Minute);
        Assert.True(Bounced(again, id));
        QueuedMessage report = Enumerable.Range(0, again.Gateway.Spool.Count).Select(again.Gateway.Spool.Message)
            .Single(q => q.Envelope.Sender == "");
        string bounce = System.Text.Encoding.UTF8.GetString(SpoolPeek.BodyOf(again.Storage.PeekFile(report.FileName)));
        string expectedDay = DateTimeOffset.FromUnixTimeMilliseconds(Year2026 + Day).ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("Date: ", bounce);
        Assert.Contains(expectedDay, bounce);
        Assert.DoesNotContain("1970", bounce);
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
