// Local mailboxes on the card (DESIGN step 4): one folder per user (its 8.3 name comes from the
// users file), one file per message, durable like the spool.
//
// A message is delivered as QQQQQQQQ.TMP (Return-Path and Delivered-To fields, then the message as
// the spool holds it), synced, renamed to QQQQQQQQ.EML, and the folder synced — only then does
// the queue mark the recipient delivered. The queue ID is the file name, so a delivery repeated
// after a crash finds the .EML already there (with the same length) and does not store the
// message twice; a file of that name and another length is another message (its ID came again
// after the card lost the ID sequence), and the delivery takes the next free variant name
// (MessageName). A .TMP left by a crash belongs to a recipient still pending, and its next
// delivery replaces it. POP3 reads only .EML files (Maildrop); one POP3 session at a time holds a
// mailbox (RFC 1939 §8).
// Space: every mailbox counts against the card (the spool's SpoolSpace, the same budget new mail
// is refused from) and against local.mailbox_max_bytes of its own; a mailbox at its limit gets
// 552 5.2.2 at RCPT, a message that would overfill it is kept in the queue (4.2.2) until the user
// makes room. Sizes are counted once per folder (listing it) and then kept up to date.
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
        private readonly ArrayList _sizes = new ArrayList();         // long bytes per open folder, -1: not counted yet
        private Spool.SpoolSpace _card;
        private long _maxBytes;

        public MailboxStore(IStorageFolders folders)
        {
            _folders = folders;
        }

        /// <summary>
        /// Counts the mailboxes against the card's budget and limits each to maxBytesPerMailbox
        /// (0: only the card limits it). Call before any delivery.
        /// </summary>
        public void Limit(long maxBytesPerMailbox, Spool.SpoolSpace card)
        {
            _maxBytes = maxBytesPerMailbox;
            _card = card;
        }

        /// <summary>Counts these folders against the card now (at start-up), so the spool never promises space mailboxes use.</summary>
        public long CountAll(string[] folders)
        {
            long total = 0;
            for (int i = 0; i < folders.Length; i++) total += Size(folders[i]);
            return total;
        }

        /// <summary>Bytes in the mailbox (messages and unfinished deliveries).</summary>
        public long Size(string folder)
        {
            int i = Index(folder);
            long size = (long)_sizes[i];
            if (size >= 0) return size;
            IStorage storage = (IStorage)_storages[i];
            string[] names = storage.List();
            size = 0;
            for (int k = 0; k < names.Length; k++) size += storage.Length(names[k]);
            _sizes[i] = size;
            if (_card != null) _card.Take(size);
            return size;
        }

        /// <summary>True when the mailbox has reached local.mailbox_max_bytes.</summary>
        public bool IsFull(string folder)
        {
            return _maxBytes > 0 && Size(folder) >= _maxBytes;
        }

        /// <summary>
        /// Takes room for a delivery of bytes: null when it fits, else the reply that defers it
        /// (the mailbox is full: 4.2.2; the card is: 4.3.1). Give it back with Release if the
        /// delivery fails.
        /// </summary>
        public string Reserve(string folder, long bytes)
        {
            return Reserve(folder, bytes, 0);
        }

        /// <summary>As Reserve; the card may go past spool.max_bytes by allowanceBytes (a message's last copy takes over its queue file's space: SpoolSpace).</summary>
        public string Reserve(string folder, long bytes, long allowanceBytes)
        {
            long size = Size(folder);
            if (_maxBytes > 0 && size + bytes > _maxBytes)
            {
                return "452 4.2.2 mailbox full (" + size.ToString() + " of " + _maxBytes.ToString() + " bytes used)";
            }
            if (_card != null && !_card.TryTake(bytes, allowanceBytes)) return "452 4.3.1 insufficient system storage for the mailbox";
            _sizes[Index(folder)] = size + bytes;
            return null;
        }

        /// <summary>Gives back room: a delivery that failed, or messages POP3 deleted.</summary>
        public void Release(string folder, long bytes)
        {
            int i = Index(folder);
            long size = (long)_sizes[i];
            if (size < 0) return; // not counted yet: the count will be taken from the card as it is
            size -= bytes;
            _sizes[i] = size < 0 ? 0 : size;
            if (_card != null) _card.Release(bytes);
        }

        /// <summary>The storage of a mailbox folder (created on first use).</summary>
        public IStorage Folder(string folder)
        {
            return (IStorage)_storages[Index(folder)];
        }

        private int Index(string folder)
        {
            for (int i = 0; i < _openFolders.Count; i++)
            {
                if ((string)_openFolders[i] == folder) return i;
            }
            IStorage storage = _folders.Folder(folder);
            _openFolders.Add(folder);
            _storages.Add(storage);
            _sizes.Add((long)-1);
            return _openFolders.Count - 1;
        }

        /// <summary>Variant file names per queue ID (see MessageName).</summary>
        public const int MaxVariants = 4 * 36;
        private const string VariantDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

        /// <summary>
        /// The n-th name a message with this queue ID may have in a mailbox, without extension: the
        /// queue ID itself (n = 0), then the ID with its last two characters replaced by "W0" .. "ZZ"
        /// — letters queue IDs never contain (base 32 stops at V), so a variant never takes another
        /// message's own name.
        /// </summary>
        public static string MessageName(string queueId, int n)
        {
            if (n == 0) return queueId;
            n--;
            return queueId.Substring(0, 6) + "WXYZ"[n / 36] + VariantDigits[n % 36];
        }

        /// <summary>
        /// Looks for this message (queue ID and exact length) in the mailbox: found is true when it
        /// is already there (a repeated delivery after a crash); otherwise the result is the name
        /// the delivery should use (null when every variant is taken).
        /// </summary>
        public string FindName(string folder, string queueId, long length, out bool found)
        {
            IStorage storage = Folder(folder);
            found = false;
            for (int n = 0; n < MaxVariants; n++)
            {
                string name = MessageName(queueId, n);
                if (!storage.Exists(name + MessageExtension)) return name;
                if (storage.Length(name + MessageExtension) == length)
                {
                    found = true;
                    return name;
                }
            }
            return null;
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
        /// <summary>
        /// The first max messages of a mailbox by queue ID (the oldest first), read a page at a time
        /// (IStorage.ListAfter): a mailbox of thousands of messages is never listed whole.
        /// </summary>
        public long[] FirstMessages(string folder, int max)
        {
            IStorage storage = Folder(folder);
            long[] found = new long[max];
            int count = 0;
            string after = null;
            while (count < max)
            {
                string[] page = storage.ListAfter(after, 64);
                for (int i = 0; i < page.Length && count < max; i++)
                {
                    string name = page[i];
                    if (name.Length != 12 || !Text.Ascii.EqualsIgnoreCase(name.Substring(8), MessageExtension)) continue;
                    long id = Spool.SpoolNames.ParseQueueId(name.Substring(0, 8));
                    if (id >= 0) found[count++] = id;
                }
                if (page.Length < 64) break;
                after = page[page.Length - 1];
            }
            if (count == max) return found;
            long[] fewer = new long[count];
            for (int i = 0; i < count; i++) fewer[i] = found[i];
            return fewer;
        }

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
