using MailGateway.Core.Delivery;

namespace MailGateway.Tests.Delivery;

public class RetryScheduleTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(4, 40)]
    [InlineData(7, 240)]
    [InlineData(30, 240)]
    public void Default_FrontLoadsThenSettlesEvery4Hours(int failedAttempts, int minutes)
    {
        var schedule = new RetrySchedule(RetrySchedule.DefaultWaitsMs);
        Assert.Equal(minutes * 60_000L, schedule.BaseWaitMs(failedAttempts));
    }

    [Fact]
    public void Default_TriesAbout30TimesIn4Days_AndIsNeverMoreThan4HoursApartLater()
    {
        var schedule = new RetrySchedule(RetrySchedule.DefaultWaitsMs);
        long t = 0;
        int attempts = 1;
        while (true)
        {
            long next = t + schedule.BaseWaitMs(attempts);
            if (next > 4 * 86_400_000L) break;
            t = next;
            attempts++;
        }
        Assert.InRange(attempts, 25, 35);
    }

    [Theory]
    [InlineData(0, 270_000)]
    [InlineData(500, 300_000)]
    [InlineData(999, 329_940)]
    public void Jitter_StaysWithinTenPercent(int perMille, long wait)
    {
        var schedule = new RetrySchedule(RetrySchedule.DefaultWaitsMs);
        Assert.Equal(1_000 + wait, schedule.NextAttemptMs(1_000, 1, perMille));
    }
}
