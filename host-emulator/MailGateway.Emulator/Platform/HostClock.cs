// IClock for the host: Stopwatch for deadlines (monotonic, unaffected by NTP steps) and the
// system clock for Unix time. The system clock counts as unset while it reads earlier than the day
// this program was built (a board without a battery-backed clock before NTP answers): a date can
// be wrong in either direction, but never before the software that reads it existed.
using System;
using System.Diagnostics;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostClock : IClock
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        /// <summary>Milliseconds since this clock was created; never goes backwards.</summary>
        public long MonotonicMs()
        {
            return _watch.ElapsedMilliseconds;
        }

        public long UnixMs()
        {
            return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }

        public bool UnixTimeKnown()
        {
            return UnixMs() >= BuildUnixMs;
        }

        /// <summary>The build's date (AssemblyMetadata "BuildDate", yyyy-MM-dd, set by the project file), as Unix milliseconds.</summary>
        public static readonly long BuildUnixMs = ReadBuildDate();

        private static long ReadBuildDate()
        {
            foreach (var a in typeof(HostClock).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false))
            {
                var m = (System.Reflection.AssemblyMetadataAttribute)a;
                if (m.Key == "BuildDate" && DateTimeOffset.TryParseExact(m.Value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
                {
                    return date.ToUnixTimeMilliseconds();
                }
            }
            return 0;
        }
    }
}
