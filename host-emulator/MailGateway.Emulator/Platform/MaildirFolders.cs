// IStorageFolders for local.mailbox_format = maildir (host only): each user's mailbox is a Maildir
// (tmp/, new/, cur/) at <data folder>/<user folder>/, read and written through MaildirStorage.
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class MaildirFolders : IStorageFolders
    {
        private readonly string _root;
        private readonly string _hostname;
        private readonly Dictionary<string, MaildirStorage> _open = new Dictionary<string, MaildirStorage>();

        public MaildirFolders(string root, string hostname)
        {
            _root = root;
            _hostname = hostname;
        }

        public IStorage Folder(string name)
        {
            if (!FatName.IsValid(name) || name.IndexOf('.') >= 0) throw new IOException("'" + name + "' is not a mailbox folder name");
            if (!_open.TryGetValue(name, out MaildirStorage storage))
            {
                storage = new MaildirStorage(Path.Combine(_root, name), _hostname);
                _open[name] = storage;
            }
            return storage;
        }
    }
}
