// The users of the local domains: who may fetch mail with POP3 (and, later, authenticate for
// relay), each with a mailbox folder and a salted PBKDF2-SHA256 password hash. Kept in memory,
// loaded from and saved to one text file in the data folder (the spool's IStorage): USERS.DAT,
// whose format UsersFile describes.
//
// Saving replaces the file whole and atomically (Runtime/WholeFile: through USERS.TMP, in an
// order after which a power cut leaves the old users or the new ones, and that refuses to delete
// a USERS.TMP that may be a torn FAT rename). An empty USERS.DAT, which an interrupted first save
// leaves, is no users; the "#end N" line UsersFile writes also catches a file cut short any other way.
//
// Passwords are bytes (Utf8.GetBytes for a .NET string). Verify spends one PBKDF2 computation
// whether or not the user exists, so the time taken does not tell which names exist, and compares
// in fixed time. Iterations are stored per user; the directory's Iterations is used for new
// passwords only (DefaultIterations suits an ESP32; a Raspberry Pi can afford 10x more).
//
// Results of validation ("user x exists", "no such user") are returned as text (null = done);
// storage failures are IOExceptions; misuse (null crypto, bad iteration count) throws.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Local
{
    public sealed class UserDirectory : IUserMailboxes
    {
        public const string FileName = "USERS.DAT";
        public const string TemporaryName = "USERS.TMP";
        /// <summary>Iterations for new passwords unless set: chosen for an ESP32, where each login pays for
        /// them (an estimated few tenths of a second with mbedTLS; not yet measured on a board).</summary>
        public const int DefaultIterations = 10000;
        /// <summary>Largest users file Load reads (about 500 users); it is read whole into memory.</summary>
        public const int MaxFileBytes = 65536;

        private static readonly byte[] UnknownUserSalt = new byte[PasswordHash.SaltBytes];

        private ArrayList _users = new ArrayList();
        private int _nextFolder = 1;
        private int _iterations;

        public UserDirectory() : this(DefaultIterations)
        {
        }

        public UserDirectory(int iterations)
        {
            Iterations = iterations;
        }

        /// <summary>PBKDF2 iterations for passwords set from now on (1 to PasswordHash.MaxIterations).</summary>
        public int Iterations
        {
            get { return _iterations; }
            set
            {
                if (value < 1 || value > PasswordHash.MaxIterations) throw new System.ArgumentOutOfRangeException("value");
                _iterations = value;
            }
        }

        public int Count { get { return _users.Count; } }

        /// <summary>The number the next new user's folder gets (U0000001 is 1).</summary>
        public int NextFolderNumber { get { return _nextFolder; } }

        // ---- Queries -------------------------------------------------------------------------

        public bool Exists(string name)
        {
            return Find(name) != null;
        }

        /// <summary>The user's 8.3 mailbox folder name, or null for an unknown user.</summary>
        public string MailboxFolder(string name)
        {
            UserEntry user = Find(name);
            return user == null ? null : user.Folder;
        }

        /// <summary>The stored entry of a user (salt, iterations, hash), or null; for PasswordCheck. Do not change it.</summary>
        public UserEntry Entry(string name)
        {
            return Find(name);
        }

        /// <summary>The names (lower case) in the order the users were added.</summary>
        public string[] Names()
        {
            string[] names = new string[_users.Count];
            for (int i = 0; i < names.Length; i++) names[i] = ((UserEntry)_users[i]).Name;
            return names;
        }

        /// <summary>True when the user exists and the password is theirs. Costs one PBKDF2 either way.</summary>
        public bool Verify(string name, byte[] password, ICrypto crypto)
        {
            if (crypto == null) throw new System.ArgumentNullException("crypto");
            if (password == null) password = new byte[0];
            UserEntry user = Find(name);
            if (user == null)
            {
                // Same work as for a real user, so that timing does not reveal which names exist.
                crypto.Pbkdf2Sha256(password, UnknownUserSalt, _iterations, PasswordHash.HashBytes);
                return false;
            }
            byte[] derived = crypto.Pbkdf2Sha256(password, user.Salt, user.Iterations, user.Hash.Length);
            return PasswordHash.FixedTimeEquals(derived, user.Hash);
        }

        public bool Verify(string name, string password, ICrypto crypto)
        {
            return Verify(name, password == null ? null : Text.Utf8.GetBytes(password), crypto);
        }

        // ---- Changes (in memory until Save) --------------------------------------------------

        /// <summary>Adds a user with a new mailbox folder; null when done, else why not.</summary>
        public string Add(string name, byte[] password, ICrypto crypto)
        {
            if (crypto == null) throw new System.ArgumentNullException("crypto");
            string problem = UserName.Problem(name);
            if (problem != null) return "invalid user name \"" + name + "\": " + problem;
            if (password == null || password.Length == 0) return "an empty password is not allowed";
            name = UserName.Canonical(name);
            if (Find(name) != null) return "user " + name + " exists";
            if (_nextFolder > UsersFile.MaxFolderNumber) return "no mailbox folder numbers are left";
            _users.Add(PasswordHash.Create(name, UsersFile.FolderName(_nextFolder), password, _iterations, crypto));
            _nextFolder++;
            return null;
        }

        public string Add(string name, string password, ICrypto crypto)
        {
            return Add(name, password == null ? null : Text.Utf8.GetBytes(password), crypto);
        }

        /// <summary>Gives a user a new password (new salt, current Iterations); null when done.</summary>
        public string SetPassword(string name, byte[] password, ICrypto crypto)
        {
            if (crypto == null) throw new System.ArgumentNullException("crypto");
            if (password == null || password.Length == 0) return "an empty password is not allowed";
            int index = IndexOf(name);
            if (index < 0) return NoSuchUser(name);
            UserEntry old = (UserEntry)_users[index];
            _users[index] = PasswordHash.Create(old.Name, old.Folder, password, _iterations, crypto);
            return null;
        }

        public string SetPassword(string name, string password, ICrypto crypto)
        {
            return SetPassword(name, password == null ? null : Text.Utf8.GetBytes(password), crypto);
        }

        /// <summary>
        /// Why "user add" (create) or "user passwd" of name cannot be done, before any hashing: null
        /// when it can.
        /// </summary>
        public string ChangeProblem(string name, bool create, int passwordBytes)
        {
            if (passwordBytes == 0) return "an empty password is not allowed";
            if (!create) return Find(name) == null ? NoSuchUser(name) : null;
            string problem = UserName.Problem(name);
            if (problem != null) return "invalid user name \"" + name + "\": " + problem;
            if (Find(UserName.Canonical(name)) != null) return "user " + UserName.Canonical(name) + " exists";
            return _nextFolder > UsersFile.MaxFolderNumber ? "no mailbox folder numbers are left" : null;
        }

        /// <summary>
        /// Makes a change whose password was hashed elsewhere (hashed: name, iterations, salt and hash;
        /// a new user gets the next mailbox folder, a changed one keeps theirs); null when done.
        /// </summary>
        public string Apply(UserEntry hashed, bool create)
        {
            string problem = ChangeProblem(hashed.Name, create, 1);
            if (problem != null) return problem;
            if (create)
            {
                hashed.Name = UserName.Canonical(hashed.Name);
                hashed.Folder = UsersFile.FolderName(_nextFolder++);
                _users.Add(hashed);
                return null;
            }
            int index = IndexOf(hashed.Name);
            UserEntry old = (UserEntry)_users[index];
            hashed.Name = old.Name;
            hashed.Folder = old.Folder;
            _users[index] = hashed;
            return null;
        }

        /// <summary>Removes a user; their folder (and mail in it) stays on the card and its number is never reused.</summary>
        public string Remove(string name)
        {
            int index = IndexOf(name);
            if (index < 0) return NoSuchUser(name);
            _users.RemoveAt(index);
            return null;
        }

        // ---- The file ------------------------------------------------------------------------

        /// <summary>
        /// Replaces the users in memory with the card's (WholeFile finishes an interrupted save). No
        /// file, or an empty one, means no users. Null when done; else the problem (a damaged or
        /// unreadable file), and the directory is left as it was.
        /// </summary>
        public string Load(IStorage storage)
        {
            byte[] data;
            try
            {
                data = WholeFile.Read(storage, FileName, TemporaryName, MaxFileBytes);
            }
            catch (System.IO.IOException e)
            {
                return FileName + ": cannot read: " + e.Message;
            }
            ArrayList users = new ArrayList();
            int nextFolder = 1;
            if (data != null && data.Length > 0)
            {
                string problem = UsersFile.Parse(data, data.Length, FileName, users, out nextFolder);
                if (problem != null) return problem;
            }
            _users = users;
            _nextFolder = nextFolder;
            return null;
        }

        /// <summary>Writes the users durably and atomically (WholeFile.Replace). Throws IOException.</summary>
        public void Save(IStorage storage)
        {
            WholeFile.Replace(storage, FileName, TemporaryName, UsersFile.Format(_users, _nextFolder));
        }

        private UserEntry Find(string name)
        {
            int index = IndexOf(name);
            return index < 0 ? null : (UserEntry)_users[index];
        }

        private int IndexOf(string name)
        {
            if (name == null) return -1;
            for (int i = 0; i < _users.Count; i++)
            {
                if (Text.Ascii.EqualsIgnoreCase(((UserEntry)_users[i]).Name, name)) return i;
            }
            return -1;
        }

        private static string NoSuchUser(string name)
        {
            return "no such user: " + name;
        }
    }
}
