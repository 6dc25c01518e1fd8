// UTF-8 bytes to a string (RFC 3629), for the configuration file: nanoFramework's mscorlib has no
// Encoding. Ill-formed sequences (a stray continuation byte, a truncated or overlong sequence, a
// surrogate code point, beyond U+10FFFF) each become U+FFFD, as the Unicode standard recommends;
// four-byte sequences become a surrogate pair. Run once per file read, never on a hot path.
namespace MailGateway.Firmware
{
    public static class Utf8Decoder
    {
        public static string Decode(byte[] bytes, int offset, int count)
        {
            char[] chars = new char[count];
            int n = 0;
            int i = offset;
            int end = offset + count;
            while (i < end)
            {
                int b = bytes[i];
                int need;
                int cp;
                int min;
                if (b < 0x80) { chars[n++] = (char)b; i++; continue; }
                if ((b & 0xE0) == 0xC0) { need = 1; cp = b & 0x1F; min = 0x80; }
                else if ((b & 0xF0) == 0xE0) { need = 2; cp = b & 0x0F; min = 0x800; }
                else if ((b & 0xF8) == 0xF0) { need = 3; cp = b & 0x07; min = 0x10000; }
                else { chars[n++] = '\uFFFD'; i++; continue; }
                int j = i + 1;
                int k = 0;
                while (k < need && j < end && (bytes[j] & 0xC0) == 0x80)
                {
                    cp = (cp << 6) | (bytes[j] & 0x3F);
                    j++;
                    k++;
                }
                if (k < need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                {
                    chars[n++] = '\uFFFD';
                    i = k == 0 ? i + 1 : j;
                    continue;
                }
                if (cp >= 0x10000)
                {
                    cp -= 0x10000;
                    chars[n++] = (char)(0xD800 + (cp >> 10));
                    chars[n++] = (char)(0xDC00 + (cp & 0x3FF));
                }
                else
                {
                    chars[n++] = (char)cp;
                }
                i = j;
            }
            return new string(chars, 0, n);
        }
    }
}
