// Logs under systemd: when standard output is the journal's stream (JOURNAL_STREAM names it), each
// line is its text after a severity prefix journald reads, with no second time or program tag. A
// real process with a Unix socket as its standard output is in tests/interop/service.py.
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Host;

public class JournalLogTests
{
    [Theory]
    [InlineData("00000001: warning: internal error in delivery", "<4>")]
    [InlineData("error: spool: card removed", "<3>")]
    [InlineData("fatal: out of memory", "<3>")]
    [InlineData("connect from unknown[192.0.2.1]", "<6>")]
    public void Severity_IsReadFromTheWordsPostfixUses(string line, string prefix)
    {
        Assert.Equal(prefix, HostLog.Severity(line));
    }

    [Fact]
    public void InJournalMode_ALineIsItsSeverityAndText_WithoutTimeOrTag()
    {
        var written = new StringWriter();
        var log = new HostLog(written) { Journal = true };
        log.Line("00000001: warning: card full");
        log.Line("connect from unknown[192.0.2.1]\r\nforged: line");
        Assert.Equal("<4>00000001: warning: card full\n<6>connect from unknown[192.0.2.1]  forged: line\n", written.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void TheJournal_IsRecognisedOnlyWhenStandardOutputIsItsStream()
    {
        Assert.True(HostLog.IsJournal("8:123456", "socket:[123456]"));
        Assert.False(HostLog.IsJournal("8:123456", "socket:[999]"));       // a child with other output keeps the variable
        Assert.False(HostLog.IsJournal("8:123456", "pipe:[123456]"));
        Assert.False(HostLog.IsJournal(null, "socket:[123456]"));
        Assert.False(HostLog.IsJournal("nonsense", "socket:[123456]"));
    }
}
