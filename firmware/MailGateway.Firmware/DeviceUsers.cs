// IUsers on the device: the users file (USERS.DAT on the card, read by the core's UserDirectory)
// and password checks that never stall the loop. BeginVerify only records the check; each
// PollVerify — the gateway polls every 10 ms while one runs — computes at most IterationsPerPass
// PBKDF2 iterations (PasswordCheck over the native HMAC-SHA256), so a 10000-iteration login is
// spread over tens of loop passes while every other session keeps being served. The answer, and
// the work for an unknown user, are exactly UserDirectory.Verify's.
//
// The file is loaded at start. The console's user commands (IUserEditor) hash a new password the
// same way, IterationsPerPass per PollChange, then change the users and save USERS.DAT.
using System.Collections;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class DeviceUsers : IUsers, IUserEditor
    {
        /// <summary>PBKDF2 iterations per PollVerify: each is one native HMAC call, tens of microseconds.</summary>
        public const int IterationsPerPass = 200;

        private readonly IStorage _storage;
        private readonly DeviceHmac _hmac = new DeviceHmac();
        private UserDirectory _directory = new UserDirectory();
        private readonly ArrayList _checks = new ArrayList();     // PasswordCheck, index = handle - 1 (null: free)
        private readonly DeviceCrypto _crypto = new DeviceCrypto();
        // The one change the console may have running: its user entry (salt set) and the hash being made.
        private UserEntry _changing;
        private bool _creating;
        private Pbkdf2Steps _hashing;

        public DeviceUsers(IStorage storage)
        {
            _storage = storage;
        }

        /// <summary>Loads USERS.DAT; null or the problem ("USERS.DAT:3: …"). A failed load keeps the last good list.</summary>
        public string Load()
        {
            UserDirectory fresh = new UserDirectory();
            string problem = fresh.Load(_storage);
            if (problem == null) _directory = fresh;
            return problem;
        }

        public int Count { get { return _directory.Count; } }

        public bool Exists(string user)
        {
            return _directory.Exists(user);
        }

        public string[] Names()
        {
            return _directory.Names();
        }

        public string MailboxFolder(string user)
        {
            return _directory.MailboxFolder(user);
        }

        public int BeginVerify(string user, string password)
        {
            byte[] bytes = password == null ? new byte[0] : MailGateway.Core.Text.Utf8.GetBytes(password);
            PasswordCheck check = new PasswordCheck(_directory, user, bytes, _hmac);
            for (int i = 0; i < _checks.Count; i++)
            {
                if (_checks[i] == null)
                {
                    _checks[i] = check;
                    return i + 1;
                }
            }
            _checks.Add(check);
            return _checks.Count;
        }

        public int PollVerify(int handle)
        {
            PasswordCheck check = handle >= 1 && handle <= _checks.Count ? (PasswordCheck)_checks[handle - 1] : null;
            if (check == null) throw new System.ArgumentException("unknown password check " + handle.ToString());
            int result = check.Step(IterationsPerPass);
            if (result >= 0) _checks[handle - 1] = null;
            return result;
        }

        // ---- The console's user commands (IUserEditor) ------------------------------------------

        public int BeginChange(string user, string password, bool create, out string problem)
        {
            byte[] bytes = password == null ? new byte[0] : MailGateway.Core.Text.Utf8.GetBytes(password);
            problem = _hashing != null ? "another user change is being made; try again in a moment"
                                       : _directory.ChangeProblem(user, create, bytes.Length);
            if (problem != null) return -1;
            _changing = new UserEntry();
            _changing.Name = user;
            _changing.Iterations = _directory.Iterations;
            _changing.Salt = new byte[PasswordHash.SaltBytes];
            _crypto.RandomBytes(_changing.Salt, 0, PasswordHash.SaltBytes);
            _creating = create;
            _hashing = new Pbkdf2Steps(_hmac, bytes, _changing.Salt, _changing.Iterations, PasswordHash.HashBytes);
            return 1;
        }

        public int PollChange(int handle, out string problem)
        {
            problem = null;
            if (_hashing == null) throw new System.ArgumentException("no user change " + handle.ToString());
            if (!_hashing.Step(IterationsPerPass)) return -1;
            _changing.Hash = _hashing.Result;
            _hashing = null;
            UserEntry hashed = _changing;
            _changing = null;
            problem = _directory.Apply(hashed, _creating);
            if (problem == null) problem = Save();
            return problem == null ? 0 : 1;
        }

        public string Remove(string user)
        {
            string problem = _directory.Remove(user);
            return problem != null ? problem : Save();
        }

        private string Save()
        {
            try
            {
                _directory.Save(_storage);
                return null;
            }
            catch (System.IO.IOException e)
            {
                Load(); // the users as the card has them, not the change that was not saved
                return "cannot save " + UserDirectory.FileName + ": " + e.Message;
            }
        }
    }
}
