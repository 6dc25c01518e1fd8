// IStorageFolders on the host: each folder is a directory (8.3 name) under the data directory,
// served by its own HostStorage; a new directory is made durable with a sync of its parent.
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostStorageFolders : IStorageFolders
    {
        private readonly string _root;
        private readonly HostStorage _rootStorage;
        private readonly Dictionary<string, HostStorage> _open = new Dictionary<string, HostStorage>();

        /// <summary>root: the data directory; rootStorage: its own storage (used for the directory sync).</summary>
        public HostStorageFolders(string root, HostStorage rootStorage)
        {
            _root = root;
            _rootStorage = rootStorage;
        }

        public IStorage Folder(string name)
        {
            if (!FatName.IsValid(name) || name.IndexOf('.') >= 0) throw new IOException("'" + name + "' is not an 8-character folder name");
            if (_open.TryGetValue(name, out HostStorage storage)) return storage;
            string path = Path.Combine(_root, name);
            bool created = !Directory.Exists(path);
            storage = new HostStorage(path);
            if (created) _rootStorage.SyncDirectory();
            _open[name] = storage;
            return storage;
        }
    }
}
