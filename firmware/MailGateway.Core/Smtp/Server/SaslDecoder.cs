// Decoding what an SMTP AUTH client sends (RFC 4954 §4): strict Base64 (RFC 4648 §4), UTF-8 text
// without Encoding (nanoFramework has none), and the PLAIN message (RFC 4616 §2:
// [authzid] NUL authcid NUL passwd).
//
// Base64 is checked here first — alphabet, length a multiple of 4, '=' only as the last one or two
// characters — and only then given to Convert.FromBase64String (in both nanoFramework's and .NET's
// mscorlib), so that both libraries see only input they agree on: .NET skips white space, for one,
// and nanoFramework's error behaviour on bad input is not documented.
// UTF-8 is decoded strictly (no overlong forms, no surrogates, nothing above U+10FFFF) and NUL and
// other C0 controls are refused: a name with a NUL in it would be cut short on the device.
namespace MailGateway.Core.Smtp
{
    public static class SaslDecoder
    {
        /// <summary>Strict Base64; "" and the RFC 4954 "=" (empty initial response) give an empty array.</summary>
        public static bool TryDecodeBase64(string text, out byte[] bytes)
        {
            bytes = null;
            if (text.Length == 0 || text == "=")
            {
                bytes = new byte[0];
                return true;
            }
            if (text.Length % 4 != 0) return false;
            int padding = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '=')
                {
                    padding++;
                    continue;
                }
                // '=' only at the end.
                if (padding > 0) return false;
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
                if (!ok) return false;
            }
            if (padding > 2) return false;
            try
            {
                bytes = System.Convert.FromBase64String(text);
            }
            catch (System.Exception)
            {
                bytes = null;
                return false;
            }
            return bytes != null;
        }

        /// <summary>Strict UTF-8 to a string (Text/Utf8.DecodeAt); false on malformed sequences and on C0 controls (NUL included) and DEL.</summary>
        public static bool TryDecodeUtf8(byte[] bytes, int offset, int count, out string text)
        {
            text = null;
            char[] chars = new char[count]; // never more UTF-16 units than bytes
            int n = 0;
            int end = offset + count;
            int length;
            for (int i = offset; i < end; i += length)
            {
                int cp = Text.Utf8.DecodeAt(bytes, i, end, out length);
                if (cp < 0x20 || cp == 0x7F) return false; // ill-formed (-1), or a control
                n = Text.Utf8.Append(chars, n, cp);
            }
            text = new string(chars, 0, n);
            return true;
        }

        /// <summary>
        /// Splits a PLAIN message into its three parts: false unless there are exactly two NULs, the
        /// authentication identity and the password are not empty, and all parts are valid UTF-8.
        /// authzid is "" when the client sent none.
        /// </summary>
        public static bool TryParsePlain(byte[] message, out string authzid, out string authcid, out string password)
        {
            authzid = null;
            authcid = null;
            password = null;
            int first = -1;
            int second = -1;
            for (int i = 0; i < message.Length; i++)
            {
                if (message[i] != 0) continue;
                if (first < 0) first = i;
                else if (second < 0) second = i;
                else return false;
            }
            if (second < 0) return false;
            if (second == first + 1 || second == message.Length - 1) return false;
            if (!TryDecodeUtf8(message, 0, first, out authzid)) return false;
            if (!TryDecodeUtf8(message, first + 1, second - first - 1, out authcid)) return false;
            if (!TryDecodeUtf8(message, second + 1, message.Length - second - 1, out password)) return false;
            return true;
        }
    }
}
