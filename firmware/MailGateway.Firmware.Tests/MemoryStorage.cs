// An IStorage in memory for the device tests (the spool's record reader needs one), so they need
// no SD card: named byte arrays, appends at the end, reads at a position. It keeps IStorage's
// rules that the tests touch (8.3 names, Create refuses an existing name, Rename never replaces);
// durability calls do nothing because nothing here outlives the test.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware.Tests
{
    public sealed class MemoryStorage : IStorage
    {
        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _contents = new ArrayList();   // byte[] per name
        private readonly ArrayList _handles = new ArrayList();    // name per handle - 1

        public int Create(string name)
        {
            if (!FatName.IsValid(name)) throw new System.ArgumentException(name);
            if (IndexOf(name) >= 0) throw new System.IO.IOException(name + " exists");
            _names.Add(name);
            _contents.Add(new byte[0]);
            return Open(name);
        }

        public int OpenAppend(string name) { Find(name); return Open(name); }

        public int OpenRead(string name) { Find(name); return Open(name); }

        public void Append(int handle, byte[] buffer, int offset, int count)
        {
            int i = Find((string)_handles[handle - 1]);
            byte[] old = (byte[])_contents[i];
            byte[] grown = new byte[old.Length + count];
            System.Array.Copy(old, grown, old.Length);
            System.Array.Copy(buffer, offset, grown, old.Length, count);
            _contents[i] = grown;
        }

        public int Read(int handle, long position, byte[] buffer, int offset, int count)
        {
            byte[] data = (byte[])_contents[Find((string)_handles[handle - 1])];
            if (position >= data.Length) return 0;
            int n = data.Length - (int)position < count ? data.Length - (int)position : count;
            System.Array.Copy(data, (int)position, buffer, offset, n);
            return n;
        }

        public void Sync(int handle) { }

        public void Close(int handle) { _handles[handle - 1] = null; }

        public bool Rename(string from, string to)
        {
            int i = Find(from);
            if (IndexOf(to) >= 0) return false;
            _names[i] = to;
            return true;
        }

        public void Delete(string name)
        {
            int i = Find(name);
            _names.RemoveAt(i);
            _contents.RemoveAt(i);
        }

        public bool Exists(string name) { return IndexOf(name) >= 0; }

        public long Length(string name) { return ((byte[])_contents[Find(name)]).Length; }

        public string[] List()
        {
            string[] all = new string[_names.Count];
            for (int i = 0; i < all.Length; i++) all[i] = (string)_names[i];
            return all;
        }

        public string[] ListAfter(string after, int max) { return NamePage.Select(List(), after, max); }

        public void SyncDirectory() { }

        /// <summary>The file's bytes (for tests that tear or damage them).</summary>
        public byte[] Bytes(string name) { return (byte[])_contents[Find(name)]; }

        public void SetBytes(string name, byte[] data) { _contents[Find(name)] = data; }

        private int Open(string name)
        {
            _handles.Add(name);
            return _handles.Count;
        }

        private int IndexOf(string name)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] == name) return i;
            }
            return -1;
        }

        private int Find(string name)
        {
            int i = IndexOf(name);
            if (i < 0) throw new System.IO.IOException(name + " not found");
            return i;
        }
    }
}
