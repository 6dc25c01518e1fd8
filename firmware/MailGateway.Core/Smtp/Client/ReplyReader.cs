// Reads SMTP replies from the server (RFC 5321 §4.2), byte by byte, so a reply may arrive in any
// number of pieces; stops after each complete reply so the caller can act on it before reading on
// (after "220" to STARTTLS, every byte that follows must be discarded, RFC 3207 §4.2).
//
//   reply-line = *( code "-" [ text ] CRLF ) code [ SP text ] CRLF      (RFC 5321 §4.2)
//
// Strict, because a reply stream that does not follow the grammar can no longer be matched to
// our commands: a line longer than 512 octets with CRLF (§4.5.3.1.5), a bare CR, a bare LF, a NUL,
// a code that is not 2-5 / 0-5 / 0-9 (§4.2), a separator other than SP or "-", or a code that
// changes within a multi-line reply (§4.2.1) makes the reader Malformed, with a reason; it never
// throws. An RFC 3463 enhanced code at the start of a line's text ("2.1.5 ") is split off when its
// class matches the reply's first digit (RFC 2034 §4). Memory is fixed: one line buffer, the
// first MaxKeptLines line texts (EHLO keywords), and at most MaxText characters of joined text.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed class ReplyReader
    {
        public const int NeedMore = 0;
        public const int Complete = 1;
        public const int Malformed = 2;

        /// <summary>RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF.</summary>
        public const int MaxLine = 512;
        /// <summary>Lines of one reply kept for Line(i); later lines are checked, not kept.</summary>
        public const int MaxKeptLines = 32;
        /// <summary>Characters of the joined text kept in Reply.Text.</summary>
        public const int MaxText = 1000;

        private readonly byte[] _line = new byte[MaxLine];
        private int _length;
        private bool _afterCR;
        private int _code;
        private string _enhanced;
        private string _text;
        private readonly string[] _lines = new string[MaxKeptLines];
        private int _lineCount;

        public ReplyReader()
        {
            Reset();
        }

        /// <summary>NeedMore, Complete (Reply is set) or Malformed (Error says why; stays so until Reset).</summary>
        public int Status { get; private set; }

        /// <summary>The complete reply; null unless Status is Complete. Closes is true for 421 (RFC 5321 §3.8).</summary>
        public Reply Reply { get; private set; }

        /// <summary>Why the stream is Malformed, in plain words.</summary>
        public string Error { get; private set; }

        /// <summary>Lines of the current reply kept (at most MaxKeptLines).</summary>
        public int LineCount { get { return _lineCount; } }

        /// <summary>The text of line i after the code and separator, as received (enhanced code not removed).</summary>
        public string Line(int index)
        {
            return _lines[index];
        }

        /// <summary>Forgets everything, including a partial reply and a Malformed status.</summary>
        public void Reset()
        {
            Status = NeedMore;
            Error = null;
            _afterCR = false;
            StartReply();
        }

        /// <summary>
        /// Reads until a reply is complete, the stream is found malformed, or the input is used up.
        /// Returns the bytes consumed; bytes after a complete reply stay unread. Reading again after
        /// Complete starts the next reply.
        /// </summary>
        public int Read(byte[] buffer, int offset, int count)
        {
            if (Status == Malformed) return 0;
            if (Status == Complete)
            {
                Status = NeedMore;
                StartReply();
            }
            int i = 0;
            while (i < count && Status == NeedMore)
            {
                byte b = buffer[offset + i];
                i++;
                if (_afterCR)
                {
                    _afterCR = false;
                    if (b != Ascii.LF)
                    {
                        Fail("bare CR in reply");
                        break;
                    }
                    EndLine();
                }
                else if (b == Ascii.CR)
                {
                    _afterCR = true;
                }
                else if (b == Ascii.LF)
                {
                    Fail("bare LF in reply");
                }
                else if (b == Ascii.Nul)
                {
                    Fail("NUL in reply");
                }
                else if (_length >= MaxLine - 2)
                {
                    Fail("reply line longer than " + MaxLine.ToString() + " bytes");
                }
                else
                {
                    _line[_length++] = b;
                }
            }
            return i;
        }

        private void StartReply()
        {
            _length = 0;
            _code = 0;
            _enhanced = null;
            _text = "";
            _lineCount = 0;
            Reply = null;
        }

        private void Fail(string why)
        {
            Status = Malformed;
            Error = why;
            Reply = null;
        }

        private void EndLine()
        {
            int length = _length;
            _length = 0;
            if (length < 3 || _line[0] < '2' || _line[0] > '5' || _line[1] < '0' || _line[1] > '5' ||
                !Ascii.IsDigit(_line[2]))
            {
                Fail("malformed reply code");
                return;
            }
            bool last = length == 3 || _line[3] == Ascii.Space;
            if (!last && _line[3] != (byte)'-')
            {
                Fail("malformed reply code");
                return;
            }
            int code = (_line[0] - '0') * 100 + (_line[1] - '0') * 10 + (_line[2] - '0');
            if (_code != 0 && code != _code)
            {
                Fail("reply code changed within a multi-line reply");
                return;
            }
            _code = code;
            string text = length > 4 ? Ascii.GetString(_line, 4, length - 4) : "";
            if (_lineCount < MaxKeptLines) _lines[_lineCount++] = text;
            int codeEnd = EnhancedCodeEnd(text, (char)_line[0]);
            if (codeEnd > 0)
            {
                if (_enhanced == null) _enhanced = text.Substring(0, codeEnd);
                text = codeEnd < text.Length ? text.Substring(codeEnd + 1) : "";
            }
            AppendText(text);
            if (!last) return;
            Status = Complete;
            // RFC 5321 §3.8: 421 means the server is closing the connection.
            Reply = new Reply(_code, _enhanced, _text, _code == 421);
        }

        private void AppendText(string text)
        {
            if (text.Length == 0 || _text.Length >= MaxText) return;
            string joined = _text.Length == 0 ? text : _text + " " + text;
            _text = joined.Length > MaxText ? joined.Substring(0, MaxText) : joined;
        }

        // "c.sss.ddd" followed by a space or the end (RFC 3463 §2: 1-3 digits each, class = reply
        // class): returns the index after its last digit, 0 when there is none.
        private static int EnhancedCodeEnd(string text, char replyClass)
        {
            if (text.Length < 5 || text[0] != replyClass || text[1] != '.') return 0;
            int i = 2;
            for (int part = 0; part < 2; part++)
            {
                int start = i;
                while (i < text.Length && i - start < 4 && Ascii.IsDigit(text[i])) i++;
                if (i == start || i - start > 3) return 0;
                if (part == 0)
                {
                    if (i >= text.Length || text[i] != '.') return 0;
                    i++;
                }
            }
            return i == text.Length || text[i] == ' ' ? i : 0;
        }
    }
}
