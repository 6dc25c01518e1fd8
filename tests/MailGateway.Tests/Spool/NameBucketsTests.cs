// The queue's layout on a FAT card (Runtime/NameBuckets): names made from queue IDs go into buckets
// of 32 IDs three folders down, so no folder a board lists holds more than a few dozen entries,
// and a page of the tree, walked in order, is exactly the page of the same names in one folder.
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;

namespace MailGateway.Tests.Spool;

public class NameBucketsTests
{
    // A card's tree in memory, counting the largest listing it was asked for.
    private sealed class Tree : IFolderListing
    {
        private readonly Dictionary<string, List<string>> _files = new() { [""] = new List<string>() };
        private readonly Dictionary<string, SortedSet<string>> _folders = new() { [""] = new SortedSet<string>() };
        private readonly Random _random = new Random(7);
        public int LargestListing;
        public int Listings;

        public void Add(string name)
        {
            string bucket = NameBuckets.FolderOf(name) ?? "";
            if (bucket.Length > 0)
            {
                string parent = "";
                foreach (string folder in NameBuckets.FoldersDownTo(bucket))
                {
                    _folders.TryAdd(folder, new SortedSet<string>());
                    _folders[parent].Add(folder.Substring(folder.LastIndexOf('\\') + 1));
                    parent = folder;
                }
            }
            _files.TryAdd(bucket, new List<string>());
            _files[bucket].Add(name);
        }

        public string[] Files(string folder) => Listed(_files.TryGetValue(folder, out var f) ? f.ToArray() : new string[0]);
        public string[] Folders(string folder) => Listed(_folders.TryGetValue(folder, out var f) ? f.ToArray() : new string[0]);

        // A card lists in no particular order.
        private string[] Listed(string[] names)
        {
            Listings++;
            LargestListing = Math.Max(LargestListing, names.Length);
            return names.OrderBy(_ => _random.Next()).ToArray();
        }
    }

    [Theory]
    [InlineData("00001A7Q.MSG", "00001\\A\\7")]
    [InlineData("QUEUEIDS.A", null)]
    [InlineData("QCLOCK.B", null)]
    [InlineData("0000001V.EML", "00000\\0\\1")]
    [InlineData("0000001W.EML", null)]
    [InlineData("0000001w.MSG", null)]
    [InlineData("USERS.TXT", null)]
    public void QueueIdNames_GoIntoBuckets_OthersStayAtTheTop(string name, string bucket)
    {
        Assert.Equal(bucket, NameBuckets.FolderOf(name));
    }

    [Fact]
    public void AHundredThousandMessages_AreListedInOrder_AndNoFolderListingIsLong()
    {
        var tree = new Tree();
        var all = new List<string> { "QUEUEIDS.A", "QUEUEIDS.B", "QCLOCK.A" };
        long id = 1;
        for (int i = 0; i < 100_000; i++)
        {
            id += i % 5000 == 4999 ? 1000 : 1;   // a reboot now and then skips the reserved IDs
            string queueId = SpoolNames.MakeQueueId(id);
            all.Add(queueId + ".MSG");
            if (i % 3 == 0) all.Add(queueId + ".RCP");
        }
        foreach (string name in all) tree.Add(name);
        string[] expected = all.OrderBy(n => n, StringComparer.Ordinal).ToArray();

        var walked = new List<string>();
        string after = null;
        while (true)
        {
            string[] page = NameBuckets.PageAfter(tree, after, 16);
            if (page.Length == 0) break;
            walked.AddRange(page);
            after = page[^1];
        }
        Assert.Equal(expected, walked);
        Assert.InRange(tree.LargestListing, 1, 64);   // 32 IDs with their .RCP at most
    }

    [Fact]
    public void APage_FromAnywhere_IsThePageOfAFlatListing()
    {
        var tree = new Tree();
        var random = new Random(3);
        var all = new List<string> { "QUEUEIDS.A", "QCLOCK.A", "ZZZ.TXT", "0.A" };
        for (int i = 0; i < 3000; i++)
        {
            string queueId = SpoolNames.MakeQueueId(random.NextInt64(0, 200_000));   // a sequence's range: a few top folders
            all.Add(queueId + (random.Next(4) == 0 ? ".RCP" : ".MSG"));
        }
        all = all.Distinct().ToList();
        foreach (string name in all) tree.Add(name);
        var cursors = new List<string> { null, "0", "QUEUEIDS.A", "~" };
        for (int i = 0; i < 200; i++) cursors.Add(all[random.Next(all.Count)]);
        foreach (string cursor in cursors)
        {
            foreach (int max in new[] { 1, 16, 256 })
            {
                Assert.Equal(NamePage.Select(all.ToArray(), cursor, max), NameBuckets.PageAfter(tree, cursor, max));
            }
        }
    }
}
