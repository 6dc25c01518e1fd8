// Parses "<...>" paths of MAIL FROM and RCPT TO (RFC 5321 §4.1.2, limits §4.5.3.1).
//
// Strict where relaying is at stake: the result names exactly one mailbox and one domain, so the
// relay check can never be fooled by the forms older mailers interpret as routing:
//   - source routes "<@a,@b:user@c>" are parsed and dropped (RFC 5321 §4.1.1.3, appendix C): only
//     user@c is kept, so the route's hosts never matter;
//   - '%', '!' and quoted '@' stay inside the local part and are flagged (MailPath.HasRoutingInLocalPart);
//   - address literals are marked as such and never equal a configured domain;
//   - a trailing dot, an empty label or a label with a bad character is a syntax error.
// Deliberately not supported: SMTPUTF8 (any byte above 127 is refused), unbracketed addresses.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public static class PathParser
    {
        public const int Ok = 0;
        public const int Syntax = 1;
        public const int NonAscii = 2;

        // RFC 5321 §4.5.3.1.1-3
        public const int MaxLocalPart = 64;
        public const int MaxDomain = 255;
        public const int MaxPath = 256;

        /// <summary>
        /// Parses a path starting at text[index] ('&lt;'). On Ok, next is the index after '&gt;'.
        /// allowBarePostmaster accepts "&lt;postmaster&gt;" (RCPT only); allowNull accepts "&lt;&gt;" (MAIL only).
        /// </summary>
        public static int TryParse(string text, int index, bool allowNull, bool allowBarePostmaster,
                                   out MailPath path, out int next)
        {
            path = null;
            next = index;
            for (int i = index; i < text.Length; i++)
            {
                if (text[i] > 126) return NonAscii;
            }
            if (index >= text.Length || text[index] != '<') return Syntax;
            int close = FindClosingBracket(text, index + 1);
            if (close < 0) return Syntax;
            if (close - index + 1 > MaxPath + 2) return Syntax;
            int start = index + 1;
            if (close == start)
            {
                if (!allowNull) return Syntax;
                path = MailPath.Null;
                next = close + 1;
                return Ok;
            }
            if (text[start] == '@')
            {
                int colon = SkipSourceRoute(text, start, close);
                if (colon < 0) return Syntax;
                start = colon + 1;
            }
            int at;
            int localEnd = ScanLocalPart(text, start, close);
            if (localEnd < 0) return Syntax;
            at = localEnd;
            string local = text.Substring(start, localEnd - start);
            if (local.Length > MaxLocalPart) return Syntax;
            if (at == close)
            {
                if (allowBarePostmaster && Ascii.EqualsIgnoreCase(local, "postmaster"))
                {
                    path = new MailPath(local, null, false);
                    next = close + 1;
                    return Ok;
                }
                return Syntax;
            }
            if (text[at] != '@') return Syntax;
            string domain = text.Substring(at + 1, close - at - 1);
            bool literal = domain.Length > 0 && domain[0] == '[';
            if (literal ? !IsAddressLiteral(domain) : !IsDomain(domain)) return Syntax;
            path = new MailPath(local, Ascii.ToLower(domain), literal);
            next = close + 1;
            return Ok;
        }

        /// <summary>True for a dot-separated sequence of LDH labels, no trailing dot, at most 255 octets.</summary>
        public static bool IsDomain(string domain)
        {
            if (domain.Length == 0 || domain.Length > MaxDomain) return false;
            int labelStart = 0;
            for (int i = 0; i <= domain.Length; i++)
            {
                if (i == domain.Length || domain[i] == '.')
                {
                    int length = i - labelStart;
                    if (length < 1 || length > 63) return false;
                    if (!Ascii.IsLetterOrDigit(domain[labelStart])) return false;
                    if (!Ascii.IsLetterOrDigit(domain[i - 1])) return false;
                    labelStart = i + 1;
                }
                else if (!Ascii.IsLetterOrDigit(domain[i]) && domain[i] != '-')
                {
                    return false;
                }
            }
            return true;
        }

        // "[" dcontent "]": printable US-ASCII except '[', ']' and '\' (RFC 5321 §4.1.3).
        private static bool IsAddressLiteral(string text)
        {
            if (text.Length < 3 || text[text.Length - 1] != ']') return false;
            for (int i = 1; i < text.Length - 1; i++)
            {
                char c = text[i];
                if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') return false;
            }
            return text.Length <= MaxDomain;
        }

        // The '>' that ends the path, skipping quoted strings; -1 if none.
        private static int FindClosingBracket(string text, int i)
        {
            bool quoted = false;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (quoted)
                {
                    if (c == '\\') i++;
                    else if (c == '"') quoted = false;
                }
                else if (c == '"') quoted = true;
                else if (c == '>') return i;
                else if (c == '<') return -1;
            }
            return -1;
        }

        // "@dom,@dom:" — returns the index of the ':' or -1.
        private static int SkipSourceRoute(string text, int i, int end)
        {
            while (i < end && text[i] == '@')
            {
                int j = i + 1;
                while (j < end && text[j] != ',' && text[j] != ':') j++;
                if (j >= end || !IsDomain(text.Substring(i + 1, j - i - 1))) return -1;
                if (text[j] == ':') return j;
                i = j + 1;
            }
            return -1;
        }

        // Dot-string or Quoted-string; returns the index after it, or -1.
        private static int ScanLocalPart(string text, int i, int end)
        {
            if (i < end && text[i] == '"')
            {
                i++;
                while (i < end)
                {
                    char c = text[i];
                    if (c == '"') return i + 1;
                    if (c == '\\')
                    {
                        if (i + 1 >= end || text[i + 1] < 32) return -1;
                        i += 2;
                        continue;
                    }
                    if (c < 32) return -1;
                    i++;
                }
                return -1;
            }
            int start = i;
            bool lastWasDot = true;
            for (; i < end && text[i] != '@'; i++)
            {
                char c = text[i];
                if (c == '.')
                {
                    if (lastWasDot) return -1;
                    lastWasDot = true;
                }
                else if (IsAtext(c)) lastWasDot = false;
                else return -1;
            }
            if (i == start || lastWasDot) return -1;
            return i;
        }

        // RFC 5322 §3.2.3 atext
        private static bool IsAtext(char c)
        {
            if (Ascii.IsLetterOrDigit(c)) return true;
            return "!#$%&'*+-/=?^_`{|}~".IndexOf(c) >= 0;
        }
    }
}
