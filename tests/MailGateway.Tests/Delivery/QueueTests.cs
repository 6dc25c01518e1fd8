// The queue as a sender meets it, on simulated parts with a controllable clock: mail is delivered
// and removed, deferred mail is retried on the schedule for days, permanent failures and expired
// mail come back as one RFC 3464 bounce, one delay warning is sent, bounces are never bounced, and
// all of it survives a restart.
using System.Text.RegularExpressions;
using MailGateway.Core.Delivery;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;
using MimeKit;

namespace MailGateway.Tests.Delivery;

public class QueueTests
{
    private const string Content = "Subject: photos\r\nMessage-ID: <p@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nhello\r\n";

    /// <summary>A gateway whose outbound attempts find what script says, with one message queued.</summary>
    private static (SimulatedGateway Gw, string Id) Queued(Action<ScriptedDeliveries> script, string from, params string[] to)
    {
        var gw = new SimulatedGateway();
        script(gw.Deliveries);
        string id = Send(gw, from, to);
        return (gw, id);
    }

    private static string Send(SimulatedGateway gw, string from, params string[] to) => gw.Queue(from, to, Content);

    private static void Pass(SimulatedGateway gw, long advanceMs)
    {
        gw.Clock.Advance(advanceMs);
        gw.Settle();
    }

    private static StoredMessage[] BouncesTo(SimulatedGateway gw, string sender) =>
        SpoolContents.ReadAll(gw.Storage).Where(m => m.Envelope.Sender == "" && m.Envelope.Recipients.SequenceEqual(new[] { sender })).ToArray();

    [Fact]
    public void DeliveredMessage_IsLoggedAndRemoved()
    {
        var (gw, id) = Queued(d => { d.Deliver("bbb.test"); }, "cam@lan.test", "owner@bbb.test");
        Pass(gw, 0);
        Assert.Contains(gw.Log, l => Regex.IsMatch(l, "^" + id + @": to=<owner@bbb\.test>, relay=mx\.bbb\.test\[192\.0\.2\.25\]:25, delay=\d+\.\d, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as REMOTE1\)$"));
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Equal(0, gw.Gateway.Spool.Count);
    }

    [Fact]
    public void WhenMoreMailIsDueThanDeliverySlots_TheMessageDueLongestGoesFirst()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxDeliveries = 1;
        var gw = new SimulatedGateway(config);
        gw.Deliveries.Defer("bbb.test");
        string first = Send(gw, "cam@lan.test", "a@bbb.test");      // queued first, deferred twice: due ~15 min
        Pass(gw, 0);
        Pass(gw, 6 * 60_000);
        string second = Send(gw, "cam@lan.test", "b@bbb.test");     // queued later, deferred once: due ~11-12 min
        Pass(gw, 0);
        gw.Deliveries.Attempts.Clear();
        gw.Deliveries.Deliver("bbb.test");
        Pass(gw, 20 * 60_000);                                      // both due now; one slot
        Assert.Equal(new[] { second, first }, gw.Deliveries.Attempts.Select(a => a.QueueId).ToArray());
    }

    [Fact]
    public void RecipientsForDifferentDestinations_AreSeparateAttempts_AndOnlyTheDeferredOneIsRetried()
    {
        var (gw, id) = Queued(d => { d.Deliver("bbb.test"); d.Defer("ccc.test"); }, "cam@lan.test", "a@bbb.test", "b@bbb.test", "c@ccc.test");
        Pass(gw, 0);
        Assert.Equal(2, gw.Deliveries.Attempts.Count);
        Assert.Equal(new[] { "a@bbb.test", "b@bbb.test" }, gw.Deliveries.Attempts.Single(a => a.DestinationKey == "mx:bbb.test").Recipients);
        Pass(gw, 4 * 60_000); // before the first retry (5 min, at most 10% early)
        Assert.Equal(2, gw.Deliveries.Attempts.Count);
        Pass(gw, 2 * 60_000);
        Assert.Equal(3, gw.Deliveries.Attempts.Count);
        Assert.Equal(new[] { "c@ccc.test" }, gw.Deliveries.Attempts[2].Recipients);
    }

    [Fact]
    public void DeferredMail_IsRetriedOnTheScheduleForDays_ThenReturnedAsExpired()
    {
        var (gw, id) = Queued(d => { d.Defer("down.test", "451 4.4.1 host mx.down.test not responding"); d.Deliver("lan.test"); /* where the bounce goes */ }, "cam@lan.test", "owner@down.test");
        long elapsed = 0;
        const long step = 60_000;
        while (elapsed < 4 * 86_400_000L + 10 * step)
        {
            Pass(gw, step);
            elapsed += step;
        }
        var attempts = gw.Deliveries.Attempts.Where(a => a.QueueId == id).Select(a => a.AtMs).ToArray();
        Assert.InRange(attempts.Length, 25, 35);
        // Gaps grow from minutes to hours and never exceed 4 h + 10% jitter.
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToArray();
        Assert.InRange(gaps[0], 4 * 60_000L, 6 * 60_000L);
        Assert.All(gaps, g => Assert.InRange(g, 4 * 60_000L, 264 * 60_000L + step));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<owner@down.test>, relay=none") && l.Contains("dsn=4.4.7, status=expired, returned to sender"));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": sender non-delivery notification: "));
        Assert.Contains(id + ": removed", gw.Log);
        // The bounce itself was delivered to the sender's domain and removed too: nothing is left.
        Assert.Equal(0, gw.Gateway.Spool.Count);
        // Two reports went back to the sender: the delay warning after 4 h and the final bounce.
        var reports = gw.Deliveries.Attempts.Where(a => a.Recipients.SequenceEqual(new[] { "cam@lan.test" }) && a.QueueId != id).ToArray();
        Assert.Equal(2, reports.Length);
        Assert.All(reports, r => Assert.Equal("mx:lan.test", r.DestinationKey));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": sender delay notification: "));
    }

    [Fact]
    public void PermanentFailure_BouncesOnce_CoveringEveryFailedRecipient()
    {
        var (gw, id) = Queued(d => { d.Reject("bbb.test", "550 5.1.1 <x@bbb.test>: Recipient address rejected: User unknown"); d.Reject("ccc.test", "554 5.7.1 Relay access denied"); }, "person1@aaa.test", "x@bbb.test", "y@bbb.test", "z@ccc.test");
        Pass(gw, 0);
        var bounce = Assert.Single(BouncesTo(gw, "person1@aaa.test"));
        var report = MimeMessage.Load(new MemoryStream(bounce.Body));
        var status = ((MultipartReport)report.Body).OfType<MessageDeliveryStatus>().Single();
        Assert.Equal(new[] { "rfc822; x@bbb.test", "rfc822; y@bbb.test", "rfc822; z@ccc.test" },
                     status.StatusGroups.Skip(1).Select(g => g["Final-Recipient"]).OrderBy(x => x));
        Assert.Equal("auto-replied", report.Headers["Auto-Submitted"]);
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<z@ccc.test>") && l.EndsWith("status=bounced (554 5.7.1 Relay access denied)"));
    }

    [Fact]
    public void MessageWithNullSender_IsNeverBounced()
    {
        var (gw, id) = Queued(d => { d.Reject("bbb.test"); }, "", "x@bbb.test");
        Pass(gw, 0);
        Assert.Contains(id + ": undeliverable message with null sender; discarded", gw.Log);
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Single(gw.Deliveries.Attempts);
    }

    [Fact]
    public void MessageWithNullSender_IsCopiedToThePostmaster_WhenOneIsConfigured()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Postmaster = "admin@lan.test";
        var gw = new SimulatedGateway(config);
        string id = Send(gw, "", "x@bbb.test");
        gw.Deliveries.Reject("bbb.test");
        Pass(gw, 0);
        var copy = Assert.Single(BouncesTo(gw, "admin@lan.test"));
        Assert.Equal("admin@lan.test", MimeMessage.Load(new MemoryStream(copy.Body)).To.Mailboxes.Single().Address);
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": postmaster non-delivery notification: "));
    }

    [Fact]
    public void PostmasterCopyThatCannotBeDelivered_IsDiscarded_NotCopiedAgain()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Postmaster = "admin@broken.test";
        var gw = new SimulatedGateway(config);
        gw.Deliveries.Reject("bbb.test");
        gw.Deliveries.Reject("broken.test");
        string id = Send(gw, "", "x@bbb.test");
        for (int i = 0; i < 5; i++) Pass(gw, 60_000);
        Assert.Single(gw.Log, l => l.EndsWith("; copy to postmaster <admin@broken.test>"));
        Assert.Single(gw.Log, l => l.EndsWith("undeliverable message with null sender; discarded"));
        Assert.Equal(0, gw.Gateway.Spool.Count);
        Assert.Equal(2, gw.Deliveries.Attempts.Count);
    }

    [Fact]
    public void SlowDelivery_GetsExactlyOneDelayWarning_After4Hours()
    {
        var (gw, id) = Queued(d => { d.Defer("slow.test"); }, "cam@lan.test", "owner@slow.test");
        for (int i = 0; i < 3 * 60; i++) Pass(gw, 60_000); // 3 hours
        Assert.Empty(BouncesTo(gw, "cam@lan.test"));
        for (int i = 0; i < 4 * 60; i++) Pass(gw, 60_000); // 7 hours
        var warning = Assert.Single(BouncesTo(gw, "cam@lan.test"));
        var report = MimeMessage.Load(new MemoryStream(warning.Body));
        Assert.Equal("Delayed Mail (still being retried)", report.Subject);
        Assert.Equal("delayed", ((MultipartReport)report.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups[1]["Action"]);
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": sender delay notification: "));
        Assert.Equal(1, gw.Gateway.Spool.Count - 1); // the original is still queued beside the warning
    }

    [Fact]
    public void DelayWarning_IsNotRepeatedAfterARestart()
    {
        var (gw, id) = Queued(d => { d.Defer("slow.test"); }, "cam@lan.test", "owner@slow.test");
        for (int i = 0; i < 5 * 60; i++) Pass(gw, 60_000);
        Assert.Single(BouncesTo(gw, "cam@lan.test"));
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        var restarted = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        restarted.Deliveries.Defer("slow.test");
        for (int i = 0; i < 60; i++) Pass(restarted, 60_000);
        Assert.DoesNotContain(restarted.Log, l => l.Contains("sender delay notification"));
    }

    [Fact]
    public void WarnAfterZero_SendsNoWarning()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.WarnAfterMs = 0;
        var gw = new SimulatedGateway(config);
        Send(gw, "cam@lan.test", "owner@slow.test");
        gw.Deliveries.Defer("slow.test");
        for (int i = 0; i < 10 * 60; i++) Pass(gw, 60_000);
        Assert.Empty(BouncesTo(gw, "cam@lan.test"));
    }

    [Fact]
    public void Progress_SurvivesARestart_AndOverdueMailWaitsAMoment_ThenGoesInTheOrderItWasDue()
    {
        var gw = new SimulatedGateway();
        var ids = Enumerable.Range(0, 5).Select(i => Send(gw, "cam@lan.test", "x" + i + "@down.test", "y" + i + "@up.test")).ToArray();
        gw.Deliveries.Deliver("up.test");
        gw.Deliveries.Defer("down.test");
        Pass(gw, 0);
        Assert.Equal(10, gw.Deliveries.Attempts.Count);
        // When each deferred recipient was due (the waits have ±10% jitter).
        string[] dueOrder = ids.OrderBy(id => gw.Gateway.Spool.Find(id).Recipients.Single(r => r.Address.StartsWith("x")).NextAttemptQueueMs).ToArray();
        gw.Storage.CutPowerNow();
        gw.Storage.Reboot();
        gw.Clock.Advance(3_600_000); // the box was off for an hour: every retry is overdue

        long restartMs = gw.Clock.MonotonicMs();
        var restarted = new SimulatedGateway(storage: gw.Storage, clock: gw.Clock);
        restarted.Deliveries.Deliver("down.test");
        restarted.Deliveries.Deliver("up.test");
        restarted.Settle();
        Assert.Empty(restarted.Deliveries.Attempts); // not all at once after the reboot
        for (int s = 0; s < 31; s++) Pass(restarted, 1_000);
        // Only the deferred recipients are tried again; the delivered ones are remembered.
        Assert.Equal(5, restarted.Deliveries.Attempts.Count);
        Assert.All(restarted.Deliveries.Attempts, a => Assert.StartsWith("x", a.Recipients.Single()));
        Assert.All(restarted.Deliveries.Attempts, a => Assert.True(a.AtMs - restartMs >= QueueRunner.StartupSpreadMs / 10, "not at once after the reboot"));
        // The longest overdue goes first (retries due within a few seconds of each other may tie,
        // and then go by arrival).
        Assert.Equal(dueOrder[0], restarted.Deliveries.Attempts[0].QueueId);
        Assert.Equal(0, restarted.Gateway.Spool.Count);
    }

    [Fact]
    public void Concurrency_IsLimited()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxDeliveries = 2;
        var gw = new SimulatedGateway(config);
        for (int i = 0; i < 5; i++) Send(gw, "cam@lan.test", "x@hang" + i + ".test");
        Pass(gw, 0);
        Assert.Equal(2, gw.Deliveries.Attempts.Count);
        Assert.Equal(2, gw.Gateway.Queue.RunningJobs);
        gw.Deliveries.Deliver("hang0.test");
        gw.Deliveries.Deliver("hang1.test");
        Pass(gw, 0);
        Assert.Equal(4, gw.Deliveries.Attempts.Count);
    }

    [Fact]
    public void Flush_RetriesEverythingNow()
    {
        var (gw, id) = Queued(d => { d.Defer("down.test"); }, "cam@lan.test", "owner@down.test");
        Pass(gw, 0);
        Pass(gw, 60_000);
        Assert.Single(gw.Deliveries.Attempts);
        gw.Gateway.Queue.FlushNow();
        Pass(gw, 0);
        Assert.Equal(2, gw.Deliveries.Attempts.Count);
    }

    [Fact]
    public void LocalDomainWithoutRoute_IsKeptForLocalDelivery_AndRoutesAndSmarthostAreChosen()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Routes = new[] { new MailGateway.Core.Config.Route("relay.test", new MailGateway.Core.Config.HostPort("10.0.0.5", 25)) };
        var router = new Router(config);
        Assert.Equal("local:local.test", router.Route("p@LOCAL.test").Key);
        Assert.Equal("route:10.0.0.5:25", router.Route("p@relay.test").Key);
        Assert.Equal("mx:bbb.test", router.Route("p@bbb.test").Key);
        config.Smarthost = new MailGateway.Core.Config.HostPort("smtp.provider.test", 587);
        Assert.Equal("smarthost:smtp.provider.test:587", new Router(config).Route("p@bbb.test").Key);
        Assert.Equal("route:10.0.0.5:25", new Router(config).Route("p@relay.test").Key);
    }
}
