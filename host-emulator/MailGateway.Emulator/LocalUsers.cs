// The users of the local domains for a running mailgw: USERS.DAT in the data folder, loaded at
// start and loaded again when `mailgw user …` (another process) has changed it, so that a new user
// can receive and fetch mail without a restart. The console's user commands (IUserEditor) change it
// from inside: the hash on the thread pool, the change and the save on the loop's thread. A file that fails to load keeps the last good list
// (and is logged); at start a damaged file stops the gateway.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator
{
    public sealed class LocalUsers : IUsers, IUserEditor
    {
        private readonly HostStorage _storage;
        private readonly string _path;
        private readonly ILog _log;
        private DateTime _loadedStamp;
        private DateTime _lastCheck;
        private readonly HostCrypto _crypto = new HostCrypto();

        public LocalUsers(HostStorage storage, ILog log)
        {
            _storage = storage;
            _log = log;
            _path = Path.Combine(storage.DirectoryPath, UserDirectory.FileName);
        }

        public UserDirectory Directory { get; private set; } = new UserDirectory();

        /// <summary>The mailbox folder of a user in the latest good list.</summary>
        public string[] Names() => Directory.Names();

        public string MailboxFolder(string user)
        {
            return Directory.MailboxFolder(user);
        }

        public bool Exists(string user)
        {
            return Directory.Exists(user);
        }

        /// <summary>Checks synchronously (the CLI and tests); the gateway uses BeginVerify.</summary>
        public bool Verify(string user, string password)
        {
            return Directory.Verify(user, password, _crypto);
        }

        // PBKDF2 takes tens of milliseconds by design: run it on the thread pool so the loop
        // keeps serving everybody else meanwhile.
        private readonly Dictionary<int, Task<bool>> _checks = new Dictionary<int, Task<bool>>();
        private int _nextCheck = 1;

        public int BeginVerify(string user, string password)
        {
            UserDirectory directory = Directory;
            int handle = _nextCheck++;
            _checks[handle] = Task.Run(() => directory.Verify(user, password, _crypto));
            return handle;
        }

        public int PollVerify(int handle)
        {
            Task<bool> check = _checks[handle];
            if (!check.IsCompleted) return -1;
            _checks.Remove(handle);
            return check.Status == TaskStatus.RanToCompletion && check.Result ? 1 : 0;
        }

        // ---- The console's user commands (IUserEditor) ------------------------------------------

        private readonly Dictionary<int, (Task<UserEntry> Hash, bool Create)> _changes = new Dictionary<int, (Task<UserEntry>, bool)>();

        /// <summary>The password is hashed on the thread pool (UserCommand.HostIterations, as `mailgw user` does on a host).</summary>
        public int BeginChange(string user, string password, bool create, out string problem)
        {
            byte[] bytes = password == null ? new byte[0] : System.Text.Encoding.UTF8.GetBytes(password);
            problem = Directory.ChangeProblem(user, create, bytes.Length);
            if (problem != null) return -1;
            int handle = _nextCheck++;
            _changes[handle] = (Task.Run(() => PasswordHash.Create(user, "", bytes, UserCommand.HostIterations, _crypto)), create);
            return handle;
        }

        /// <summary>Once hashed, the change is made and USERS.DAT saved here, on the loop's thread (the storage is the loop's).</summary>
        public int PollChange(int handle, out string problem)
        {
            problem = null;
            var (hash, create) = _changes[handle];
            if (!hash.IsCompleted) return -1;
            _changes.Remove(handle);
            if (hash.Status != TaskStatus.RanToCompletion)
            {
                problem = "the password could not be hashed: " + hash.Exception?.InnerException?.Message;
                return 1;
            }
            return Change(d => d.Apply(hash.Result, create), out problem) ? 0 : 1;
        }

        public string Remove(string user)
        {
            return Change(d => d.Remove(user), out string problem) ? null : problem;
        }

        // A change to a copy of the users, saved, then in use; the file's stamp is taken so the
        // next ReloadIfChanged does not read back what was just written.
        private bool Change(Func<UserDirectory, string> change, out string problem)
        {
            var copy = new UserDirectory();
            problem = copy.Load(_storage) ?? change(copy);
            if (problem != null) return false;
            try
            {
                copy.Save(_storage);
            }
            catch (IOException e)
            {
                problem = "cannot save " + UserDirectory.FileName + ": " + e.Message;
                return false;
            }
            Directory = copy;
            _loadedStamp = Stamp();
            return true;
        }

        /// <summary>Loads the users file; null or the problem ("USERS.DAT:3: …").</summary>
        public string Load()
        {
            var fresh = new UserDirectory();
            _loadedStamp = Stamp();
            string problem = fresh.Load(_storage);
            if (problem == null) Directory = fresh;
            return problem;
        }

        /// <summary>Loads the file again if it changed since (looked at once a second at most).</summary>
        public bool ReloadIfChanged()
        {
            DateTime now = DateTime.UtcNow;
            if (now - _lastCheck < TimeSpan.FromSeconds(1)) return false;
            _lastCheck = now;
            if (Stamp() == _loadedStamp) return false;
            string problem = Load();
            _log.Line(problem == null ? "users file reloaded: " + Directory.Count + " user(s)"
                                      : "warning: users file not reloaded: " + problem);
            return problem == null;
        }

        private DateTime Stamp()
        {
            return File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : DateTime.MinValue;
        }
    }
}
