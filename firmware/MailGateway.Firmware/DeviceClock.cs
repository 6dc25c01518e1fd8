// IClock on the ESP32. Monotonic time is the microsecond counter since boot (esp_timer, through
// nanoFramework.Hardware.Esp32's HighResTimer): it never jumps, whatever SNTP does to the wall
// clock. The wall clock is DateTime.UtcNow, which reads 1970 at boot on a board without a
// battery-backed RTC until the firmware's SNTP client (started by nanoFramework when the network
// comes up) sets it. UnixTimeKnown turns true once the wall clock reads a year no board can boot
// into by itself (the same "valid date" test nanoFramework's NetworkHelper uses), and stays true:
// after that SNTP only steps it by small amounts.
namespace MailGateway.Firmware
{
    public sealed class DeviceClock : MailGateway.Core.Runtime.IClock
    {
        /// <summary>Before this year the wall clock has not been set since boot.</summary>
        public const int FirstValidYear = 2025;
        private const long UnixEpochTicks = 621355968000000000L;   // 1970-01-01T00:00:00Z in DateTime ticks
        private bool _known;

        public long MonotonicMs()
        {
            return (long)(nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent() / 1000UL);
        }

        public long UnixMs()
        {
            return (System.DateTime.UtcNow.Ticks - UnixEpochTicks) / System.TimeSpan.TicksPerMillisecond;
        }

        public bool UnixTimeKnown()
        {
            if (!_known && System.DateTime.UtcNow.Year >= FirstValidYear) _known = true;
            return _known;
        }
    }
}
