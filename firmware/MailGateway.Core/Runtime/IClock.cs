// Time for the loop: a monotonic millisecond counter for deadlines, and the wall clock (Unix
// milliseconds) for Date and Received headers and for retry times stored on the card.
namespace MailGateway.Core.Runtime
{
    public interface IClock
    {
        /// <summary>Milliseconds from an arbitrary start; never goes backwards.</summary>
        long MonotonicMs();

        /// <summary>Milliseconds since 1970-01-01T00:00:00Z.</summary>
        long UnixMs();
    }
}
