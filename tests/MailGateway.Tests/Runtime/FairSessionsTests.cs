// Fair service under pressure (limits.sessions_per_client, limits.sessions_reserved): one address
// cannot take every session, and the last sessions are kept for the LAN's devices (relay.allow)
// and for users who logged in lately, so that strangers that connect and say nothing — 20 silent
// connections used to lock every device out for the 5-minute idle timeout — cannot block the box.
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class FairSessionsTests
{
    private const string Refused = "421 4.7.0 Too many connections, try again later\r\n";

    private static SimulatedGateway Gateway(int sessions, int perClient, int reserved = -1, bool pop3 = false)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxSessions = sessions;
        config.SessionsPerClient = perClient;
        config.SessionsReserved = reserved;
        if (!pop3) return new SimulatedGateway(config);
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        config.Pop3AuthPlaintext = true;
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "pw1";
        return new SimulatedGateway(config, realDelivery: true, users: users);
    }

    private static SimulatedClient Open(SimulatedGateway gw, string address)
    {
        var client = gw.Connect(address);
        gw.Settle();
        return client;
    }

    [Fact]
    public void OneAddress_CannotTakeMoreThanItsShare_OthersStillGetIn()
    {
        var gw = Gateway(sessions: 20, perClient: 3);
        var mine = Enumerable.Range(0, 3).Select(_ => Open(gw, "203.0.113.9")).ToArray();
        Assert.All(mine, c => Assert.StartsWith("220 ", c.ReadNew()));
        var fourth = Open(gw, "203.0.113.9");
        Assert.Equal(Refused, fourth.ReadNew());
        Assert.True(fourth.ServerClosed);
        Assert.Contains("warning: too many sessions from one client (limits.sessions_per_client = 3), refused unknown[203.0.113.9]", gw.Log);
        Assert.StartsWith("220 ", Open(gw, "203.0.113.10").ReadNew());
    }

    [Fact]
    public void SilentStrangers_CannotTakeTheReservedSessions_FromTheLansDevices()
    {
        var gw = Gateway(sessions: 6, perClient: 5, reserved: 2);
        var strangers = Enumerable.Range(1, 4).Select(i => Open(gw, "203.0.113." + i)).ToArray();
        Assert.All(strangers, c => Assert.StartsWith("220 ", c.ReadNew()));
        var fifth = Open(gw, "203.0.113.5");
        Assert.Equal(Refused, fifth.ReadNew());
        Assert.Contains("warning: sessions left are reserved for trusted clients (limits.sessions_reserved = 2), refused unknown[203.0.113.5]", gw.Log);

        // The camera (relay.allow 192.168.1.0/24) still gets in and its mail through.
        var camera = Open(gw, "192.168.1.50");
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$",
                       gw.SendMessage(camera, "cam@lan.test", new[] { "owner@outside.test" }, "Subject: motion\r\n\r\nsnapshot\r\n"));
        var printer = Open(gw, "192.168.1.60");
        Assert.StartsWith("220 ", printer.ReadNew());
        Assert.Equal(Refused, Open(gw, "192.168.1.70").ReadNew()); // now every session is taken
    }

    [Fact]
    public void OnATwoSessionBoard_OneStuckCamera_DoesNotBlockTheBox()
    {
        var gw = Gateway(sessions: 2, perClient: 1);
        var stuck = Open(gw, "192.168.1.50");
        Assert.StartsWith("220 ", stuck.ReadNew());
        Assert.Equal(Refused, Open(gw, "192.168.1.50").ReadNew());
        var nas = Open(gw, "192.168.1.51");
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$",
                       gw.SendMessage(nas, "nas@lan.test", new[] { "admin@outside.test" }, "Subject: backup\r\n\r\ndone\r\n"));
    }

    [Fact]
    public void AUserWhoLoggedInLately_MayUseTheReserve_AndPop3IsRefusedInItsOwnWords()
    {
        var gw = Gateway(sessions: 3, perClient: 3, reserved: 1, pop3: true);
        var pop = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "198.51.100.7");
        gw.Settle();
        Assert.Contains("+OK person1's maildrop has 0 messages", gw.Say(pop, "USER person1\r\nPASS pw1\r\n") + gw.Say(pop, ""));
        gw.Say(pop, "QUIT\r\n");

        Open(gw, "203.0.113.1");
        Open(gw, "203.0.113.2");   // the two sessions strangers may have
        Assert.Equal(Refused, Open(gw, "203.0.113.3").ReadNew());
        var user = Open(gw, "198.51.100.7");   // logged in over POP3 a moment ago: trusted
        Assert.StartsWith("220 ", user.ReadNew());

        var refusedPop = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "198.51.100.8");
        gw.Settle();
        Assert.Equal("-ERR [SYS/TEMP] Too many connections, try again later\r\n", refusedPop.ReadNew());
    }

    [Theory]
    [InlineData("limits.sessions = 4\nlimits.sessions_reserved = 4\n", "test.conf:2: limits.sessions_reserved: 4 leaves no session for other clients (limits.sessions = 4)")]
    [InlineData("limits.sessions_reserved = 30\n", "test.conf:1: limits.sessions_reserved: 30 leaves no session for other clients (limits.sessions = 20)")]
    [InlineData("limits.sessions_per_client = 0\n", "test.conf:1: limits.sessions_per_client: \"0\" is not a whole number from 1 to 10000")]
    public void SessionKeys_ThatCannotWork_AreConfigErrors(string text, string error)
    {
        Assert.Equal(error, ConfigParser.Apply(text, "test.conf", new GatewayConfig()));
    }

    [Fact]
    public void SessionKeys_DefaultToAShareOfLimitsSessions()
    {
        var config = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("limits.sessions = 2\n", "test.conf", config));
        Assert.Equal(2, config.EffectiveSessionsPerClient);
        Assert.Equal(0, config.EffectiveSessionsReserved);
        Assert.Null(ConfigParser.Apply("limits.sessions = 20\n", "test.conf", config));
        Assert.Equal(5, config.EffectiveSessionsPerClient);
        Assert.Equal(5, config.EffectiveSessionsReserved);
    }
}
