// How the byte parsers are fed in these tests (HOUSE-STYLE "Tests read as specifications"): whole,
// one byte at a time, split at every point of a short input, and in seeded random chunks. A Feed
// only chooses chunk sizes; the caller keeps what a parser did not consume and offers it again, as
// a real loop does. A Feed's name carries its seed, so a failure message says how to replay it.
namespace MailGateway.Tests.Text
{
    public sealed class Feed
    {
        /// <summary>Seeds every random feed in the suite uses; a failure prints the seed it ran with.</summary>
        public static readonly int[] Seeds = { 1, 2, 3, 20261129 };

        public readonly string Name;
        private readonly Func<int, int> _next;

        private Feed(string name, Func<int, int> next)
        {
            Name = name;
            _next = next;
        }

        /// <summary>Size of the next chunk, 1..remaining.</summary>
        public int Next(int remaining)
        {
            int n = _next(remaining);
            return n < 1 ? 1 : n > remaining ? remaining : n;
        }

        public override string ToString() => Name;

        public static Feed Whole() => new Feed("whole", remaining => remaining);

        public static Feed ByteByByte() => new Feed("byte-by-byte", _ => 1);

        /// <summary>Two chunks: the first `at` bytes, then the rest.</summary>
        public static Feed SplitAt(int at)
        {
            bool first = true;
            return new Feed("split-at-" + at, remaining =>
            {
                if (!first) return remaining;
                first = false;
                return at;
            });
        }

        /// <summary>Random chunk sizes: half of them small (1-16), half up to maxChunk.</summary>
        public static Feed Random(int seed, int maxChunk = 6000)
        {
            var random = new System.Random(seed);
            return new Feed("random(seed=" + seed + ")", remaining =>
                random.Next(2) == 0 ? random.Next(1, 17) : random.Next(1, maxChunk + 1));
        }

        /// <summary>Whole, byte by byte, every split point when length is at most maxSplitLength, and the seeded random feeds.</summary>
        public static IEnumerable<Feed> All(int length, int maxSplitLength = 80)
        {
            yield return Whole();
            yield return ByteByByte();
            if (length <= maxSplitLength)
            {
                for (int at = 1; at < length; at++) yield return SplitAt(at);
            }
            foreach (int seed in Seeds) yield return Random(seed);
        }

        /// <summary>Chunk sizes that add up to length.</summary>
        public int[] Chunks(int length)
        {
            var sizes = new List<int>();
            for (int done = 0; done < length;)
            {
                int n = Next(length - done);
                sizes.Add(n);
                done += n;
            }
            return sizes.ToArray();
        }
    }
}
