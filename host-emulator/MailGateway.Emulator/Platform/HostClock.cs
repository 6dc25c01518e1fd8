// IClock for the host: Stopwatch for deadlines (monotonic, unaffected by NTP steps) and the
// system clock for Unix time.
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
    }
}
