// The command verbs the server knows (RFC 5321 §4.1.1), as numbers with bit masks per state.
namespace MailGateway.Core.Smtp
{
    public static class SmtpVerb
    {
        public const int Unknown = 0;
        public const int Ehlo = 1;
        public const int Helo = 2;
        public const int Mail = 3;
        public const int Rcpt = 4;
        public const int Data = 5;
        public const int Rset = 6;
        public const int Noop = 7;
        public const int Quit = 8;
        public const int Vrfy = 9;
        public const int Help = 10;
        public const int Expn = 11;
        public const int Http = 12;   // GET, POST, HEAD, PUT, CONNECT: a web client or a proxy probe
        public const int StartTls = 13; // RFC 3207
        public const int Auth = 14;     // RFC 4954
        public const int Count = 15;

        private static readonly string[] Names =
        {
            "?", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "HELP", "EXPN", "HTTP",
            "STARTTLS", "AUTH",
        };

        public static string Name(int verb)
        {
            return verb >= 0 && verb < Count ? Names[verb] : "?";
        }

        public static int Bit(int verb)
        {
            return 1 << verb;
        }

        /// <summary>Verbs valid in every state in which commands are read.</summary>
        public static readonly int AlwaysAllowed =
            Bit(Rset) | Bit(Noop) | Bit(Quit) | Bit(Vrfy) | Bit(Help) | Bit(Expn) | Bit(Unknown) | Bit(Http);

        /// <summary>The verb of a command line (the text before the first space), case-insensitive.</summary>
        public static int Parse(string line, out int argumentStart)
        {
            int space = line.IndexOf(' ');
            int end = space < 0 ? line.Length : space;
            argumentStart = space < 0 ? line.Length : space + 1;
            if (end == 4)
            {
                for (int verb = Ehlo; verb <= Expn; verb++)
                {
                    if (Text.Ascii.StartsWithIgnoreCase(line, Names[verb])) return verb;
                }
                if (Text.Ascii.StartsWithIgnoreCase(line, Names[Auth])) return Auth;
            }
            if (end == 8 && Text.Ascii.StartsWithIgnoreCase(line, Names[StartTls])) return StartTls;
            string word = Text.Ascii.ToLower(line.Substring(0, end));
            if (word == "get" || word == "post" || word == "head" || word == "put" || word == "connect") return Http;
            return Unknown;
        }

        /// <summary>Names of the transaction verbs in a mask, for the 503 text ("MAIL RCPT").</summary>
        public static string Describe(int mask)
        {
            string text = "";
            for (int verb = Ehlo; verb <= Data; verb++)
            {
                if ((mask & Bit(verb)) == 0) continue;
                text = text.Length == 0 ? Names[verb] : text + " " + Names[verb];
            }
            return text;
        }
    }
}
