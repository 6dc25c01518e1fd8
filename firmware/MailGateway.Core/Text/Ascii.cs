// ASCII helpers over bytes and strings. nanoFramework's mscorlib has no Encoding, no
// char.IsDigit, no StringBuilder and no culture-aware comparisons, and SMTP is ASCII anyway:
// these helpers map bytes 0-255 to chars one to one and compare case-insensitively in ASCII only.
namespace MailGateway.Core.Text
{
    public static class Ascii
    {
        public const byte CR = 13;
        public const byte LF = 10;
        public const byte Nul = 0;
        public const byte Space = 32;
        public const byte Tab = 9;

        public static bool IsDigit(int c) { return c >= '0' && c <= '9'; }

        public static bool IsLetter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

        public static bool IsLetterOrDigit(int c) { return IsLetter(c) || IsDigit(c); }

        public static char ToLower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

        public static char ToUpper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }

        public static string ToLower(string s)
        {
            char[] chars = s.ToCharArray();
            for (int i = 0; i < chars.Length; i++) chars[i] = ToLower(chars[i]);
            return new string(chars);
        }

        public static string ToUpper(string s)
        {
            char[] chars = s.ToCharArray();
            for (int i = 0; i < chars.Length; i++) chars[i] = ToUpper(chars[i]);
            return new string(chars);
        }

        public static bool EqualsIgnoreCase(string a, string b)
        {
            if (a == null || b == null) return a == b;
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
            {
                if (ToLower(a[i]) != ToLower(b[i])) return false;
            }
            return true;
        }

        /// <summary>True when s starts with prefix, ASCII case-insensitively.</summary>
        public static bool StartsWithIgnoreCase(string s, string prefix)
        {
            if (s.Length < prefix.Length) return false;
            for (int i = 0; i < prefix.Length; i++)
            {
                if (ToLower(s[i]) != ToLower(prefix[i])) return false;
            }
            return true;
        }

        /// <summary>Bytes to a string, one char per byte (no decoding, no stop at NUL).</summary>
        public static string GetString(byte[] bytes, int offset, int count)
        {
            char[] chars = new char[count];
            for (int i = 0; i < count; i++) chars[i] = (char)bytes[offset + i];
            return new string(chars);
        }

        /// <summary>A string to bytes, one byte per char; chars above 255 become '?'.</summary>
        public static byte[] GetBytes(string s)
        {
            byte[] bytes = new byte[s.Length];
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                bytes[i] = c > 255 ? (byte)'?' : (byte)c;
            }
            return bytes;
        }

        /// <summary>Parses a non-negative decimal number of at most 18 digits; false on anything else.</summary>
        public static bool TryParseLong(string s, out long value)
        {
            value = 0;
            if (s == null || s.Length == 0 || s.Length > 18) return false;
            for (int i = 0; i < s.Length; i++)
            {
                if (!IsDigit(s[i])) return false;
                value = value * 10 + (s[i] - '0');
            }
            return true;
        }

        /// <summary>Decimal digits of a non-negative number, left-padded with zeros to width.</summary>
        public static string Digits(long value, int width)
        {
            string s = value.ToString();
            while (s.Length < width) s = "0" + s;
            return s;
        }

        public static string Trim(string s)
        {
            int start = 0;
            int end = s.Length;
            while (start < end && (s[start] == ' ' || s[start] == '\t')) start++;
            while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
            return s.Substring(start, end - start);
        }
    }
}
