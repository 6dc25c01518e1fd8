// DnsServerHealth: which servers a resolver's lookups ask last. A server that stays silent is held
// down for DeadServerHoldMs, twice as long at each further silence up to MaxDeadServerHoldMs; an
// answer ends the hold; a timeout while the server answered others is a slow name, not a dead
// server. Virtual times only.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsServerHealthTests
    {
        private static readonly DnsSettings Settings = new DnsSettings { DeadServerHoldMs = 5000, MaxDeadServerHoldMs = 30_000 };

        [Fact]
        public void NewServers_AreNotHeldDown()
        {
            var health = new DnsServerHealth(2, Settings);
            Assert.False(health.IsHeldDown(0, 0));
            Assert.False(health.IsHeldDown(1, long.MaxValue));
        }

        [Fact]
        public void Silence_HoldsTheServerDown_ForDeadServerHoldMs()
        {
            var health = new DnsServerHealth(2, Settings);
            health.Silent(0, 1000, 4000);
            Assert.True(health.IsHeldDown(0, 4000));
            Assert.True(health.IsHeldDown(0, 8999));
            Assert.False(health.IsHeldDown(0, 9000));
            Assert.False(health.IsHeldDown(1, 4000));
        }

        [Theory]
        [InlineData(1, 5000)]
        [InlineData(2, 10_000)]
        [InlineData(3, 20_000)]
        [InlineData(4, 30_000)]
        [InlineData(6, 30_000)]
        public void EachFurtherSilence_DoublesTheHold_UpToTheLongest(int silences, long expectedHoldMs)
        {
            var health = new DnsServerHealth(1, Settings);
            long now = 0;
            for (int i = 0; i < silences; i++)
            {
                while (health.IsHeldDown(0, now)) now += 1000; // the next probe comes once the hold is over
                health.Silent(0, now, now + 3000);
                now += 3000;
            }
            Assert.True(health.IsHeldDown(0, now + expectedHoldMs - 1));
            Assert.False(health.IsHeldDown(0, now + expectedHoldMs));
        }

        [Fact]
        public void AnAnswer_EndsTheHold_AndTheNextSilenceStartsShortAgain()
        {
            var health = new DnsServerHealth(1, Settings);
            health.Silent(0, 0, 3000);
            health.Silent(0, 9000, 12_000); // held 10 s now
            health.Answered(0, 12_500);
            Assert.False(health.IsHeldDown(0, 12_500));
            health.Silent(0, 13_000, 16_000);
            Assert.False(health.IsHeldDown(0, 21_000));
        }

        [Fact]
        public void TimeoutWhileTheServerAnsweredOthers_IsASlowName_NotADeadServer()
        {
            var health = new DnsServerHealth(1, Settings);
            health.Answered(0, 1500);
            health.Silent(0, 1000, 4000); // the try went out at 1000, the server answered at 1500
            Assert.False(health.IsHeldDown(0, 4000));
            health.Silent(0, 2000, 5000); // nothing since 2000
            Assert.True(health.IsHeldDown(0, 5000));
        }

        [Fact]
        public void SilenceOfATrySentBeforeTheHold_DoesNotLengthenIt()
        {
            var health = new DnsServerHealth(1, Settings);
            health.Silent(0, 0, 3000);    // held until 8000
            health.Silent(0, 100, 3100);  // a try of another lookup, already out
            Assert.False(health.IsHeldDown(0, 8000));
        }
    }
}
