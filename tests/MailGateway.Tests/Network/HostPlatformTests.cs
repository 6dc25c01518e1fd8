// The small host adapters next to HostNetwork: clock, log and random.
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class HostPlatformTests
    {
        private sealed class FixedClock : IClock
        {
            public long Unix;
            public long MonotonicMs() => 0;
            public long UnixMs() => Unix;
            public bool UnixTimeKnown() => true;
        }

        [Fact]
        public void HostClock_MonotonicMs_NeverGoesBackwards()
        {
            var clock = new HostClock();
            long last = clock.MonotonicMs();
            Assert.True(last >= 0);
            for (int i = 0; i < 10_000; i++)
            {
                long now = clock.MonotonicMs();
                Assert.True(now >= last);
                last = now;
            }
        }

        [Fact]
        public void HostClock_CountsAsSet_FromTheBuildDateOn()
        {
            // The build date is stamped by the project file: today's build, never 1970.
            Assert.True(HostClock.BuildUnixMs >= new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
            Assert.True(HostClock.BuildUnixMs <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.True(new HostClock().UnixTimeKnown());
        }

        [Fact]
        public void SelfSignedCertificate_MadeWithTheClockUnset_StartsAtTheBuildDate()
        {
            var built = DateTimeOffset.FromUnixTimeMilliseconds(HostClock.BuildUnixMs);
            Assert.Equal(built, TlsCertificates.ValidityStart(DateTimeOffset.FromUnixTimeSeconds(12)));
            var later = built.AddDays(40);
            Assert.Equal(later, TlsCertificates.ValidityStart(later));
        }

        [Fact]
        public void HostClock_UnixMs_IsTheSystemTime()
        {
            long expected = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            long actual = new HostClock().UnixMs();
            Assert.InRange(actual - expected, -60_000, 60_000);
        }

        [Fact]
        public void HostLog_Line_IsPrefixedWithUtcTimeAndProgramPid()
        {
            var writer = new StringWriter();
            var log = new HostLog(writer, new FixedClock { Unix = 1_700_000_000_123 });

            log.Line("4F2A1: to=<b@bbb.test>, status=sent");

            Assert.Equal(
                "2023-11-14T22:13:20.123Z mailgw[" + Environment.ProcessId + "]: 4F2A1: to=<b@bbb.test>, status=sent"
                + writer.NewLine,
                writer.ToString());
        }

        [Fact]
        public void HostLog_Line_WithCrLfInside_StaysOneLine()
        {
            var writer = new StringWriter();
            var log = new HostLog(writer, new FixedClock());

            log.Line("helo=<evil\r\n1970-01-01T00:00:00.000Z mailgw[1]: forged>");

            string[] lines = writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.EndsWith("helo=<evil  1970-01-01T00:00:00.000Z mailgw[1]: forged>", lines[0]);
        }

        [Fact]
        public void HostLog_WithoutClock_UsesSystemTime()
        {
            var writer = new StringWriter();
            new HostLog(writer).Line("x");
            string line = writer.ToString();
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z mailgw\[\d+\]: x\r?\n$", line);
        }

        [Fact]
        public void HostRandom_WithSameSeed_RepeatsItsSequence()
        {
            var a = new HostRandom(42);
            var b = new HostRandom(42);
            for (int i = 0; i < 100; i++) Assert.Equal(a.Next(1000), b.Next(1000));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(int.MaxValue)]
        public void HostRandom_Next_StaysInRange(int maxExclusive)
        {
            var random = new HostRandom();
            for (int i = 0; i < 1000; i++) Assert.InRange(random.Next(maxExclusive), 0, maxExclusive - 1);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        public void HostRandom_Next_WithEmptyRange_Throws(int maxExclusive)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new HostRandom(1).Next(maxExclusive));
        }
    }
}
