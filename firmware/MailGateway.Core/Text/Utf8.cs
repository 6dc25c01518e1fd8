// UTF-8 encoding and decoding of .NET strings (UTF-16) without System.Text.Encoding, which
// nanoFramework's mscorlib lacks. Encoding is used where text becomes bytes whose exact value
// matters: passwords, before they are hashed, so that a password typed on the host and on the
// device hashes the same. Decoding reads what people wrote: the configuration file, console lines.
//
// RFC 3629 §3: U+0000-U+007F one byte, up to U+07FF two, up to U+FFFF three, a surrogate pair
// (U+10000-U+10FFFF) four. A lone surrogate has no UTF-8 form; like .NET's Encoding.UTF8 it
// becomes U+FFFD (EF BF BD), so the result is always what Encoding.UTF8.GetBytes gives.
namespace MailGateway.Core.Text
{
    public static class Utf8
    {
        /// <summary>Number of bytes GetBytes(s) returns.</summary>
        public static int ByteCount(string s)
        {
            int count = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c < 0x80) count += 1;
                else if (c < 0x800) count += 2;
                else if (IsHighSurrogate(c) && i + 1 < s.Length && IsLowSurrogate(s[i + 1]))
                {
                    count += 4;
                    i++;
                }
                else count += 3; // BMP character, or a lone surrogate as U+FFFD
            }
            return count;
        }

        /// <summary>The UTF-8 bytes of s; lone surrogates become U+FFFD.</summary>
        public static byte[] GetBytes(string s)
        {
            byte[] bytes = new byte[ByteCount(s)];
            int n = 0;
            for (int i = 0; i < s.Length; i++)
            {
                int c = s[i];
                if (c < 0x80)
                {
                    bytes[n++] = (byte)c;
                    continue;
                }
                if (c < 0x800)
                {
                    bytes[n++] = (byte)(0xC0 | (c >> 6));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                    continue;
                }
                if (IsHighSurrogate((char)c) && i + 1 < s.Length && IsLowSurrogate(s[i + 1]))
                {
                    int cp = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
                    i++;
                    bytes[n++] = (byte)(0xF0 | (cp >> 18));
                    bytes[n++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                    bytes[n++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (cp & 0x3F));
                    continue;
                }
                if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD; // lone surrogate
                bytes[n++] = (byte)(0xE0 | (c >> 12));
                bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                bytes[n++] = (byte)(0x80 | (c & 0x3F));
            }
            return bytes;
        }

        private static bool IsHighSurrogate(char c) { return c >= 0xD800 && c <= 0xDBFF; }

        private static bool IsLowSurrogate(char c) { return c >= 0xDC00 && c <= 0xDFFF; }

        /// <summary>
        /// UTF-8 bytes to a string (RFC 3629): ill-formed sequences (a stray continuation byte, a
        /// truncated or overlong sequence, a surrogate code point, beyond U+10FFFF) each become
        /// U+FFFD, as the Unicode standard recommends; four-byte sequences become a surrogate pair.
        /// For text people typed or wrote (the configuration file, console lines), never a hot path.
        /// </summary>
        public static string GetString(byte[] bytes, int offset, int count)
        {
            char[] chars = new char[count]; // never more UTF-16 units than bytes
            int n = 0;
            int end = offset + count;
            int length;
            for (int i = offset; i < end; i += length)
            {
                int cp = DecodeAt(bytes, i, end, out length);
                if (cp < 0) chars[n++] = '\uFFFD';
                else n = Append(chars, n, cp);
            }
            return new string(chars, 0, n);
        }

        /// <summary>
        /// The code point of the UTF-8 sequence at bytes[i] (before end), and in length how many
        /// bytes it takes; -1 when it is ill-formed (RFC 3629: a stray continuation byte, a truncated
        /// or overlong sequence, a surrogate, beyond U+10FFFF), with length the bytes to step over
        /// (the lead byte and the continuation bytes that followed it).
        /// </summary>
        public static int DecodeAt(byte[] bytes, int i, int end, out int length)
        {
            int b = bytes[i];
            int need;
            int cp;
            int min;
            length = 1;
            if (b < 0x80) return b;
            if ((b & 0xE0) == 0xC0) { need = 1; cp = b & 0x1F; min = 0x80; }
            else if ((b & 0xF0) == 0xE0) { need = 2; cp = b & 0x0F; min = 0x800; }
            else if ((b & 0xF8) == 0xF0) { need = 3; cp = b & 0x07; min = 0x10000; }
            else return -1;
            int k = 0;
            while (k < need && i + 1 + k < end && (bytes[i + 1 + k] & 0xC0) == 0x80)
            {
                cp = (cp << 6) | (bytes[i + 1 + k] & 0x3F);
                k++;
            }
            length = 1 + k;
            if (k < need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
            return cp;
        }

        /// <summary>Writes a code point at chars[n] as UTF-16 (a surrogate pair above U+FFFF); returns the next n.</summary>
        public static int Append(char[] chars, int n, int cp)
        {
            if (cp < 0x10000)
            {
                chars[n] = (char)cp;
                return n + 1;
            }
            cp -= 0x10000;
            chars[n] = (char)(0xD800 + (cp >> 10));
            chars[n + 1] = (char)(0xDC00 + (cp & 0x3FF));
            return n + 2;
        }
    }
}
