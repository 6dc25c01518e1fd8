// limits.remembered_clients: the three lists of client addresses the loop keeps for logins (the
// failed-login throttle, POP-before-SMTP, the session reserve's recent logins) hold that many each
// in arrays made once, the oldest forgotten first, so their memory is what `mailgw budget` counts.
using MailGateway.Core.Config;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Runtime;

public class RememberedClientsTests
{
    private static void FailFiveTimes(LoginThrottle throttle, string address, long nowMs)
    {
        for (int i = 0; i < LoginThrottle.MaxFailures; i++) throttle.Failed(address, nowMs);
    }

    [Fact]
    public void Throttle_KeepsItsCapacity_AndForgetsTheOldestAddressFirst()
    {
        var roomy = new LoginThrottle(3);
        var small = new LoginThrottle(2);
        foreach (var throttle in new[] { roomy, small })
        {
            FailFiveTimes(throttle, "192.168.1.10", 1000);
            throttle.Failed("192.168.1.11", 2000);
            throttle.Failed("192.168.1.12", 3000);
        }
        Assert.True(roomy.IsBlocked("192.168.1.10", 4000));
        Assert.False(small.IsBlocked("192.168.1.10", 4000)); // a third address took its place
    }

    [Fact]
    public void AddressMemory_KeepsItsCapacity_AndARememberedAddressIsRefreshedInPlace()
    {
        var memory = new AddressMemory(2);
        memory.Remember("10.0.0.1", 10_000);
        memory.Remember("10.0.0.2", 10_000);
        memory.Remember("10.0.0.1", 20_000);   // refreshed: now the newest
        memory.Remember("10.0.0.3", 10_000);   // forgets 10.0.0.2, the oldest
        Assert.True(memory.Contains("10.0.0.1", 15_000));
        Assert.False(memory.Contains("10.0.0.2", 5_000));
        Assert.True(memory.Contains("10.0.0.3", 5_000));
        Assert.False(memory.Contains("10.0.0.3", 10_000)); // its time ran out
    }

    [Theory]
    [InlineData("8", null)]
    [InlineData("0", "limits.remembered_clients")]
    [InlineData("many", "limits.remembered_clients")]
    public void TheKey_IsCheckedLikeEveryLimit(string value, string errorNames)
    {
        var config = new GatewayConfig();
        string error = ConfigParser.Set(config, "limits.remembered_clients", value);
        if (errorNames == null)
        {
            Assert.Null(error);
            Assert.Equal(8, config.RememberedClients);
        }
        else
        {
            Assert.Contains(errorNames, error);
        }
    }
}
