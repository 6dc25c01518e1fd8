// RfcDate.Format: RFC 5322 §3.3 date-time from Unix milliseconds, computed by hand in the core and
// compared here with .NET's own calendar for many instants.
using System.Globalization;
using MailGateway.Core.Text;
using Xunit;

namespace MailGateway.Tests.Text
{
    public class RfcDateTests
    {
        private static string DotNet(long unixMs)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
                .ToString("ddd, d MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        }

        private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
        private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

        [Theory]
        [InlineData(0L, "Thu, 1 Jan 1970 00:00:00 +0000")]
        [InlineData(999L, "Thu, 1 Jan 1970 00:00:00 +0000")]
        [InlineData(-1L, "Wed, 31 Dec 1969 23:59:59 +0000")]
        [InlineData(-1000L, "Wed, 31 Dec 1969 23:59:59 +0000")]
        [InlineData(-1001L, "Wed, 31 Dec 1969 23:59:58 +0000")]
        [InlineData(951782400000L, "Tue, 29 Feb 2000 00:00:00 +0000")]
        [InlineData(1800000000000L, "Fri, 15 Jan 2027 08:00:00 +0000")]
        [InlineData(4107542399000L, "Sun, 28 Feb 2100 23:59:59 +0000")]
        [InlineData(4107542400000L, "Mon, 1 Mar 2100 00:00:00 +0000")]  // 2100 is not a leap year
        [InlineData(253402300799999L, "Fri, 31 Dec 9999 23:59:59 +0000")]
        public void Format_KnownInstants(long unixMs, string expected)
        {
            Assert.Equal(expected, RfcDate.Format(unixMs));
            Assert.Equal(expected, DotNet(unixMs));
        }

        [Fact]
        public void Format_EveryDayFrom1900To2200_MatchesDotNet()
        {
            long start = new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            long end = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            const long day = 86_400_000;
            for (long ms = start; ms < end; ms += day)
            {
                // the last and first millisecond of each day
                Assert.Equal(DotNet(ms), RfcDate.Format(ms));
                Assert.Equal(DotNet(ms - 1), RfcDate.Format(ms - 1));
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Format_RandomInstantsOverTheWholeCalendar_MatchDotNet(int seed)
        {
            var random = new Random(seed);
            for (int i = 0; i < 20_000; i++)
            {
                long ms = random.NextInt64(MinUnixMs, MaxUnixMs + 1);
                Assert.True(DotNet(ms) == RfcDate.Format(ms), "seed " + seed + ": " + ms + " -> " + RfcDate.Format(ms) + ", .NET " + DotNet(ms));
            }
        }

        [Theory]
        [InlineData(0L, 1970, 1, 1)]
        [InlineData(-1L, 1969, 12, 31)]
        [InlineData(11016L, 2000, 2, 29)]
        [InlineData(-719162L, 1, 1, 1)]
        public void CivilFromDays_ConvertsDaysSinceTheEpoch(long days, int year, int month, int day)
        {
            RfcDate.CivilFromDays(days, out int y, out int m, out int d);
            Assert.Equal((year, month, day), (y, m, d));
        }
    }
}
