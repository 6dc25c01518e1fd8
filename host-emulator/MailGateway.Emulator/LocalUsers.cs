// The users of the local domains for a running mailgw: USERS.DAT in the data folder, loaded at
// start and loaded again when `mailgw user …` (another process) has changed it, so that a new user
// can receive and fetch mail without a restart. A file that fails to load keeps the last good list
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
    public sealed class LocalUsers : IUsers
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
