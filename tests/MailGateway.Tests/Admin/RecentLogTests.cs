// The console's log ring (RecentLog): whole lines only, the newest last, a line whose start the ring
// has overwritten never shown, over-long lines cut, UTF-8 kept intact.
using MailGateway.Core.Console;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Admin;

public class RecentLogTests
{
    private static List<string> Last(RecentLog log, int n)
    {
        var lines = new List<string>();
        long at = log.StartOfLast(n);
        while (at < log.End) lines.Add(log.LineAt(at, out at));
        return lines;
    }

    [Fact]
    public void AfterWrappingManyTimes_TheLastLinesComeBackWhole_AndNoCutLine()
    {
        var passed = new List<string>();
        var log = new RecentLog(new ListLog(passed), 256);
        for (int i = 0; i < 1000; i++) log.Line("line " + i + " " + new string('x', i % 37));
        Assert.Equal(1000, passed.Count); // every line still reaches the platform's log
        Assert.Equal(passed.TakeLast(3), Last(log, 3));
        var all = Last(log, 1000);
        Assert.InRange(all.Count, 4, 20);
        Assert.Equal(passed.TakeLast(all.Count), all); // whole lines, in order, none cut at its start
        Assert.InRange(all.Sum(l => l.Length + 1), 256 - 60, 256);
    }

    [Fact]
    public void ALongLine_IsCutToAQuarterOfTheRing_AndUtf8StaysWhole()
    {
        var log = new RecentLog(new ListLog(new List<string>()), 1024);
        log.Line(new string('y', 5000));
        log.Line("Grüße aus der Küche: ✉");
        var lines = Last(log, 2);
        Assert.Equal(new string('y', 256), lines[0]);
        Assert.Equal("Grüße aus der Küche: ✉", lines[1]);
    }

    [Fact]
    public void TheLastWarning_IsKeptWhileTheRingHoldsIt()
    {
        var log = new RecentLog(new ListLog(new List<string>()), 256);
        Assert.Null(log.LastWarning);
        log.Line("00000001: warning: internal error in delivery");
        log.Line("connect from unknown[192.0.2.1]");
        Assert.Equal("00000001: warning: internal error in delivery", log.LastWarning);
        for (int i = 0; i < 50; i++) log.Line("filler " + i);
        Assert.Null(log.LastWarning);
    }
}
