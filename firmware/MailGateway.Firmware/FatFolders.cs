// IStorageFolders on the card: each local mailbox is an 8.3-named folder beside the spool's files
// inside the data folder (D:\MAILGW\U0000001\...), with FatStorage's rules. A folder is created when
// first asked for; on FAT, creating it is on the card when CreateDirectory returns (f_mkdir syncs),
// so "made durable" needs nothing more. Instances are kept, one per folder.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class FatFolders : IStorageFolders
    {
        private readonly string _dataFolder;
        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _folders = new ArrayList();

        public FatFolders(string dataFolder)
        {
            _dataFolder = dataFolder;
        }

        public IStorage Folder(string name)
        {
            if (!FatName.IsValid(name)) throw new System.ArgumentException("not an 8.3 folder name: " + name);
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] == name) return (IStorage)_folders[i];
            }
            FatStorage folder = new FatStorage(_dataFolder + "\\" + name);
            _names.Add(name);
            _folders.Add(folder);
            return folder;
        }
    }
}
