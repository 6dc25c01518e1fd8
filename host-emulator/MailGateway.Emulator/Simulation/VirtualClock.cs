// Time that only moves when a test says so: deadlines, timeouts and retry schedules are tested by
// advancing it, never by waiting.
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

        public void Advance(long ms)
        {
            _monotonicMs += ms;
            _unixMs += ms;
        }
    }
}
