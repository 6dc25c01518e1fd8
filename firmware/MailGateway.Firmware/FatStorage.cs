// IStorage on the SD card's FAT file system (nanoFramework.System.IO.FileSystem, drive D:\): one
// folder of 8.3-named files, the ones named by queue IDs in buckets of 32 IDs three folders down
// (Runtime/NameBuckets): nanoFramework lists a folder only whole and FAT keeps at most 65,534
// entries in one, so a queue of 100,000 messages in one folder could neither be listed on a 60 KB
// heap nor stored. A bucket's folders are made when its first file is, and removed when its last
// file goes. The spool sees one flat folder all the same. Every IStorage rule is enforced here because the spool relies on it
// being the same on the card as in the emulator: 8.3 names (FatName), Rename never replaces (FAT's
// rename cannot; checked first and refused with false), Rename/Delete of an open file fail, one
// appender per file, a missing name is an IOException (nanoFramework's File.Delete would silently
// do nothing), and anything else the driver throws is turned into an IOException.
//
// What Sync and SyncDirectory mean here (read from nf-interpreter's ESP32 native code for
// System.IO.FileStream and File, targets/ESP32/_nanoCLR/System.IO.FileSystem): nanoFramework's
// FileStream keeps no native handle. Every Write opens the file ("a+"), seeks, fwrite()s and
// fclose()s it; fclose() flushes the C library's buffer into FatFs and f_close() syncs the file —
// its data clusters, the FAT and its directory entry (size) are written to the card before Write
// returns. FileStream.Flush is therefore a no-op in nanoFramework, and so is Sync here: when
// Append returns, the bytes have been handed to the card. Creating, renaming (f_rename) and
// deleting (f_unlink) likewise update the directory on the card before they return, so
// SyncDirectory is a no-op too (DESIGN: "on FAT it is a no-op").
//
// What the spool relies on, and what FAT does not give: an Append cut by a power failure can
// leave part of the bytes (the record CRC catches it), and a rename cut at the wrong moment can
// leave two names on one cluster chain (UsersFile and the spool's recovery handle both); FAT
// reports no free space (SpoolSpace counts bytes itself). Beyond the driver, the card's own
// controller may still hold or tear recent writes on power loss: boards/*/README.md recommend
// power-loss-protected (industrial) cards for that reason.
//
// Cost on the interpreter: each Append and Read is a native open/seek/transfer/close plus one
// managed copy of the bytes (FileStream copies through a temporary array); the spool writes
// whole records, so that is a few calls per message chunk, not per byte.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class FatStorage : IStorage, IFolderListing
    {
        private readonly string _folder;          // e.g. D:\MAILGW, no trailing backslash
        private readonly bool _longNames;         // ForWholeFiles: names as a person gave them
        private readonly ArrayList _open = new ArrayList();   // OpenFile, index = handle - 1 (null: free)

        private sealed class OpenFile
        {
            public string Name;
            public bool Appending;
            public System.IO.FileStream Stream;
        }

        /// <summary>The folder (created when missing). Throws IOException when the card cannot make it.</summary>
        public FatStorage(string folder)
        {
            _folder = folder;
            try
            {
                if (!System.IO.Directory.Exists(folder)) System.IO.Directory.CreateDirectory(folder);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot create folder " + folder, e);
            }
        }

        private FatStorage(string folder, bool longNames)
        {
            _folder = folder;
            _longNames = longNames;
        }

        /// <summary>
        /// A folder of the card ("D:" for the root) for whole files a person names, such as
        /// mailgw.conf or a PEM certificate (WholeFile): the names need not be 8.3 (the card keeps
        /// long names); every other rule stays. It creates nothing and touches nothing until used,
        /// so it can be made before the card is mounted.
        /// </summary>
        public static FatStorage ForWholeFiles(string folder)
        {
            return new FatStorage(folder, true);
        }

        public string FolderPath { get { return _folder; } }

        public int Create(string name)
        {
            string path = PathOf(name);
            if (System.IO.File.Exists(path)) throw new System.IO.IOException(name + " exists");
            MakeBucket(name);
            return Open(name, path, System.IO.FileMode.CreateNew, System.IO.FileAccess.Write, true);
        }

        public int OpenAppend(string name)
        {
            string path = PathOf(name);
            if (!System.IO.File.Exists(path)) throw new System.IO.IOException(name + " not found");
            if (FindOpen(name, true) >= 0) throw new System.IO.IOException(name + " is already open for appending");
            return Open(name, path, System.IO.FileMode.Append, System.IO.FileAccess.Write, true);
        }

        public int OpenRead(string name)
        {
            string path = PathOf(name);
            if (!System.IO.File.Exists(path)) throw new System.IO.IOException(name + " not found");
            return Open(name, path, System.IO.FileMode.Open, System.IO.FileAccess.Read, false);
        }

        public void Append(int handle, byte[] buffer, int offset, int count)
        {
            OpenFile f = Get(handle);
            if (!f.Appending) throw new System.InvalidOperationException("handle " + handle.ToString() + " is open for reading");
            if (count == 0) return;
            try
            {
                f.Stream.Write(buffer, offset, count);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot append to " + f.Name, e);
            }
        }

        public int Read(int handle, long position, byte[] buffer, int offset, int count)
        {
            OpenFile f = Get(handle);
            if (f.Appending) throw new System.InvalidOperationException("handle " + handle.ToString() + " is open for appending");
            if (count == 0) return 0;
            try
            {
                // FileStream refuses a position past the end; reading there is simply the end.
                if (position >= f.Stream.Length) return 0;
                f.Stream.Position = position;
                return f.Stream.Read(buffer, offset, count);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot read " + f.Name, e);
            }
        }

        /// <summary>Nothing to do: every Append was synced to the card before it returned (see the header).</summary>
        public void Sync(int handle)
        {
            Get(handle);
        }

        public void Close(int handle)
        {
            OpenFile f = Get(handle);
            _open[handle - 1] = null;
            try
            {
                f.Stream.Close();
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot close " + f.Name, e);
            }
        }

        public bool Rename(string from, string to)
        {
            string fromPath = PathOf(from);
            string toPath = PathOf(to);
            if (FindOpen(from, false) >= 0) throw new System.IO.IOException(from + " is open");
            if (!System.IO.File.Exists(fromPath)) throw new System.IO.IOException(from + " not found");
            if (System.IO.File.Exists(toPath)) return false;
            MakeBucket(to);
            try
            {
                System.IO.File.Move(fromPath, toPath);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot rename " + from + " to " + to, e);
            }
            return true;
        }

        public void Delete(string name)
        {
            string path = PathOf(name);
            if (FindOpen(name, false) >= 0) throw new System.IO.IOException(name + " is open");
            if (!System.IO.File.Exists(path)) throw new System.IO.IOException(name + " not found");
            try
            {
                System.IO.File.Delete(path);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot delete " + name, e);
            }
            PruneBucket(name);
        }

        public bool Exists(string name)
        {
            string path = PathOf(name);
            try
            {
                return System.IO.File.Exists(path);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot look for " + name, e); // a card that is gone, or was never mounted
            }
        }

        public long Length(string name)
        {
            string path = PathOf(name);
            if (!System.IO.File.Exists(path)) throw new System.IO.IOException(name + " not found");
            System.IO.FileStream s = null;
            try
            {
                s = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Read);
                return s.Length;
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot read the length of " + name, e);
            }
            finally
            {
                if (s != null) s.Close();
            }
        }

        /// <summary>Every name, the buckets' too, a page at a time (see ListAfter).</summary>
        public string[] List()
        {
            ArrayList all = new ArrayList();
            string[] page = ListAfter(null, 256);
            while (page.Length > 0)
            {
                for (int i = 0; i < page.Length; i++) all.Add(page[i]);
                page = page.Length < 256 ? new string[0] : ListAfter(page[page.Length - 1], 256);
            }
            string[] names = new string[all.Count];
            for (int i = 0; i < names.Length; i++) names[i] = (string)all[i];
            return names;
        }

        /// <summary>A page of the listing, walking the buckets in order: no folder listed holds more than a few dozen names.</summary>
        public string[] ListAfter(string after, int max)
        {
            return NameBuckets.PageAfter(this, after, max);
        }

        /// <summary>IFolderListing: the files of a folder of the tree ("" the top), names only; none when it is not there.</summary>
        public string[] Files(string folder)
        {
            return Names(folder, false);
        }

        /// <summary>IFolderListing: the folders of a folder of the tree, names only.</summary>
        public string[] Folders(string folder)
        {
            return Names(folder, true);
        }

        private string[] Names(string folder, bool folders)
        {
            string path = folder.Length == 0 ? _folder : _folder + "\\" + folder;
            string[] paths;
            try
            {
                if (!System.IO.Directory.Exists(path)) return new string[0];
                paths = folders ? System.IO.Directory.GetDirectories(path) : System.IO.Directory.GetFiles(path);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot list " + path, e);
            }
            string[] names = new string[paths.Length];
            for (int i = 0; i < paths.Length; i++)
            {
                int slash = paths[i].LastIndexOf('\\');
                names[i] = slash < 0 ? paths[i] : paths[i].Substring(slash + 1);
            }
            return names;
        }

        // The folders of the name's bucket, made when missing (CreateDirectory makes one level).
        private void MakeBucket(string name)
        {
            string bucket = BucketOf(name);
            if (bucket == null) return;
            string[] levels = NameBuckets.FoldersDownTo(bucket);
            for (int i = 0; i < levels.Length; i++)
            {
                string path = _folder + "\\" + levels[i];
                try
                {
                    if (!System.IO.Directory.Exists(path)) System.IO.Directory.CreateDirectory(path);
                }
                catch (System.Exception e)
                {
                    throw AsIo("cannot create folder " + path, e);
                }
            }
        }

        // Removes the name's bucket folders that are empty now, deepest first, so that a drained queue
        // leaves no folders for the scan to walk. A folder the card will not remove stays (harmless).
        private void PruneBucket(string name)
        {
            string bucket = BucketOf(name);
            if (bucket == null) return;
            string[] levels = NameBuckets.FoldersDownTo(bucket);
            for (int i = levels.Length - 1; i >= 0; i--)
            {
                string path = _folder + "\\" + levels[i];
                try
                {
                    if (System.IO.Directory.GetFiles(path).Length > 0 || System.IO.Directory.GetDirectories(path).Length > 0) return;
                    System.IO.Directory.Delete(path);
                }
                catch (System.Exception)
                {
                    return;
                }
            }
        }

        /// <summary>Nothing to do on FAT: the directory was written when the name changed (see the header).</summary>
        public void SyncDirectory()
        {
        }

        // ---- helpers --------------------------------------------------------------------------

        private string PathOf(string name)
        {
            if (_longNames ? !IsPlainName(name) : !FatName.IsValid(name)) throw new System.ArgumentException((_longNames ? "not a file name: " : "not an 8.3 name: ") + name);
            string bucket = BucketOf(name);
            return bucket == null ? _folder + "\\" + name : _folder + "\\" + bucket + "\\" + name;
        }

        // Queue files live in buckets; a file a person names stays where it was named ("ABCDEFGH.PEM"
        // looks like a queue file's name).
        private string BucketOf(string name)
        {
            return _longNames ? null : NameBuckets.FolderOf(name);
        }

        private static bool IsPlainName(string name)
        {
            return name != null && name.Length > 0 && name.IndexOf('\\') < 0 && name.IndexOf('/') < 0 && name != "." && name != "..";
        }

        private int Open(string name, string path, System.IO.FileMode mode, System.IO.FileAccess access, bool appending)
        {
            OpenFile f = new OpenFile();
            f.Name = name;
            f.Appending = appending;
            try
            {
                f.Stream = new System.IO.FileStream(path, mode, access);
            }
            catch (System.Exception e)
            {
                throw AsIo("cannot open " + name, e);
            }
            for (int i = 0; i < _open.Count; i++)
            {
                if (_open[i] == null)
                {
                    _open[i] = f;
                    return i + 1;
                }
            }
            _open.Add(f);
            return _open.Count;
        }

        private OpenFile Get(int handle)
        {
            OpenFile f = handle >= 1 && handle <= _open.Count ? (OpenFile)_open[handle - 1] : null;
            if (f == null) throw new System.ArgumentException("unknown file handle " + handle.ToString());
            return f;
        }

        // The handle of an open file with this name (only appenders when appendersOnly), or -1.
        private int FindOpen(string name, bool appendersOnly)
        {
            for (int i = 0; i < _open.Count; i++)
            {
                OpenFile f = (OpenFile)_open[i];
                if (f != null && f.Name == name && (f.Appending || !appendersOnly)) return i + 1;
            }
            return -1;
        }

        private static System.IO.IOException AsIo(string what, System.Exception e)
        {
            System.IO.IOException io = e as System.IO.IOException;
            if (io != null) return io;
            return new System.IO.IOException(what + ": " + e.GetType().Name + ": " + e.Message);
        }
    }
}
