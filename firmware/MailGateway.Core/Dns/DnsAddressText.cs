// A and AAAA record data as text (RFC 1035 §3.4.1, RFC 3596 §2.2), in the form .NET's
// IPAddress.ToString writes, so that the core resolver and the host's DnsClient agree byte for byte:
// IPv4 dotted quad; IPv6 per RFC 5952 §4 (lowercase, no leading zeros, the longest run of two or
// more zero groups — the first on a tie — written "::"), with the last 32 bits as a dotted quad
// for the forms RFC 5952 §5 and .NET single out (::a.b.c.d, ::ffff:a.b.c.d, ::ffff:0:a.b.c.d, and
// ISATAP x:x:x:x:0:5efe:a.b.c.d).
namespace MailGateway.Core.Dns
{
    public static class DnsAddressText
    {
        private const string HexDigits = "0123456789abcdef";

        /// <summary>Text for 4 or 16 address bytes at bytes[offset]; null for any other count.</summary>
        public static string Format(byte[] bytes, int offset, int count)
        {
            if (count == 4) return FormatIPv4(bytes, offset);
            if (count == 16) return FormatIPv6(bytes, offset);
            return null;
        }

        private static string FormatIPv4(byte[] bytes, int offset)
        {
            return bytes[offset].ToString() + "." + bytes[offset + 1].ToString() + "." +
                   bytes[offset + 2].ToString() + "." + bytes[offset + 3].ToString();
        }

        private static string FormatIPv6(byte[] bytes, int offset)
        {
            int[] groups = new int[8];
            for (int i = 0; i < 8; i++) groups[i] = (bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1];
            bool embeddedIPv4 = HasEmbeddedIPv4(groups);
            int hexGroups = embeddedIPv4 ? 6 : 8;

            // The longest run of at least two zero groups, the first one on a tie.
            int bestStart = -1;
            int bestLength = 1;
            for (int i = 0; i < hexGroups;)
            {
                if (groups[i] != 0)
                {
                    i++;
                    continue;
                }
                int runStart = i;
                while (i < hexGroups && groups[i] == 0) i++;
                if (i - runStart > bestLength)
                {
                    bestStart = runStart;
                    bestLength = i - runStart;
                }
            }

            char[] text = new char[46];
            int at = 0;
            for (int i = 0; i < hexGroups; i++)
            {
                if (i == bestStart)
                {
                    text[at++] = ':';
                    text[at++] = ':';
                    i += bestLength - 1;
                    continue;
                }
                if (at > 0 && text[at - 1] != ':') text[at++] = ':';
                at = AppendHex(groups[i], text, at);
            }
            string result = new string(text, 0, at);
            if (!embeddedIPv4) return result;
            if (at > 0 && text[at - 1] != ':') result = result + ":";
            return result + FormatIPv4(bytes, offset + 12);
        }

        // The same test as .NET's IPv6 formatter, so both sides print the same text.
        private static bool HasEmbeddedIPv4(int[] g)
        {
            if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[6] != 0)
            {
                if (g[4] == 0 && (g[5] == 0 || g[5] == 0xFFFF)) return true; // ::a.b.c.d, ::ffff:a.b.c.d
                if (g[4] == 0xFFFF && g[5] == 0) return true; // ::ffff:0:a.b.c.d (SIIT)
            }
            return g[4] == 0 && g[5] == 0x5EFE; // ISATAP
        }

        private static int AppendHex(int value, char[] text, int at)
        {
            bool started = false;
            for (int shift = 12; shift >= 0; shift -= 4)
            {
                int digit = (value >> shift) & 0xF;
                if (digit == 0 && !started && shift > 0) continue;
                started = true;
                text[at++] = HexDigits[digit];
            }
            return at;
        }
    }
}
