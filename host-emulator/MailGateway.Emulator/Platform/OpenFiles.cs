// The open-file handles of the host's two IStorage implementations (HostStorage on real files,
// SimulatedStorage in memory): small integers, never reused, each naming a file opened either for
// appending or for reading. Using a handle the wrong way is a bug in the caller, not an I/O error,
// so it throws InvalidOperationException.
using System;
using System.Collections.Generic;

namespace MailGateway.Emulator.Platform
{
    internal sealed class OpenFiles<TFile> where TFile : class
    {
        internal sealed class Entry
        {
            public string Name;
            public TFile File;
            public bool ForAppend;
        }

        private readonly Dictionary<int, Entry> _open = new Dictionary<int, Entry>();
        private int _nextHandle = 1;

        public IEnumerable<Entry> All => _open.Values;

        public int Add(string name, TFile file, bool forAppend)
        {
            int handle = _nextHandle++;
            _open.Add(handle, new Entry { Name = name, File = file, ForAppend = forAppend });
            return handle;
        }

        /// <summary>The entry of an open handle that was opened the way the operation needs.</summary>
        public Entry Get(int handle, bool forAppend, string operation)
        {
            if (!_open.TryGetValue(handle, out Entry open))
                throw new InvalidOperationException(operation + ": storage handle " + handle + " is not open.");
            if (open.ForAppend != forAppend)
            {
                throw new InvalidOperationException(operation + ": " + open.Name + " was opened for "
                    + (open.ForAppend ? "appending" : "reading") + ".");
            }
            return open;
        }

        /// <summary>Forgets a handle (Close) and returns its entry.</summary>
        public Entry Remove(int handle)
        {
            if (!_open.Remove(handle, out Entry open))
                throw new InvalidOperationException("Close: storage handle " + handle + " is not open.");
            return open;
        }

        public bool IsOpen(TFile file)
        {
            foreach (Entry open in _open.Values)
            {
                if (open.File == file) return true;
            }
            return false;
        }

        public bool IsOpenForAppend(TFile file)
        {
            foreach (Entry open in _open.Values)
            {
                if (open.ForAppend && open.File == file) return true;
            }
            return false;
        }

        public void Clear()
        {
            _open.Clear();
        }
    }
}
