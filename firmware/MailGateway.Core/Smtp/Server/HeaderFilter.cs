// Watches the header section of an incoming message (RFC 5322 §2.2, §3.6) as it streams past and
// completes it: counts Received fields for loop detection (RFC 5321 §6.3) and adds Message-ID and
// Date where the client left them out (RFC 5322 §3.6.1, §3.6.4; many devices do, and large
// providers refuse such mail).
//
// Header lines are held one at a time (at most MaxHeaderLine bytes; a longer one is passed on in
// pieces and still counts as a header). The missing fields are inserted where the header section
// ends: before the empty line, or before the first line that is not a header field (then an empty
// line is added so that line stays in the body), or at the end of a message that has no body.
// Input must be decoder output: every line ends in CR LF.
namespace MailGateway.Core.Smtp
{
    public sealed class HeaderFilter
    {
        // Enough to classify a line (its field name) and keep the usual field whole; a longer line is
        // passed on in pieces, still as a header field.
        public const int MaxHeaderLine = 256;

        private readonly Text.ByteBuffer _line = new Text.ByteBuffer(MaxHeaderLine + 2);
        private bool _inHeaders;
        private bool _passingLongLine;
        private bool _sawMessageId;
        private bool _sawDate;
        private string _messageIdField;
        private string _dateField;

        public int ReceivedCount { get; private set; }

        /// <summary>Starts a message; the fields are complete lines with CRLF, added if missing.</summary>
        public void Start(string messageIdField, string dateField)
        {
            _line.Clear();
            _inHeaders = true;
            _passingLongLine = false;
            _sawMessageId = false;
            _sawDate = false;
            _messageIdField = messageIdField;
            _dateField = dateField;
            ReceivedCount = 0;
        }

        public void Write(byte[] src, int offset, int count, Text.ByteBuffer output)
        {
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                if (!_inHeaders)
                {
                    output.Append(src, i, end - i);
                    return;
                }
                byte b = src[i++];
                if (_passingLongLine)
                {
                    output.Append(b);
                    if (b == Text.Ascii.LF) _passingLongLine = false;
                    continue;
                }
                _line.Append(b);
                if (b == Text.Ascii.LF) EndOfLine(output, true);
                else if (_line.Count >= MaxHeaderLine) EndOfLine(output, false);
            }
        }

        /// <summary>At the end of the message: completes a header-only message.</summary>
        public void Finish(Text.ByteBuffer output)
        {
            if (_inHeaders) AddMissing(output);
            _inHeaders = false;
        }

        private void EndOfLine(Text.ByteBuffer output, bool complete)
        {
            int kind = Classify();
            if (kind == NotAHeader)
            {
                AddMissing(output);
                if (!(_line.Count == 2 && _line[0] == Text.Ascii.CR)) output.Append("\r\n");
                _inHeaders = false;
            }
            else if (kind != Continuation)
            {
                if (kind == ReceivedField) ReceivedCount++;
                else if (kind == MessageIdField) _sawMessageId = true;
                else if (kind == DateField) _sawDate = true;
            }
            output.Append(_line.Array, _line.Start, _line.Count);
            _line.Clear();
            if (!complete) _passingLongLine = true;
        }

        private const int NotAHeader = 0;
        private const int Continuation = 1;
        private const int OtherField = 2;
        private const int ReceivedField = 3;
        private const int MessageIdField = 4;
        private const int DateField = 5;

        private int Classify()
        {
            int n = _line.Count;
            if (n == 0) return NotAHeader;
            byte first = _line[0];
            if (first == Text.Ascii.Space || first == Text.Ascii.Tab) return Continuation;
            // field-name = 1*ftext (printable, not ':'), then optional WSP (RFC 5322 §4.5
            // obs-optional), then ':'
            int nameEnd = 0;
            while (nameEnd < n && _line[nameEnd] >= 33 && _line[nameEnd] <= 126 && _line[nameEnd] != (byte)':') nameEnd++;
            if (nameEnd == 0) return NotAHeader;
            int colon = nameEnd;
            while (colon < n && (_line[colon] == Text.Ascii.Space || _line[colon] == Text.Ascii.Tab)) colon++;
            if (colon == n || _line[colon] != (byte)':') return NotAHeader;
            if (NameIs("received", nameEnd)) return ReceivedField;
            if (NameIs("message-id", nameEnd)) return MessageIdField;
            if (NameIs("date", nameEnd)) return DateField;
            return OtherField;
        }

        private bool NameIs(string name, int length)
        {
            if (length != name.Length) return false;
            for (int i = 0; i < length; i++)
            {
                if (Text.Ascii.ToLower((char)_line[i]) != name[i]) return false;
            }
            return true;
        }

        private void AddMissing(Text.ByteBuffer output)
        {
            if (!_sawMessageId && _messageIdField != null) output.Append(_messageIdField);
            if (!_sawDate && _dateField != null) output.Append(_dateField);
            _sawMessageId = true;
            _sawDate = true;
        }
    }
}
