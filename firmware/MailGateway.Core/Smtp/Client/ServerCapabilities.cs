// What the server offered in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the
// first, keywords case-insensitive. Known here: PIPELINING (RFC 2920), SIZE (RFC 1870), STARTTLS
// (RFC 3207), AUTH with PLAIN/LOGIN (RFC 4954; "AUTH=" is the form some old servers still send),
// 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034). Keywords the settings discard are ignored.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed class ServerCapabilities
    {
        /// <summary>EHLO was accepted (false after HELO).</summary>
        public bool Extended;
        /// <summary>The first word of the greeting or EHLO line: the server's name for itself.</summary>
        public string ServerName;
        public bool Pipelining;
        public bool StartTls;
        public bool EightBitMime;
        public bool EnhancedStatusCodes;
        public bool AuthPlain;
        public bool AuthLogin;
        /// <summary>SIZE was advertised.</summary>
        public bool Size;
        /// <summary>RFC 1870 §4: the fixed maximum message size; 0 when none is given (or "SIZE 0").</summary>
        public long SizeLimit;

        public void Clear()
        {
            Extended = false;
            ServerName = null;
            Pipelining = false;
            StartTls = false;
            EightBitMime = false;
            EnhancedStatusCodes = false;
            AuthPlain = false;
            AuthLogin = false;
            Size = false;
            SizeLimit = 0;
        }

        /// <summary>Reads a complete positive EHLO reply.</summary>
        public void ReadEhlo(ReplyReader reader, string[] discard)
        {
            Clear();
            Extended = true;
            if (reader.LineCount > 0) ServerName = FirstWord(reader.Line(0));
            for (int i = 1; i < reader.LineCount; i++) AddKeywordLine(reader.Line(i), discard);
        }

        /// <summary>One EHLO line after the first: "KEYWORD [params]".</summary>
        public void AddKeywordLine(string line, string[] discard)
        {
            line = Ascii.Trim(line);
            int end = 0;
            while (end < line.Length && line[end] != ' ' && line[end] != '=') end++;
            string keyword = line.Substring(0, end);
            string parameters = end < line.Length ? Ascii.Trim(line.Substring(end + 1)) : "";
            if (keyword.Length == 0 || IsDiscarded(keyword, discard)) return;
            if (Ascii.EqualsIgnoreCase(keyword, "PIPELINING")) Pipelining = true;
            else if (Ascii.EqualsIgnoreCase(keyword, "STARTTLS")) StartTls = true;
            else if (Ascii.EqualsIgnoreCase(keyword, "8BITMIME")) EightBitMime = true;
            else if (Ascii.EqualsIgnoreCase(keyword, "ENHANCEDSTATUSCODES")) EnhancedStatusCodes = true;
            else if (Ascii.EqualsIgnoreCase(keyword, "SIZE"))
            {
                Size = true;
                long limit;
                // RFC 1870 §4: no parameter or 0 means no fixed limit; an unreadable one is treated alike.
                SizeLimit = Ascii.TryParseLong(parameters, out limit) ? limit : 0;
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "AUTH"))
            {
                ReadMechanisms(parameters);
            }
        }

        private void ReadMechanisms(string parameters)
        {
            int start = 0;
            while (start < parameters.Length)
            {
                int end = start;
                while (end < parameters.Length && parameters[end] != ' ') end++;
                string mechanism = parameters.Substring(start, end - start);
                if (Ascii.EqualsIgnoreCase(mechanism, "PLAIN")) AuthPlain = true;
                else if (Ascii.EqualsIgnoreCase(mechanism, "LOGIN")) AuthLogin = true;
                start = end + 1;
            }
        }

        private static bool IsDiscarded(string keyword, string[] discard)
        {
            if (discard == null) return false;
            for (int i = 0; i < discard.Length; i++)
            {
                if (discard[i] != null && Ascii.EqualsIgnoreCase(discard[i], keyword)) return true;
            }
            return false;
        }

        private static string FirstWord(string text)
        {
            text = Ascii.Trim(text);
            int space = text.IndexOf(' ');
            return space < 0 ? text : text.Substring(0, space);
        }
    }
}
