// IRandom for the host: System.Random, seeded when a run must be repeatable. Not for secrets.
using System;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostRandom : IRandom
    {
        private readonly Random _random;

        public HostRandom()
        {
            _random = new Random();
        }

        public HostRandom(int seed)
        {
            _random = new Random(seed);
        }

        /// <summary>A value in [0, maxExclusive); maxExclusive must be at least 1.</summary>
        public int Next(int maxExclusive)
        {
            if (maxExclusive < 1) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
            return _random.Next(maxExclusive);
        }
    }
}
