// Randomness for queue IDs and (later) MX shuffling and retry jitter; seeded in simulations.
namespace MailGateway.Core.Runtime
{
    public interface IRandom
    {
        /// <summary>A value in [0, maxExclusive).</summary>
        int Next(int maxExclusive);
    }
}
