// A small file read and replaced whole (the users file, the board's configuration), on a storage
// that cannot rename over a name (FAT), so that a power cut at any moment of a replace leaves the
// old content or the new one, never a mix or nothing.
//
// Replace(name, temporary, data):
//   1. clear a leftover temporary file (see below);
//   2. when there is no file yet, create it empty; SyncDirectory. (An empty file stands for "no
//      file" to the callers: with it, a temporary file alone always means step 5 was reached.)
//   3. create the temporary file, append the data, Sync, Close; SyncDirectory;
//   4. delete the file; SyncDirectory;
//   5. rename the temporary file to the name; SyncDirectory.
// A power cut leaves: before 3 ends, the old file (maybe empty) and maybe a partial temporary
// file; between 3 and 4, the old file and the complete temporary file; after 4, the complete
// temporary file alone; after 5, the new file. Read therefore takes the file when it exists (a
// temporary file beside it is stale) and otherwise the temporary file, which it renames to finish
// the interrupted replace.
// A temporary file with the same bytes as the file may be a FAT rename torn by a power cut that
// left two names on one cluster chain, where deleting either name frees the other's clusters:
// Replace then refuses (IOException asking for a card check) instead of deleting it; Read works.
// On a host the configuration is replaced with POSIX rename over the old name instead (the host's
// Platform/SyncedFile); this order is for the card. ReadAll reads a file nobody replaces (the
// board's PEM certificates).
namespace MailGateway.Core.Runtime
{
    public static class WholeFile
    {
        /// <summary>The file's bytes, finishing an interrupted Replace first; null when there is no file. Throws IOException (also when larger than maxBytes).</summary>
        public static byte[] Read(IStorage storage, string name, string temporaryName, int maxBytes)
        {
            if (storage.Exists(name)) return ReadAll(storage, name, maxBytes);
            if (!storage.Exists(temporaryName)) return null;
            byte[] data = ReadAll(storage, temporaryName, maxBytes);
            // Step 5 of an interrupted Replace. If it fails, the bytes are still right and the
            // next Read or Replace tries again.
            try
            {
                if (storage.Rename(temporaryName, name)) storage.SyncDirectory();
            }
            catch (System.IO.IOException)
            {
            }
            return data;
        }

        /// <summary>Replaces the file's content with data, durably and atomically (see the header). Throws IOException.</summary>
        public static void Replace(IStorage storage, string name, string temporaryName, byte[] data)
        {
            if (storage.Exists(temporaryName)) ClearTemporary(storage, name, temporaryName);
            if (!storage.Exists(name))
            {
                storage.Close(storage.Create(name));
                storage.SyncDirectory();
            }
            int handle = storage.Create(temporaryName);
            try
            {
                if (data.Length > 0) storage.Append(handle, data, 0, data.Length);
                storage.Sync(handle);
            }
            finally
            {
                storage.Close(handle);
            }
            storage.SyncDirectory();
            storage.Delete(name);
            storage.SyncDirectory();
            if (!storage.Rename(temporaryName, name))
            {
                throw new System.IO.IOException("cannot rename " + temporaryName + " to " + name);
            }
            storage.SyncDirectory();
        }

        // A temporary file before a replace: the result of an interrupted one (kept as the file when
        // there is none), a stale partial file (deleted), or possibly a torn FAT rename (refused).
        private static void ClearTemporary(IStorage storage, string name, string temporaryName)
        {
            if (!storage.Exists(name))
            {
                if (storage.Rename(temporaryName, name))
                {
                    storage.SyncDirectory();
                    return;
                }
            }
            else if (SameBytes(storage, name, temporaryName))
            {
                throw new System.IO.IOException(temporaryName + " has the same bytes as " + name +
                    ": maybe a rename cut short by a power failure left two names on one file. Check the card " +
                    "(fsck) and then delete " + temporaryName);
            }
            storage.Delete(temporaryName);
            storage.SyncDirectory();
        }

        /// <summary>The bytes of a file nobody replaces (a PEM certificate). Throws IOException: missing, larger than maxBytes, unreadable.</summary>
        public static byte[] ReadAll(IStorage storage, string name, int maxBytes)
        {
            long length = storage.Length(name);
            if (length > maxBytes) throw new System.IO.IOException(name + ": larger than " + maxBytes.ToString() + " bytes");
            byte[] data = new byte[(int)length];
            int handle = storage.OpenRead(name);
            try
            {
                int total = 0;
                while (total < data.Length)
                {
                    int n = storage.Read(handle, total, data, total, data.Length - total);
                    if (n <= 0) break;
                    total += n;
                }
                if (total == data.Length) return data;
                byte[] shorter = new byte[total];
                System.Array.Copy(data, shorter, total);
                return shorter;
            }
            finally
            {
                storage.Close(handle);
            }
        }

        private static bool SameBytes(IStorage storage, string a, string b)
        {
            long length = storage.Length(a);
            if (length != storage.Length(b)) return false;
            int chunk = 512;
            byte[] x = new byte[chunk];
            byte[] y = new byte[chunk];
            int ha = storage.OpenRead(a);
            try
            {
                int hb = storage.OpenRead(b);
                try
                {
                    for (long at = 0; at < length; at += chunk)
                    {
                        int n = storage.Read(ha, at, x, 0, chunk);
                        if (n != storage.Read(hb, at, y, 0, chunk)) return false;
                        if (n <= 0) return true;
                        for (int i = 0; i < n; i++)
                        {
                            if (x[i] != y[i]) return false;
                        }
                    }
                    return true;
                }
                finally
                {
                    storage.Close(hb);
                }
            }
            finally
            {
                storage.Close(ha);
            }
        }
    }
}
