// Time that only moves when a test says so: deadlines, timeouts and retry schedules are tested by
// advancing it, never by waiting. Advance moves both clocks; SetUnixMs moves only the wall clock
// (a device without a real-time clock that starts in 1970 until SNTP answers, or an NTP step
// either way), and the monotonic clock never goes backwards. The wall clock counts as known from
// KnownFromUnixMs on (by default 2020-01-01, so a clock set to 1970 plays a board before SNTP).
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation
{
    public sealed class VirtualClock : IClock
    {
        private long _monotonicMs;
        private long _unixMs;

        public VirtualClock(long unixMs)
        {
            _unixMs = unixMs;
        }

        public long MonotonicMs() { return _monotonicMs; }

        public long UnixMs() { return _unixMs; }

        /// <summary>Wall-clock times from this one on count as set (a device's SNTP having answered).</summary>
        public long KnownFromUnixMs = 1577836800000L;

        public bool UnixTimeKnown() { return _unixMs >= KnownFromUnixMs; }

        public void Advance(long ms)
        {
            if (ms < 0) throw new System.ArgumentOutOfRangeException(nameof(ms), "time does not go backwards");
            _monotonicMs += ms;
            _unixMs += ms;
        }

        /// <summary>Sets the wall clock (a jump, forwards or backwards); the monotonic clock is not touched.</summary>
        public void SetUnixMs(long unixMs)
        {
            _unixMs = unixMs;
        }
    }
}
