// One page of a folder listing for IStorage.ListAfter, for platforms that can only list a folder
// whole (nanoFramework's Directory.GetFiles): the max smallest names after the cursor, in ordinal
// order, picked by insertion into a page of max names (no sort of the whole listing).
namespace MailGateway.Core.Runtime
{
    public static class NamePage
    {
        /// <summary>At most max names of all that sort after 'after' (null: from the first), in ordinal order.</summary>
        public static string[] Select(string[] all, string after, int max)
        {
            string[] page = new string[max];
            int count = 0;
            for (int i = 0; i < all.Length; i++)
            {
                string name = all[i];
                if (after != null && Compare(name, after) <= 0) continue;
                if (count == max && Compare(name, page[max - 1]) >= 0) continue;
                int at = count < max ? count : max - 1;
                while (at > 0 && Compare(name, page[at - 1]) < 0)
                {
                    page[at] = page[at - 1];
                    at--;
                }
                page[at] = name;
                if (count < max) count++;
            }
            if (count == max) return page;
            string[] shorter = new string[count];
            for (int i = 0; i < count; i++) shorter[i] = page[i];
            return shorter;
        }

        /// <summary>Ordinal comparison (by UTF-16 code unit, as string.CompareOrdinal on .NET).</summary>
        public static int Compare(string a, string b)
        {
            int n = a.Length < b.Length ? a.Length : b.Length;
            for (int i = 0; i < n; i++)
            {
                int d = a[i] - b[i];
                if (d != 0) return d;
            }
            return a.Length - b.Length;
        }
    }
}
