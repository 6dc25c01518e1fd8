// The POP3 commands the session knows (RFC 1939 §4-7, RFC 2449 CAPA, RFC 2595 STLS), as numbers
// with bit masks per state. APOP and AUTH are not offered: they are unknown commands here.
namespace MailGateway.Core.Local
{
    public static class Pop3Verb
    {
        public const int Unknown = 0;
        public const int User = 1;
        public const int Pass = 2;
        public const int Stls = 3;
        public const int Stat = 4;
        public const int List = 5;
        public const int Retr = 6;
        public const int Dele = 7;
        public const int Noop = 8;
        public const int Rset = 9;
        public const int Uidl = 10;
        public const int Top = 11;
        public const int Capa = 12;   // both states; last, so the "expected" lists read in RFC order
        public const int Quit = 13;
        public const int Count = 14;

        private static readonly string[] Names =
        {
            "?", "USER", "PASS", "STLS", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "UIDL", "TOP", "CAPA", "QUIT",
        };

        public static string Name(int verb)
        {
            return verb >= 0 && verb < Count ? Names[verb] : "?";
        }

        public static int Bit(int verb)
        {
            return 1 << verb;
        }

        /// <summary>Commands of the AUTHORIZATION state (RFC 1939 §4, RFC 2449 §5, RFC 2595 §4).</summary>
        public static readonly int Authorization = Bit(User) | Bit(Pass) | Bit(Stls) | Bit(Capa) | Bit(Quit);

        /// <summary>Commands of the TRANSACTION state (RFC 1939 §5, RFC 2449 §5).</summary>
        public static readonly int Transaction = Bit(Stat) | Bit(List) | Bit(Retr) | Bit(Dele) | Bit(Noop) |
                                                 Bit(Rset) | Bit(Uidl) | Bit(Top) | Bit(Capa) | Bit(Quit);

        /// <summary>The command of a line (the keyword before the first space), case-insensitive (RFC 1939 §3).</summary>
        public static int Parse(string line, out int argumentStart)
        {
            int space = line.IndexOf(' ');
            int end = space < 0 ? line.Length : space;
            argumentStart = space < 0 ? line.Length : space + 1;
            for (int verb = User; verb < Count; verb++)
            {
                if (Names[verb].Length == end && Text.Ascii.StartsWithIgnoreCase(line, Names[verb])) return verb;
            }
            return Unknown;
        }

        /// <summary>The names of the commands in a mask, for the "not valid now" reply ("USER PASS STLS CAPA QUIT").</summary>
        public static string Describe(int mask)
        {
            string text = "";
            for (int verb = User; verb < Count; verb++)
            {
                if ((mask & Bit(verb)) == 0) continue;
                text = text.Length == 0 ? Names[verb] : text + " " + Names[verb];
            }
            return text;
        }
    }
}
