// Cuts a command stream into lines the way SMTP (RFC 5321 §2.3.8, §4.5.3.1.4) and POP3 (RFC 1939,
// RFC 2449 §4) want it: only CR LF ends a line; a bare CR, a bare LF or a NUL is an error the
// session answers by closing (never a line end, SMTP smuggling); a line longer than the limit is
// read to its CR LF and then reported as too long, so its tail is never taken as a command.
// The buffer is zeroed whenever a line leaves it: a line may carry a password. It may be lent by
// the owner for the times it has no other use for it (the SMTP session's body buffer, idle
// outside DATA): it is empty whenever no line is being read.
namespace MailGateway.Core.Text
{
    public sealed class CommandLineReader
    {
        // What ended a Read
        public const int NeedMore = 0;
        public const int Line = 1;
        public const int TooLong = 2;
        public const int BareCR = 3;
        public const int BareLF = 4;
        public const int Nul = 5;

        private readonly ByteBuffer _line;
        private bool _overflow;
        private bool _afterCR;

        /// <summary>Longest line including CR LF.</summary>
        public int MaxLine;

        public CommandLineReader(int maxLine)
            : this(new ByteBuffer(maxLine), maxLine)
        {
        }

        /// <summary>Reads lines into storage, which holds maxLine bytes (so it never grows while a line is read) and is empty.</summary>
        public CommandLineReader(ByteBuffer storage, int maxLine)
        {
            MaxLine = maxLine;
            _line = storage;
            Clear();
        }

        /// <summary>
        /// Consumes bytes up to and including the end of one line (or an error); returns how many.
        /// result: Line (TakeLine has it), TooLong, BareCR, BareLF, Nul, or NeedMore when all bytes were taken.
        /// </summary>
        public int Read(byte[] buffer, int offset, int count, out int result)
        {
            for (int i = 0; i < count; i++)
            {
                byte b = buffer[offset + i];
                if (_afterCR)
                {
                    _afterCR = false;
                    if (b != Ascii.LF)
                    {
                        Clear();
                        result = BareCR;
                        return i + 1;
                    }
                    if (_overflow)
                    {
                        Clear();
                        result = TooLong;
                        return i + 1;
                    }
                    result = Line;
                    return i + 1;
                }
                if (b == Ascii.CR)
                {
                    _afterCR = true;
                }
                else if (b == Ascii.LF || b == Ascii.Nul)
                {
                    Clear();
                    result = b == Ascii.LF ? BareLF : Nul;
                    return i + 1;
                }
                else if (_line.Count + 2 >= MaxLine)
                {
                    _overflow = true;
                }
                else
                {
                    _line.Append(b);
                }
            }
            result = NeedMore;
            return count;
        }

        /// <summary>The completed line without CR LF (one char per byte); the buffer is wiped.</summary>
        public string TakeLine()
        {
            string line = Ascii.GetString(_line.Array, _line.Start, _line.Count);
            Clear();
            return line;
        }

        /// <summary>Forgets any partial line (after STARTTLS, or an error).</summary>
        public void Clear()
        {
            System.Array.Clear(_line.Array, 0, _line.Array.Length);
            _line.Clear();
            _overflow = false;
            _afterCR = false;
        }
    }
}
