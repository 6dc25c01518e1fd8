// Domain names on the wire (RFC 1035 §3.1, §4.1.4) and as text.
//
// Reading: a name is a run of labels (a length byte 0-63, then that many bytes) ending in the
// zero-length root label, or in a compression pointer (top bits 11, 14-bit offset into the
// message) to where the rest of the name was written before. Every byte read is bounds-checked.
// Loop protection: a pointer must point before the start of the stretch of labels it ends (the
// name's own start, or the previous pointer's target), so each jump goes strictly backwards and
// no chain can cycle; besides, at most MaxPointers jumps are followed and the name, counted as RFC
// 1035 §2.3.4 does (length bytes, labels and the root byte), is at most 255 octets. Label types
// 01 and 10 (RFC 6891 §5: retired) are errors.
//
// Text form: labels joined by '.', no trailing dot, the root as "". Bytes outside printable ASCII,
// and '.' or '\' inside a label, are written as RFC 1035 §5.1 escapes ("\046", "\\") so that a
// hostile label such as "evil.example" in one label can never read as two. Case is kept; compare
// names with Equal (ASCII case-insensitive, RFC 4343).
//
// Writing (queries): host names only — labels of 1-63 letters, digits, '-' or '_' (RFC 5321 §4.1.2
// sub-domains, plus the underscore of service names), at most 255 octets; a trailing dot is
// accepted. Anything else (an address literal, escapes, spaces, UTF-8) is refused (-1), never sent.
using MailGateway.Core.Text;

namespace MailGateway.Core.Dns
{
    public static class DnsName
    {
        public const int MaxWireLength = 255;
        public const int MaxLabelLength = 63;
        /// <summary>Compression pointers followed in one name; real encoders chain a few at most.</summary>
        public const int MaxPointers = 32;

        /// <summary>
        /// Reads the name at index in the message msg[start, end); pointer offsets count from start.
        /// On success index is past the name as stored (a pointer ends it) and name holds its text.
        /// </summary>
        public static DnsParseError TryRead(byte[] msg, int start, int end, ref int index, out string name)
        {
            name = null;
            int textLength;
            int after;
            DnsParseError error = Walk(msg, start, end, index, null, out textLength, out after);
            if (error != DnsParseError.None) return error;
            char[] text = new char[textLength];
            Walk(msg, start, end, index, text, out textLength, out after);
            name = new string(text);
            index = after;
            return DnsParseError.None;
        }

        /// <summary>
        /// Checks the name at index exactly as TryRead does and moves index past it, without making
        /// its text (no allocation): for records the codec looks at but does not keep.
        /// </summary>
        public static DnsParseError TrySkip(byte[] msg, int start, int end, ref int index)
        {
            int textLength;
            int after;
            DnsParseError error = Walk(msg, start, end, index, null, out textLength, out after);
            if (error == DnsParseError.None) index = after;
            return error;
        }

        // One pass over the name: validates it and measures its text (text == null), or writes the
        // text (text sized by the first pass). after is the index just past the name as stored.
        private static DnsParseError Walk(byte[] msg, int start, int end, int index, char[] text, out int textLength, out int after)
        {
            textLength = 0;
            after = -1;
            int position = index;
            int stretchStart = index; // where the labels now being read began: a pointer must go before it
            int wireLength = 0;
            int pointers = 0;
            while (true)
            {
                if (position >= end) return DnsParseError.UnexpectedEnd;
                int length = msg[position];
                int kind = length & 0xC0;
                if (kind == 0xC0)
                {
                    if (position + 1 >= end) return DnsParseError.UnexpectedEnd;
                    int target = start + (((length & 0x3F) << 8) | msg[position + 1]);
                    if (after < 0) after = position + 2;
                    if (target >= stretchStart) return DnsParseError.BadPointer;
                    if (++pointers > MaxPointers) return DnsParseError.TooManyPointers;
                    position = target;
                    stretchStart = target;
                    continue;
                }
                if (kind != 0) return DnsParseError.BadLabelType;
                wireLength += 1 + length;
                if (wireLength > MaxWireLength) return DnsParseError.NameTooLong;
                if (length == 0)
                {
                    if (after < 0) after = position + 1;
                    return DnsParseError.None;
                }
                if (position + 1 + length > end) return DnsParseError.UnexpectedEnd;
                if (textLength > 0)
                {
                    if (text != null) text[textLength] = '.';
                    textLength++;
                }
                for (int i = position + 1; i <= position + length; i++)
                {
                    textLength = AppendLabelByte(msg[i], text, textLength);
                }
                position += 1 + length;
            }
        }

        private static int AppendLabelByte(int b, char[] text, int at)
        {
            if (b > 0x20 && b < 0x7F && b != '.' && b != '\\')
            {
                if (text != null) text[at] = (char)b;
                return at + 1;
            }
            if (b == '.' || b == '\\')
            {
                if (text != null)
                {
                    text[at] = '\\';
                    text[at + 1] = (char)b;
                }
                return at + 2;
            }
            if (text != null)
            {
                text[at] = '\\';
                text[at + 1] = (char)('0' + b / 100);
                text[at + 2] = (char)('0' + b / 10 % 10);
                text[at + 3] = (char)('0' + b % 10);
            }
            return at + 4;
        }

        /// <summary>The wire length of a writable host name (1 for the root), or -1 when it cannot be written.</summary>
        public static int WireLength(string name)
        {
            if (name == null) return -1;
            int length = name.Length;
            if (length > 0 && name[length - 1] == '.') length--;
            if (length == 0) return name.Length <= 1 ? 1 : -1;
            int wire = 1; // the root label
            int labelStart = 0;
            for (int i = 0; i <= length; i++)
            {
                if (i == length || name[i] == '.')
                {
                    int label = i - labelStart;
                    if (label < 1 || label > MaxLabelLength) return -1;
                    wire += 1 + label;
                    labelStart = i + 1;
                    continue;
                }
                char c = name[i];
                if (!Ascii.IsLetterOrDigit(c) && c != '-' && c != '_') return -1;
            }
            return wire <= MaxWireLength ? wire : -1;
        }

        /// <summary>True when WireLength accepts the name and it is not the root.</summary>
        public static bool IsWritableHost(string name)
        {
            return WireLength(name) > 1;
        }

        /// <summary>Writes the name uncompressed at dst[offset]; returns the bytes written or -1 (see WireLength).</summary>
        public static int Write(string name, byte[] dst, int offset)
        {
            int wire = WireLength(name);
            if (wire < 0) return -1;
            int length = name.Length;
            if (length > 0 && name[length - 1] == '.') length--;
            int at = offset;
            int labelStart = 0;
            for (int i = 0; i <= length && length > 0; i++)
            {
                if (i < length && name[i] != '.') continue;
                dst[at++] = (byte)(i - labelStart);
                for (int k = labelStart; k < i; k++) dst[at++] = (byte)name[k];
                labelStart = i + 1;
            }
            dst[at++] = 0;
            return at - offset;
        }

        /// <summary>Drops one trailing dot: "example.org." and "example.org" name the same domain.</summary>
        public static string WithoutTrailingDot(string name)
        {
            if (name == null) return null;
            return name.Length > 0 && name[name.Length - 1] == '.' ? name.Substring(0, name.Length - 1) : name;
        }

        /// <summary>Same name, ASCII case-insensitively (RFC 4343), a trailing dot ignored.</summary>
        public static bool Equal(string a, string b)
        {
            return Ascii.EqualsIgnoreCase(WithoutTrailingDot(a), WithoutTrailingDot(b));
        }
    }
}
