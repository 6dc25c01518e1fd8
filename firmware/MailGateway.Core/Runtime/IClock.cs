// Time for the loop: a monotonic millisecond counter for every timer and deadline, and the wall
// clock (Unix milliseconds) only for what people read: Date and Received headers, reports, logs.
// The wall clock may be unknown (an ESP32 says 1970 until SNTP answers; a host whose clock reads
// earlier than the program's build date): UnixTimeKnown says so, and nothing that needs a date is
// written meanwhile. Queue ages never use it (Spool/QueueClock).
namespace MailGateway.Core.Runtime
{
    public interface IClock
    {
        /// <summary>Milliseconds from an arbitrary start; never goes backwards.</summary>
        long MonotonicMs();

        /// <summary>Milliseconds since 1970-01-01T00:00:00Z.</summary>
        long UnixMs();

        /// <summary>The platform says the wall clock is set (SNTP answered; a host clock not before the build date).</summary>
        bool UnixTimeKnown();
    }
}
