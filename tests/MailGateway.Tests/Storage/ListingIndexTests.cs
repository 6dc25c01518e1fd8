// The host's ListingIndex between two walks of a busy queue: messages come and go all day, and
// what the index keeps must not grow with them (found by the benchmark's 100,000-message soak).
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Storage
{
    public sealed class ListingIndexTests
    {
        [Fact]
        public void NamesThatComeAndGoBetweenWalks_AreNotKept_AndPagesStayRight()
        {
            var folder = new SortedSet<string>(StringComparer.Ordinal) { "A.MSG", "C.MSG", "E.MSG" };
            var index = new ListingIndex();
            Assert.Equal(new[] { "A.MSG", "C.MSG", "E.MSG" }, index.Page(null, 10, () => folder.ToArray()));

            for (int i = 0; i < 100_000; i++)
            {
                string name = "Q" + i.ToString("D7") + ".MSG";
                folder.Add(name);
                index.Added(name);
                folder.Remove(name);
                index.Removed(name);
            }
            Assert.Equal(0, index.RememberedNames);

            // A listed name removed, then made again, then removed again: gone from the pages.
            folder.Remove("C.MSG");
            index.Removed("C.MSG");
            folder.Add("C.MSG");
            index.Added("C.MSG");
            folder.Remove("C.MSG");
            index.Removed("C.MSG");
            folder.Add("D.MSG");
            index.Added("D.MSG");
            Assert.Equal(new[] { "D.MSG", "E.MSG" }, index.Page("A.MSG", 10, () => throw new InvalidOperationException("no fresh listing mid-walk")));
            Assert.Equal(folder.ToArray(), index.Page(null, 10, () => folder.ToArray()));
        }
    }
}
