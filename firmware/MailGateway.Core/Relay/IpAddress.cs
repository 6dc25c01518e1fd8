// IPv4 and IPv6 address text to bytes (RFC 4291 §2.2 text forms, RFC 4291 §2.5.5.2 IPv4-mapped).
// IPv4 addresses are 4 bytes; an IPv4-mapped IPv6 address (::ffff:192.0.2.1) is returned as its
// 4-byte IPv4 form, so that "127.0.0.0/8" in relay.allow also covers a dual-stack listener's clients.
namespace MailGateway.Core.Relay
{
    public static class IpAddress
    {
        /// <summary>4 or 16 bytes, or null when the text is not an IP address literal.</summary>
        public static byte[] Parse(string text)
        {
            if (text == null || text.Length == 0) return null;
            if (text.IndexOf(':') < 0) return ParseIPv4(text);
            byte[] v6 = ParseIPv6(text);
            if (v6 == null) return null;
            for (int i = 0; i < 10; i++)
            {
                if (v6[i] != 0) return v6;
            }
            if (v6[10] != 0xff || v6[11] != 0xff) return v6;
            return new byte[] { v6[12], v6[13], v6[14], v6[15] };
        }

        private static byte[] ParseIPv4(string text)
        {
            byte[] result = new byte[4];
            int part = 0;
            int value = -1;
            for (int i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == '.')
                {
                    if (value < 0 || part > 3) return null;
                    result[part++] = (byte)value;
                    value = -1;
                }
                else
                {
                    char c = text[i];
                    if (c < '0' || c > '9') return null;
                    if (value == 0) return null; // no leading zeros: "010" is ambiguous (octal)
                    value = (value < 0 ? 0 : value * 10) + (c - '0');
                    if (value > 255) return null;
                }
            }
            return part == 4 ? result : null;
        }

        private static byte[] ParseIPv6(string text)
        {
            byte[] result = new byte[16];
            int gap = -1; // byte position of "::"
            int position = 0;
            int i = 0;
            if (text.Length >= 2 && text[0] == ':' && text[1] == ':')
            {
                gap = 0;
                i = 2;
                if (text.Length == 2) return result;
            }
            while (i < text.Length)
            {
                int groupStart = i;
                int value = 0;
                int digits = 0;
                while (i < text.Length && HexValue(text[i]) >= 0)
                {
                    value = value * 16 + HexValue(text[i]);
                    digits++;
                    i++;
                }
                if (i < text.Length && text[i] == '.')
                {
                    // Embedded IPv4 in the last 32 bits.
                    byte[] v4 = ParseIPv4(text.Substring(groupStart));
                    if (v4 == null || position > 12) return null;
                    for (int k = 0; k < 4; k++) result[position++] = v4[k];
                    i = text.Length;
                    break;
                }
                if (digits < 1 || digits > 4 || position > 14) return null;
                result[position++] = (byte)(value >> 8);
                result[position++] = (byte)value;
                if (i == text.Length) break;
                if (text[i] != ':') return null;
                i++;
                if (i < text.Length && text[i] == ':')
                {
                    if (gap >= 0) return null;
                    gap = position;
                    i++;
                    if (i == text.Length) break;
                }
                else if (i == text.Length) return null;
            }
            if (gap < 0) return position == 16 ? result : null;
            if (position == 16) return null;
            int tail = position - gap;
            for (int k = 0; k < tail; k++)
            {
                result[15 - k] = result[position - 1 - k];
            }
            for (int k = gap; k < 16 - tail; k++) result[k] = 0;
            return result;
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }
}
