// IUsers on the device: the users file (USERS.DAT on the card, read by the core's UserDirectory)
// and password checks that never stall the loop. BeginVerify only records the check; each
// PollVerify — the gateway polls every 10 ms while one runs — computes at most IterationsPerPass
// PBKDF2 iterations (PasswordCheck over the native HMAC-SHA256), so a 10000-iteration login is
// spread over tens of loop passes while every other session keeps being served. The answer, and
// the work for an unknown user, are exactly UserDirectory.Verify's.
//
// The file is loaded at start; the console's user commands (a later release) will reload it.
using System.Collections;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class DeviceUsers : IUsers
    {
        /// <summary>PBKDF2 iterations per PollVerify: each is one native HMAC call, tens of microseconds.</summary>
        public const int IterationsPerPass = 200;

        private readonly IStorage _storage;
        private readonly DeviceHmac _hmac = new DeviceHmac();
        private UserDirectory _directory = new UserDirectory();
        private readonly ArrayList _checks = new ArrayList();     // PasswordCheck, index = handle - 1 (null: free)

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
    }
}
