// Decodes the DATA stream (RFC 5321 §4.1.1.4, §4.5.2): finds the end of data and removes
// dot-stuffing, byte by byte, so a message of any size passes through a fixed buffer.
//
// Only CR LF "." CR LF ends the message. A CR not followed by LF, an LF not preceded by CR, or a NUL
// byte stops decoding with an error status: such a stream is how SMTP smuggling (CVE-2023-51764/5/6)
// hides a second message, so the session refuses it and closes instead of guessing where lines end.
// The output is the message as the client meant it: every line ends in CR LF, leading dots of
// stuffed lines removed, the final ".CRLF" not included.
namespace MailGateway.Core.Smtp
{
    public sealed class DataDecoder
    {
        public const int Running = 0;
        public const int Ended = 1;
        public const int BareLineEnd = 2;
        public const int NulByte = 3;

        // Where the decoder is within a line.
        private const int LineStart = 0;
        private const int InLine = 1;
        private const int AfterCR = 2;
        private const int AfterLeadingDot = 3;
        private const int AfterDotCR = 4;

        private int _position = LineStart;

        public int Status { get; private set; }

        public void Reset()
        {
            _position = LineStart;
            Status = Running;
        }

        /// <summary>
        /// Decodes from src into dst until the input is used up, the message ends, an error is found,
        /// or dst has fewer than 2 free bytes. Returns the number of input bytes consumed.
        /// </summary>
        public int Decode(byte[] src, int offset, int count, byte[] dst, int dstOffset, int dstMax, out int produced)
        {
            produced = 0;
            int i = 0;
            while (i < count && Status == Running && dstMax - produced >= 2)
            {
                byte b = src[offset + i];
                i++;
                if (b == 0)
                {
                    Status = NulByte;
                    break;
                }
                switch (_position)
                {
                    case LineStart:
                    case InLine:
                        if (b == Text.Ascii.CR) _position = AfterCR;
                        else if (b == Text.Ascii.LF) Status = BareLineEnd;
                        else if (b == (byte)'.' && _position == LineStart) _position = AfterLeadingDot;
                        else
                        {
                            dst[dstOffset + produced++] = b;
                            _position = InLine;
                        }
                        break;
                    case AfterCR:
                        if (b != Text.Ascii.LF)
                        {
                            Status = BareLineEnd;
                            break;
                        }
                        dst[dstOffset + produced++] = Text.Ascii.CR;
                        dst[dstOffset + produced++] = Text.Ascii.LF;
                        _position = LineStart;
                        break;
                    case AfterLeadingDot:
                        if (b == Text.Ascii.CR) _position = AfterDotCR;
                        else if (b == Text.Ascii.LF) Status = BareLineEnd;
                        else
                        {
                            // RFC 5321 §4.5.2: the first dot of a line that has more is removed.
                            dst[dstOffset + produced++] = b;
                            _position = InLine;
                        }
                        break;
                    case AfterDotCR:
                        if (b == Text.Ascii.LF) Status = Ended;
                        else Status = BareLineEnd;
                        break;
                }
            }
            return i;
        }
    }
}
