// The console's "dns DOMAIN" (DnsReport) over scripted lookups: MX records in preference order with
// each exchange's addresses, implicit MX, a null MX, NXDOMAIN and a failing DNS each said in what
// they mean for mail, and nothing written while an answer is out (the producer waits, so the loop
// does not spin).
using MailGateway.Core.Console;
using MailGateway.Core.Dns;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Admin;

public class DnsReportTests
{
    private sealed class ScriptedLookups : IDnsLookups
    {
        public readonly Dictionary<(string, int), DnsResult> Answers = new Dictionary<(string, int), DnsResult>();
        public readonly List<(string Name, int Type)> Asked = new List<(string, int)>();
        public bool Hold;
        public int Cancelled;

        public int Begin(string name, int type)
        {
            Asked.Add((name, type));
            return Asked.Count - 1;
        }

        public DnsResult Poll(int handle)
        {
            if (Hold) return null;
            var (name, type) = Asked[handle];
            return Answers.TryGetValue((name, type), out var r) ? r : DnsResult.Failure(name, type, DnsStatus.NxDomain, null);
        }

        public void Cancel(int handle) => Cancelled++;

        public void Ok(string name, int type, params DnsRecord[] records) =>
            Answers[(name, type)] = new DnsResult(name, type, DnsStatus.Ok, records, name, null);

        public void Status(string name, int type, DnsStatus status) =>
            Answers[(name, type)] = DnsResult.Failure(name, type, status, status == DnsStatus.Timeout ? "no answer from 192.0.2.53" : null);
    }

    private static string Run(ScriptedLookups lookups, string domain, int maxHosts = 5)
    {
        var session = new ConsoleSession(new ConsoleSettings(), "127.0.0.1", 0);
        Transmitter.Copy(session, new byte[4096], 0, 4096); // the greeting
        var report = new DnsReport(lookups, domain, maxHosts);
        var text = new System.Text.StringBuilder();
        var buffer = new byte[8192];
        for (int pass = 0; pass < 100 && !report.Produce(session); pass++)
        {
            text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, Transmitter.Copy(session, buffer, 0, buffer.Length)));
        }
        text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, Transmitter.Copy(session, buffer, 0, buffer.Length)));
        return text.ToString();
    }

    [Fact]
    public void MxRecords_ComeInPreferenceOrder_WithEachExchangesAddresses()
    {
        var dns = new ScriptedLookups();
        dns.Ok("bbb.test", DnsType.MX, DnsRecord.Mx("bbb.test", 300, 20, "mx2.bbb.test"), DnsRecord.Mx("bbb.test", 300, 10, "mx1.bbb.test"));
        dns.Ok("mx1.bbb.test", DnsType.A, DnsRecord.Addr("mx1.bbb.test", 300, "192.0.2.10"));
        dns.Ok("mx1.bbb.test", DnsType.AAAA, DnsRecord.Addr("mx1.bbb.test", 300, "2001:db8::10"));
        dns.Ok("mx2.bbb.test", DnsType.A, DnsRecord.Addr("mx2.bbb.test", 300, "192.0.2.20"), DnsRecord.Addr("mx2.bbb.test", 300, "192.0.2.21"));
        dns.Status("mx2.bbb.test", DnsType.AAAA, DnsStatus.NoData);
        Assert.Equal("MX of bbb.test:\r\n" +
                     "  10 mx1.bbb.test\r\n" +
                     "  20 mx2.bbb.test\r\n" +
                     "  mx1.bbb.test: A 192.0.2.10; AAAA 2001:db8::10\r\n" +
                     "  mx2.bbb.test: A 192.0.2.20, 192.0.2.21; AAAA (NODATA)\r\n", Run(dns, "bbb.test"));
    }

    [Fact]
    public void WhatEachAnswerMeansForMail_IsSaid()
    {
        var dns = new ScriptedLookups();
        dns.Status("plain.test", DnsType.MX, DnsStatus.NoData);
        dns.Ok("plain.test", DnsType.A, DnsRecord.Addr("plain.test", 300, "192.0.2.30"));
        dns.Status("plain.test", DnsType.AAAA, DnsStatus.NoData);
        Assert.Equal("no MX for plain.test: mail goes to the domain's own addresses (implicit MX)\r\n" +
                     "  plain.test: A 192.0.2.30; AAAA (NODATA)\r\n", Run(dns, "plain.test"));

        dns.Ok("nomail.test", DnsType.MX, DnsRecord.Mx("nomail.test", 300, 0, ""));
        Assert.Contains("a null MX (RFC 7505): nomail.test takes no mail; mail to it bounces at once", Run(dns, "nomail.test"));
        Assert.Equal("missing.test does not exist (NXDOMAIN): mail to it bounces\r\n", Run(dns, "missing.test"));
        dns.Status("slow.test", DnsType.MX, DnsStatus.Timeout);
        Assert.Equal("the MX lookup of slow.test failed: TIMEOUT (no answer from 192.0.2.53); mail to it waits and is retried\r\n", Run(dns, "slow.test"));
    }

    [Fact]
    public void WhileAnAnswerIsOut_NothingIsWritten_TheLoopDoesNotSpin_AndAnEndedSessionCancelsIt()
    {
        var dns = new ScriptedLookups { Hold = true };
        var session = new ConsoleSession(new ConsoleSettings(), "127.0.0.1", 0);
        Transmitter.Copy(session, new byte[4096], 0, 4096);
        var report = new DnsReport(dns, "bbb.test", 5);
        session.Producer = report;
        Assert.False(report.Produce(session));
        Assert.True(session.ProducerWaiting);
        Assert.Equal(ConsoleSession.IdleTimeoutMs, session.PollDeadline()); // its idle deadline, not "now": no busy loop while DNS is out
        Assert.False(session.HasOutput);
        session.Abandon();
        Assert.Equal(1, dns.Cancelled);
    }
}
