// IStorage.ListAfter for a folder of any length at the cost of one listing per walk, for the host
// storages (HostStorage, SimulatedStorage). A directory cannot be read from a name onwards, and
// listing 200,000 files for every page of a walk would stall the loop; so a walk that starts from
// the first name (after == null) takes one fresh listing, sorted, and the pages after it come from
// that listing plus the names this storage created since (Added), skipping those it removed
// (Removed) — the storage itself makes every change to its folder. Memory: the listing (the host
// has it to spare; the device lists a folder whole anyway, Runtime/NamePage), at most MaxAdded new
// names, and the listed names removed since; never the names that came and went in between.
using System;
using System.Collections.Generic;

namespace MailGateway.Emulator.Platform
{
    public sealed class ListingIndex
    {
        /// <summary>Names created since the listing beyond which a fresh one is taken.</summary>
        private const int MaxAdded = 4096;

        private string[] _sorted;
        private readonly SortedSet<string> _added = new SortedSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _removed = new HashSet<string>(StringComparer.Ordinal);

        public void Added(string name)
        {
            if (_sorted == null) return;
            _removed.Remove(name);
            _added.Add(name);
            if (_added.Count > MaxAdded) _sorted = null;
        }

        public void Removed(string name)
        {
            if (_sorted == null) return;
            // A name created since the listing just leaves _added; only listed names are
            // remembered as removed, so _removed never outgrows the listing (a busy queue creates
            // and removes names all day between two walks).
            _added.Remove(name);
            if (IsListed(name)) _removed.Add(name);
        }

        /// <summary>Names kept besides the listing (created or removed since): bounded by MaxAdded and the listing.</summary>
        public int RememberedNames => _added.Count + _removed.Count;

        private bool IsListed(string name)
        {
            int i = FirstAfter(name) - 1;
            return i >= 0 && string.CompareOrdinal(_sorted[i], name) == 0;
        }

        /// <summary>A page of ListAfter; listAll gives every name now (called when a fresh listing is due).</summary>
        public string[] Page(string after, int max, Func<string[]> listAll)
        {
            if (after == null || _sorted == null)
            {
                _sorted = listAll();
                Array.Sort(_sorted, StringComparer.Ordinal);
                _added.Clear();
                _removed.Clear();
            }
            var page = new List<string>(Math.Min(max, 1024));
            int i = after == null ? 0 : FirstAfter(after);
            using IEnumerator<string> added = _added.GetEnumerator();   // at most MaxAdded names; Next skips to the cursor
            string extra = Next(added, after);
            while (page.Count < max)
            {
                while (i < _sorted.Length && _removed.Contains(_sorted[i])) i++;
                string listed = i < _sorted.Length ? _sorted[i] : null;
                if (listed == null && extra == null) break;
                int order = listed == null ? 1 : extra == null ? -1 : string.CompareOrdinal(listed, extra);
                if (order <= 0)
                {
                    page.Add(listed);
                    i++;
                    if (order == 0) extra = Next(added, after);
                }
                else
                {
                    page.Add(extra);
                    extra = Next(added, after);
                }
            }
            return page.ToArray();
        }

        private static string Next(IEnumerator<string> names, string after)
        {
            while (names.MoveNext())
            {
                if (after == null || string.CompareOrdinal(names.Current, after) > 0) return names.Current;
            }
            return null;
        }

        // The index of the first listed name that sorts after 'after' (binary search).
        private int FirstAfter(string after)
        {
            int low = 0, high = _sorted.Length;
            while (low < high)
            {
                int mid = (low + high) >> 1;
                if (string.CompareOrdinal(_sorted[mid], after) <= 0) low = mid + 1;
                else high = mid;
            }
            return low;
        }
    }
}
