// The SD card as the core sees it: one flat folder of 8.3-named files (the spool folder).
//
// Narrow on purpose, so that a FAT card on the ESP32, a Linux directory on a Raspberry Pi and the
// simulator's power-cut storage can all implement it. Rules every implementation enforces, because
// the card's FAT driver does:
//   - names are 8.3 (1-8 characters, optional '.' and 1-3 characters; A-Z, 0-9, '_' and '-');
//   - Rename never replaces an existing name (it returns false instead);
//   - written bytes are durable only after Sync(handle); a new, renamed or deleted name is durable
//     only after SyncDirectory() (Linux needs fsync on the folder; on FAT it is a no-op).
//   - Rename or Delete of an open file fails, and a file is open for appending at most once;
//   - a missing name is an IOException (FileNotFoundException on the host), Delete included;
//   - Close makes nothing durable, and releases the handle even when it reports an error (as
//     close(2) does): a handle is closed once, never again after a failed Close.
// Failures are reported by throwing System.IO.IOException; the spool turns them into 4xx replies.
namespace MailGateway.Core.Runtime
{
    public interface IStorage
    {
        /// <summary>Creates a new, empty file for appending. Throws if the name exists.</summary>
        int Create(string name);

        /// <summary>Opens an existing file for appending at its end.</summary>
        int OpenAppend(string name);

        /// <summary>Opens an existing file for reading.</summary>
        int OpenRead(string name);

        void Append(int handle, byte[] buffer, int offset, int count);

        /// <summary>Reads up to count bytes at position; returns the number read, 0 at the end.</summary>
        int Read(int handle, long position, byte[] buffer, int offset, int count);

        /// <summary>Makes every byte appended to this file so far durable (fsync).</summary>
        void Sync(int handle);

        void Close(int handle);

        /// <summary>Renames a file; false when 'to' already exists (FAT cannot replace).</summary>
        bool Rename(string from, string to);

        void Delete(string name);

        bool Exists(string name);

        /// <summary>Size in bytes of a closed or open file.</summary>
        long Length(string name);

        /// <summary>Names of all files in the folder, in no particular order.</summary>
        string[] List();
        /// <summary>
        /// At most max names that sort after 'after' (ordinal; null: from the first), in ordinal
        /// order: a long folder is walked a page at a time, in memory bounded by max, and a cursor
        /// that is a name stays valid while files come and go.
        /// </summary>
        string[] ListAfter(string after, int max);

        /// <summary>Makes creations, renames and deletions durable (fsync of the folder).</summary>
        void SyncDirectory();
    }
}
