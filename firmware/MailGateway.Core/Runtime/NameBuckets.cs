// Where a storage that lists a folder only whole (nanoFramework's Directory.GetFiles) and keeps
// few names in one folder (FAT: at most 65,534 entries) puts a long queue: every file named by a
// queue ID (8 base-32 characters and a 3-letter extension: .MSG, .RCP, .TMP, .BAD, .EML) goes into a
// bucket of 32 IDs, three folders down — "00001\A\7\00001A7Q.MSG" (the ID's first 5 characters,
// then its 6th, then its 7th) — so no folder holds more than 32 entries or 32 IDs' files, whatever
// the queue's length; other names stay at the top. Queue IDs are a sequence, so a queue of 100,000
// messages fills about 3,100 buckets under a handful of top folders.
// PageAfter is IStorage.ListAfter over such a tree: it walks the folders in name order (the IDs'
// digits sort as their values), skips every folder whose names all sort before the cursor, and lists
// only as many buckets as the page needs, each listing a few dozen names at most.
namespace MailGateway.Core.Runtime
{
    /// <summary>What a storage tells PageAfter: the names in one folder of its tree ("" is the top; "00001\A" below it).</summary>
    public interface IFolderListing
    {
        /// <summary>Names (not paths) of the files in the folder, any order; empty when it does not exist.</summary>
        string[] Files(string folder);
        /// <summary>Names of the folders in the folder, any order; empty when it does not exist.</summary>
        string[] Folders(string folder);
    }

    public static class NameBuckets
    {
        public const char Separator = '\\';
        private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

        /// <summary>The bucket folder a name lives in ("00001\A\7"), or null for a name that stays at the top.</summary>
        public static string FolderOf(string name)
        {
            if (name == null || name.Length != 12 || name[8] != '.') return null;
            for (int i = 0; i < 8; i++)
            {
                if (Digits.IndexOf(name[i]) < 0) return null;
            }
            for (int i = 9; i < 12; i++)
            {
                char c = name[i];
                if (c < 'A' || c > 'Z') return null;
            }
            return name.Substring(0, 5) + Separator + name[5] + Separator + name[6];
        }

        /// <summary>The folders from the top down to a bucket, each with the one before it: "00001", "00001\A", "00001\A\7".</summary>
        public static string[] FoldersDownTo(string bucket)
        {
            return new string[] { bucket.Substring(0, 5), bucket.Substring(0, 7), bucket };
        }

        /// <summary>At most max names after 'after' (null: from the first), in ordinal order, of the top and every bucket.</summary>
        public static string[] PageAfter(IFolderListing listing, string after, int max)
        {
            string[] page = NamePage.Select(listing.Files(""), after, max);
            string[] found = new string[max];
            int count = 0;
            string[] first = Sorted(listing.Folders(""));
            for (int a = 0; a < first.Length && count < max; a++)
            {
                string top = first[a];
                if (top.Length != 5 || Before(top, after)) continue;
                string[] second = Sorted(listing.Folders(top));
                for (int b = 0; b < second.Length && count < max; b++)
                {
                    string middle = top + Separator + second[b];
                    if (second[b].Length != 1 || Before(top + second[b], after)) continue;
                    string[] third = Sorted(listing.Folders(middle));
                    for (int c = 0; c < third.Length && count < max; c++)
                    {
                        if (third[c].Length != 1 || Before(top + second[b] + third[c], after)) continue;
                        string[] names = NamePage.Select(listing.Files(middle + Separator + third[c]), after, max - count);
                        for (int i = 0; i < names.Length; i++) found[count++] = names[i];
                    }
                }
            }
            if (count == 0) return page;
            // The top's names and the buckets' come together in order: the page is the smallest max of both.
            string[] both = new string[page.Length + count];
            for (int i = 0; i < page.Length; i++) both[i] = page[i];
            for (int i = 0; i < count; i++) both[page.Length + i] = found[i];
            return NamePage.Select(both, after, max);
        }

        // True when every name starting with prefix sorts before (or is) 'after': nothing there is wanted.
        private static bool Before(string prefix, string after)
        {
            if (after == null) return false;
            int n = prefix.Length < after.Length ? prefix.Length : after.Length;
            int d = NamePage.Compare(prefix, after.Substring(0, n));
            return d < 0;
        }

        private static string[] Sorted(string[] names)
        {
            return NamePage.Select(names, null, names.Length);
        }
    }
}
