// The stored form of a password: "pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>"
// (the modular crypt style of passlib and Django, RFC 8018 §5.2 PBKDF2 with HMAC-SHA256).
// Iterations are stored per user, so raising the default later only affects new passwords and
// every old hash still verifies. Base64 is RFC 4648 §4 with padding; the parser takes only the
// canonical form (the one Convert.ToBase64String writes back), so a damaged field is detected.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Local
{
    public static class PasswordHash
    {
        public const string Scheme = "pbkdf2-sha256";
        public const int SaltBytes = 16;
        public const int HashBytes = 32;   // one SHA-256 block: PBKDF2 costs iterations x 2 HMACs
        public const int MaxIterations = 100000000;

        /// <summary>A new random salt and the hash of password with it.</summary>
        public static UserEntry Create(string name, string folder, byte[] password, int iterations, ICrypto crypto)
        {
            UserEntry user = new UserEntry();
            user.Name = name;
            user.Folder = folder;
            user.Iterations = iterations;
            user.Salt = new byte[SaltBytes];
            crypto.RandomBytes(user.Salt, 0, SaltBytes);
            user.Hash = crypto.Pbkdf2Sha256(password, user.Salt, iterations, HashBytes);
            return user;
        }

        public static string Format(UserEntry user)
        {
            return Scheme + "$" + user.Iterations.ToString() + "$" + System.Convert.ToBase64String(user.Salt) + "$" +
                   System.Convert.ToBase64String(user.Hash);
        }

        /// <summary>Reads the hash field into user; null when it is valid, else the problem.</summary>
        public static string TryParse(string field, UserEntry user)
        {
            int a = field.IndexOf('$');
            if (a < 0 || field.Substring(0, a) != Scheme) return "the password hash is not " + Scheme;
            int b = field.IndexOf('$', a + 1);
            int c = b < 0 ? -1 : field.IndexOf('$', b + 1);
            if (c < 0 || field.IndexOf('$', c + 1) >= 0) return "the password hash does not have four '$'-separated parts";
            long iterations;
            if (!Text.Ascii.TryParseLong(field.Substring(a + 1, b - a - 1), out iterations) || iterations < 1 ||
                iterations > MaxIterations)
            {
                return "the iteration count is not a number from 1 to " + MaxIterations.ToString();
            }
            byte[] salt = DecodeBase64(field.Substring(b + 1, c - b - 1));
            if (salt == null || salt.Length == 0) return "the salt is not base64";
            byte[] hash = DecodeBase64(field.Substring(c + 1));
            if (hash == null || hash.Length < 16 || hash.Length > 64) return "the hash is not base64 of 16 to 64 bytes";
            user.Iterations = (int)iterations;
            user.Salt = salt;
            user.Hash = hash;
            return null;
        }

        /// <summary>Equal length and bytes; the time taken does not depend on where they differ.</summary>
        public static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            int difference = 0;
            for (int i = 0; i < a.Length; i++) difference |= a[i] ^ b[i];
            return difference == 0;
        }

        // Strict: only the alphabet, a length that is a multiple of 4, padding only at the end, and
        // the canonical encoding (unused bits zero) — checked by encoding the result again.
        private static byte[] DecodeBase64(string text)
        {
            if (text.Length == 0 || text.Length % 4 != 0) return null;
            for (int i = 0; i < text.Length; i++)
            {
                char ch = text[i];
                bool ok = Text.Ascii.IsLetterOrDigit(ch) || ch == '+' || ch == '/' || (ch == '=' && i >= text.Length - 2);
                if (!ok) return null;
            }
            byte[] bytes;
            try
            {
                bytes = System.Convert.FromBase64String(text);
            }
            catch (System.Exception)
            {
                return null;
            }
            if (bytes == null || System.Convert.ToBase64String(bytes) != text) return null;
            return bytes;
        }
    }
}
