// Every board profile fits its board with at least 20% to spare — managed heap, native (TLS)
// memory and sockets — by the measured budget; and a configuration that does not fit is refused by
// check-config, naming the part and the key to change.
using MailGateway.Core.Config;
using MailGateway.Emulator.Budget;
using MailGateway.Tests.Config;
using MailGateway.Tests.Host;

namespace MailGateway.Tests.Budget;

public class BoardProfileTests
{
    public static IEnumerable<object[]> Boards() =>
        Directory.GetFiles(Path.Combine(ConfigParserTests.RepositoryRoot(), "boards"), "board.conf", SearchOption.AllDirectories)
            .Select(f => new object[] { Path.GetFileName(Path.GetDirectoryName(f)) });

    private static GatewayConfig Load(string board)
    {
        string file = Path.Combine(ConfigParserTests.RepositoryRoot(), "boards", board, "board.conf");
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(File.ReadAllText(file), file, config));
        return config;
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void EveryBoardProfile_FitsWithAFifthToSpare(string board)
    {
        GatewayConfig config = Load(board);
        Assert.True(config.BoardHeapBytes > 0, board + " states no board.heap");
        Assert.True(config.BoardSockets > 0, board + " states no board.sockets");
        MemoryBudget budget = MemoryBudget.For(config);
        Assert.Empty(budget.Problems());
        Assert.True(budget.Peak * 5 <= config.BoardHeapBytes * 4, board + ": peak " + budget.Peak + " of " + config.BoardHeapBytes);
        Assert.True(budget.Sockets * 5 <= config.BoardSockets * 4, board + ": " + budget.Sockets + " sockets of " + config.BoardSockets);
        if (config.BoardNativeHeapBytes > 0)
        {
            Assert.True(budget.NativePeak * 5 <= config.BoardNativeHeapBytes * 4, board + ": TLS " + budget.NativePeak + " of " + config.BoardNativeHeapBytes);
        }
    }

    [Fact]
    public void Wt32Eth01_TakesTwoSmtpSessionsAPop3SessionAndADelivery_AndA2MiBMessage()
    {
        GatewayConfig config = Load("wt32-eth01");
        Assert.True(MemoryBudget.SmtpSessions(config) >= 2);
        Assert.True(MemoryBudget.Pop3Sessions(config) >= 1);
        Assert.True(config.MaxDeliveries >= 1);
        Assert.True(config.MessageSizeBytes >= 2 * 1024 * 1024);
    }

    // A board's UART console is a console session from the start, beside every network session,
    // and can list the queue while they work: counted on every board, and on a host with a serial
    // console, at the weight of a session in the middle of a listing.
    [Fact]
    public void TheSerialConsole_IsCountedOnEveryBoard_AndOnAHostWithConsoleSerial()
    {
        long Count(GatewayConfig c, string part) => MemoryBudget.For(c).Rows.Single(r => r.Part == part).Count;
        GatewayConfig wt32 = Load("wt32-eth01");
        Assert.Equal(1, Count(wt32, "serial console session"));
        Assert.Equal(1, Count(wt32, "message being listed"));
        Assert.True(MemoryBudget.For(wt32).Rows.Single(r => r.Part == "serial console session").Total >= MailGateway.Core.Console.ConsoleSession.OutputBytes);
        var host = new GatewayConfig();
        Assert.Equal(0, Count(host, "serial console session"));
        Assert.Null(ConfigParser.Set(host, "console.serial", "/dev/ttyUSB0, 115200"));
        Assert.Equal(1, Count(host, "serial console session"));
    }

    // A board checks passwords a slice per loop pass: each login under way holds its PBKDF2 state.
    // Logins are taken inside TLS unless *.auth_plaintext allows them in clear, so TLS caps them.
    [Fact]
    public void LoginsUnderWay_AreCountedOnABoard_AsManyAsMayLogInAtOnce()
    {
        long Count(GatewayConfig c, string part) => MemoryBudget.For(c).Rows.Single(r => r.Part == part).Count;
        GatewayConfig wt32 = Load("wt32-eth01");
        Assert.Equal(1, Count(wt32, "login being checked"));            // limits.tls_sessions = 1
        Assert.Equal(1, Count(wt32, "password being set"));
        wt32.Pop3AuthPlaintext = true;
        Assert.Equal(2, Count(wt32, "login being checked"));            // + the POP3 session in clear
        wt32.SmtpAuthPlaintext = true;
        Assert.Equal(3, Count(wt32, "login being checked"));            // every session, no more
        Assert.Equal(0, Count(new GatewayConfig(), "login being checked")); // a host hashes on its thread pool
    }

    [Fact]
    public void AConfigurationOverItsHeap_IsNamedByItsLargestPart_AndTheKeyToChange()
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("board.heap = 200K\nboard.sockets = 10\nlimits.sessions = 8\nqueue.index_size = 4\n", "x.conf", config));
        var problems = MemoryBudget.For(config).Problems();
        Assert.Contains(problems, p => p.StartsWith("memory: the peak of ") && p.Contains("does not fit board.heap = 204800") &&
                                       p.Contains("the largest part is SMTP recipient") && p.EndsWith("lower limits.recipients"));
        Assert.Contains(problems, p => p.StartsWith("sockets: ") && p.Contains("do not fit board.sockets = 10"));
    }

    [Fact]
    public void ASmallMessageSizeLimit_IsMeasuredToo()
    {
        // Found by the interop suite: the measuring session asked for SIZE=1000000, a gateway with
        // limits.message_size = 64K refused it, and the measurement (and so `mailgw run`) died.
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("board.heap = 2M\nlimits.message_size = 64K\nrelay.allow = 127.0.0.1/32\n", "x.conf", config));
        MemoryBudget budget = MemoryBudget.For(config);
        Assert.True(budget.Peak > 0);
        Assert.Empty(budget.Problems());
    }

    // A truncated UDP answer is read whole over TCP: up to dns.max_tcp_answer bytes at once, which
    // the budget measures from a lookup that has been told that length (a 60 KB board cannot take
    // the 16 KiB default besides everything else).
    [Theory]
    [InlineData("4K", 4096)]
    [InlineData("16K", 16384)]
    public void TheDnsAnswerOverTcp_IsCountedAtDnsMaxTcpAnswer(string value, int bytes)
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("dns.max_tcp_answer = " + value + "\n", "x.conf", config));
        BudgetRow row = MemoryBudget.For(config).Rows.Single(r => r.Part == "DNS answer over TCP");
        Assert.InRange(row.Each, bytes, bytes + 64);
        Assert.Equal(1, row.Count);
    }

    [Fact]
    public void BudgetCommand_PrintsEveryPartAndThePeakAgainstTheHeap()
    {
        string file = Path.Combine(ConfigParserTests.RepositoryRoot(), "boards", "wt32-eth01", "board.conf");
        Assert.Equal(0, MailgwProcess.RunToEnd("budget --config " + file, out string output));
        foreach (string part in new[] { "SMTP session", "SMTP recipient", "POP3 session", "delivery job", "DNS lookup", "queue index entry",
                                        "configuration", "loop, shared buffers", "TLS session (native)", "sockets in all" })
        {
            Assert.Contains("\n" + part + " ", "\n" + output);
        }
        Assert.Matches(@"peak \(managed heap\) +[\d,]+  of board\.heap = 61,440: \d+\.\d% left \(fits\)", output);
    }

    [Fact]
    public void CheckConfig_RefusesWhatDoesNotFit_WithExitCode2()
    {
        string file = Path.Combine(Path.GetTempPath(), "mailgw-budget-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, "board.heap = 40K\nlimits.sessions = 2\nqueue.index_size = 4\n");
        try
        {
            Assert.Equal(2, MailgwProcess.RunToEnd("check-config " + file, out string output));
            Assert.Contains(file + ": does not fit the board: memory: the peak of ", output);
            Assert.Contains("lower ", output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
