// Names of local users: the local part of their address (RFC 5321 §4.1.2 Dot-string), which is
// also the POP3 USER name. Only the unquoted, ASCII form: atext (RFC 5322 §3.2.3) and dots, not at
// either end and never two in a row; at most 64 octets (RFC 5321 §4.5.3.1.1). So no '@', ':' or
// whitespace can appear, which keeps the users file's "name:folder:hash" lines unambiguous.
// Deviation: a name may not start with '#', which would make its line a comment in the file.
// Names compare ASCII case-insensitively; the directory keeps them in lower case.
namespace MailGateway.Core.Local
{
    public static class UserName
    {
        public const int MaxLength = 64;

        private const string Specials = "!#$%&'*+-/=?^_`{|}~";

        /// <summary>Null when name is a valid user name, else what is wrong with it (plain English).</summary>
        public static string Problem(string name)
        {
            if (name == null || name.Length == 0) return "the user name is empty";
            if (name.Length > MaxLength) return "the user name is longer than " + MaxLength.ToString() + " characters";
            if (name[0] == '#') return "a user name may not start with '#'";
            if (name[0] == '.' || name[name.Length - 1] == '.') return "a user name may not start or end with '.'";
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '.')
                {
                    if (name[i - 1] == '.') return "a user name may not contain \"..\"";
                    continue;
                }
                if (!IsAtext(c)) return "a user name may contain only letters, digits, '.' and !#$%&'*+-/=?^_`{|}~";
            }
            return null;
        }

        public static bool IsValid(string name)
        {
            return Problem(name) == null;
        }

        /// <summary>The form the directory keeps: lower case.</summary>
        public static string Canonical(string name)
        {
            return Text.Ascii.ToLower(name);
        }

        private static bool IsAtext(char c)
        {
            return Text.Ascii.IsLetterOrDigit(c) || (c < 128 && Specials.IndexOf(c) >= 0);
        }
    }
}
