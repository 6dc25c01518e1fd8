// A user's mailbox as a standard Maildir (local.mailbox_format = maildir, host only), so that
// Dovecot, mutt or any Maildir reader can use it — behind the same IStorage the mailbox code uses
// on the FAT card. Only the names the mailbox code uses are mapped:
//   QQQQQQQQ.TMP  →  tmp/<seconds>.M<micros>P<pid>Q<QQQQQQQQ>.<host>   (being delivered)
//   QQQQQQQQ.EML  →  new/<same name>  or  cur/<same name>:2,<flags>   (delivered; readers move
//                     it to cur/ and add flags, the Q tag in the name keeps it ours)
// Rename .TMP → .EML is the Maildir delivery step (tmp/ → new/, never over an existing name);
// SyncDirectory syncs tmp/, new/ and cur/. Files without our Q tag (put there by other programs)
// are not listed.
using System;
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class MaildirStorage : IStorage
    {
        private readonly string _root;
        private readonly string _hostname;
        private readonly HostStorage _tmp;
        private readonly HostStorage _new;
        private readonly HostStorage _cur;
        private readonly Dictionary<int, (HostStorage Dir, int Handle)> _handles = new Dictionary<int, (HostStorage, int)>();
        private int _nextHandle = 1;

        public MaildirStorage(string root, string hostname)
        {
            _root = root;
            _hostname = hostname.Replace('/', '_').Replace(':', '_');
            // HostStorage insists on 8.3 names; Maildir names are long by design.
            _tmp = HostStorage.ForLongNames(Path.Combine(root, "tmp"));
            _new = HostStorage.ForLongNames(Path.Combine(root, "new"));
            _cur = HostStorage.ForLongNames(Path.Combine(root, "cur"));
        }

        public string RootPath => _root;

        public int Create(string name)
        {
            string id = Id(name, ".TMP");
            string file = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + ".M" + (DateTime.UtcNow.Ticks / 10 % 1_000_000) +
                          "P" + Environment.ProcessId + "Q" + id + "." + _hostname;
            return Register(_tmp, _tmp.Create(file));
        }

        public int OpenAppend(string name) => throw new IOException("Maildir messages are not appended to");

        public int OpenRead(string name)
        {
            (HostStorage dir, string file) = Find(name) ?? throw new FileNotFoundException(name + " does not exist.", name);
            return Register(dir, dir.OpenRead(file));
        }

        public void Append(int handle, byte[] buffer, int offset, int count) { var h = Get(handle); h.Dir.Append(h.Handle, buffer, offset, count); }

        public int Read(int handle, long position, byte[] buffer, int offset, int count) { var h = Get(handle); return h.Dir.Read(h.Handle, position, buffer, offset, count); }

        public void Sync(int handle) { var h = Get(handle); h.Dir.Sync(h.Handle); }

        public void Close(int handle)
        {
            var h = Get(handle);
            _handles.Remove(handle);
            h.Dir.Close(h.Handle);
        }

        public bool Rename(string from, string to)
        {
            string id = Id(from, ".TMP");
            if (Id(to, ".EML") != id) throw new IOException("Maildir renames only " + id + ".TMP to " + id + ".EML");
            if (Find(to) != null) return false;
            string file = FindIn(_tmp, id) ?? throw new FileNotFoundException(from + " does not exist.", from);
            File.Move(Path.Combine(_tmp.DirectoryPath, file), Path.Combine(_new.DirectoryPath, file));
            return true;
        }

        public void Delete(string name)
        {
            (HostStorage dir, string file) = Find(name) ?? throw new FileNotFoundException(name + " does not exist.", name);
            File.Delete(Path.Combine(dir.DirectoryPath, file));
        }

        public bool Exists(string name) => Find(name) != null;

        public long Length(string name)
        {
            (HostStorage dir, string file) = Find(name) ?? throw new FileNotFoundException(name + " does not exist.", name);
            return new FileInfo(Path.Combine(dir.DirectoryPath, file)).Length;
        }

        public string[] ListAfter(string after, int max)
        {
            return NamePage.Select(List(), after, max);
        }

        public string[] List()
        {
            var names = new List<string>();
            foreach (HostStorage dir in new[] { _new, _cur })
            {
                foreach (string file in Directory.EnumerateFiles(dir.DirectoryPath))
                {
                    string id = IdOf(Path.GetFileName(file));
                    if (id != null) names.Add(id + ".EML");
                }
            }
            foreach (string file in Directory.EnumerateFiles(_tmp.DirectoryPath))
            {
                string id = IdOf(Path.GetFileName(file));
                if (id != null) names.Add(id + ".TMP");
            }
            return names.ToArray();
        }

        public void SyncDirectory()
        {
            _tmp.SyncDirectory();
            _new.SyncDirectory();
            _cur.SyncDirectory();
        }

        // ---- names ----------------------------------------------------------------------------

        private static string Id(string name, string extension)
        {
            if (name == null || name.Length != 12 || !name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException("'" + name + "' is not a mailbox name (QQQQQQQQ" + extension + ")");
            }
            return name.Substring(0, 8);
        }

        // "1700000000.M123P45QABCDEFGH.host:2,S" → "ABCDEFGH"
        private static string IdOf(string file)
        {
            int q = file.IndexOf('Q');
            int dot = q < 0 ? -1 : file.IndexOf('.', q);
            if (q < 0 || dot - q - 1 != 8) return null;
            return file.Substring(q + 1, 8);
        }

        private (HostStorage, string)? Find(string name)
        {
            bool temporary = name != null && name.EndsWith(".TMP", StringComparison.OrdinalIgnoreCase);
            string id = Id(name, temporary ? ".TMP" : ".EML");
            if (temporary)
            {
                string t = FindIn(_tmp, id);
                return t == null ? null : (_tmp, t);
            }
            string n = FindIn(_new, id);
            if (n != null) return (_new, n);
            string c = FindIn(_cur, id);
            return c == null ? null : (_cur, c);
        }

        private static string FindIn(HostStorage dir, string id)
        {
            foreach (string file in Directory.EnumerateFiles(dir.DirectoryPath))
            {
                string name = Path.GetFileName(file);
                if (IdOf(name) == id) return name;
            }
            return null;
        }

        private int Register(HostStorage dir, int handle)
        {
            int h = _nextHandle++;
            _handles[h] = (dir, handle);
            return h;
        }

        private (HostStorage Dir, int Handle) Get(int handle)
        {
            if (!_handles.TryGetValue(handle, out var h)) throw new InvalidOperationException("storage handle " + handle + " is not open.");
            return h;
        }
    }
}
