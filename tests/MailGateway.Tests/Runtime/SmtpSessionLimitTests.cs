// limits.smtp_sessions: of limits.sessions, at most this many may be SMTP, so the rest stay free
// for POP3 (a board's memory budget counts each kind at its own size).
using MailGateway.Core.Config;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class SmtpSessionLimitTests
{
    [Fact]
    public void SmtpBeyondItsShare_Gets421_WhilePop3StillGetsIn()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxSessions = 3;
        config.MaxSmtpSessions = 2;
        config.SessionsPerClient = 3;
        config.Pop3AuthPlaintext = true;
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        var a = gw.Connect();
        var b = gw.Connect();
        var c = gw.Connect();
        gw.Settle();
        Assert.StartsWith("220 ", a.ReadNew());
        Assert.StartsWith("220 ", b.ReadNew());
        Assert.StartsWith("421 4.7.0", c.ReadNew());
        Assert.Contains(gw.Log, l => l.Contains("too many SMTP sessions (limits.smtp_sessions = 2)"));
        var pop3 = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.50");
        gw.Settle();
        Assert.StartsWith("+OK", pop3.ReadNew());
    }
}
