// Local mailboxes on the card (DESIGN step 4): one folder per user (its 8.3 name comes from the
// users file), one file per message, durable like the spool.
//
// A message is delivered as QQQQQQQQ.TMP (Return-Path and Delivered-To fields, then the message as
// the spool holds it), synced, renamed to QQQQQQQQ.EML, and the folder synced — only then does
// the queue mark the recipient delivered. The queue ID is the file name, so a delivery repeated
// after a crash finds the .EML already there and does not store the message twice; a .TMP left by
// a crash belongs to a recipient still pending, and its next delivery replaces it. POP3 reads
// only .EML files (Maildrop); one POP3 session at a time holds a mailbox (RFC 1939 §8).
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Local
{
    public sealed class MailboxStore
    {
        public const string MessageExtension = ".EML";
        public const string TemporaryExtension = ".TMP";

        private readonly IStorageFolders _folders;
        private readonly ArrayList _openFolders = new ArrayList();   // names, parallel to _storages
        private readonly ArrayList _storages = new ArrayList();
        private readonly ArrayList _locked = new ArrayList();

        public MailboxStore(IStorageFolders folders)
        {
            _folders = folders;
        }

        /// <summary>The storage of a mailbox folder (created on first use).</summary>
        public IStorage Folder(string folder)
        {
            for (int i = 0; i < _openFolders.Count; i++)
            {
                if ((string)_openFolders[i] == folder) return (IStorage)_storages[i];
            }
            IStorage storage = _folders.Folder(folder);
            _openFolders.Add(folder);
            _storages.Add(storage);
            return storage;
        }

        /// <summary>True when a message with this queue ID is already in the mailbox (a repeated delivery).</summary>
        public bool Contains(string folder, string queueId)
        {
            return Folder(folder).Exists(queueId + MessageExtension);
        }

        /// <summary>Takes the mailbox for one POP3 session; false when another session has it.</summary>
        public bool TryLock(string folder)
        {
            if (_locked.Contains(folder)) return false;
            _locked.Add(folder);
            return true;
        }

        public void Unlock(string folder)
        {
            _locked.Remove(folder);
        }

        public bool IsLocked(string folder)
        {
            return _locked.Contains(folder);
        }

        /// <summary>The messages of a mailbox (file names without extension), oldest queue ID first.</summary>
        public string[] Messages(string folder)
        {
            IStorage storage = Folder(folder);
            string[] names = storage.List();
            ArrayList ids = new ArrayList();
            for (int i = 0; i < names.Length; i++)
            {
                string name = names[i];
                if (name.Length == 12 && Text.Ascii.EqualsIgnoreCase(name.Substring(8), MessageExtension)) ids.Add(name.Substring(0, 8));
            }
            string[] result = (string[])ids.ToArray(typeof(string));
            SortOrdinal(result);
            return result;
        }

        private static void SortOrdinal(string[] items)
        {
            for (int i = 1; i < items.Length; i++)
            {
                string item = items[i];
                int j = i - 1;
                while (j >= 0 && string.Compare(items[j], item) > 0)
                {
                    items[j + 1] = items[j];
                    j--;
                }
                items[j + 1] = item;
            }
        }
    }
}
