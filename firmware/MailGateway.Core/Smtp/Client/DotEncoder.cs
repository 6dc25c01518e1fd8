// Encodes a message for DATA (RFC 5321 §4.1.1.4, §4.5.2), streaming through fixed buffers: the
// mirror of DataDecoder.
//
// Choice: normalise, never refuse. The spool only holds CRLF-clean bodies from our own server,
// so anything else means damage or a foreign source, and a message that can never be sent as it
// is would only wait for days and bounce. So, before dot-stuffing (REFERENCE: "clean before
// dot-stuffing, never after"):
//   - CR LF passes through;
//   - a bare CR and a bare LF each become CR LF (what the author of an old Mac or Unix text meant);
//   - a NUL is dropped, before line ends are looked at, so CR NUL LF is one line end (RFC 5321
//     §4.1.1.4 / RFC 6152: never in SMTP text without BINARYMIME);
// each repair is counted (Repairs) so the loop can log it. Then a line that starts with "."
// gets a second "." (RFC 5321 §4.5.2). Finish adds CR LF when the last line is unterminated
// (§4.1.1.4: the client must), and the end-of-data line ".CRLF". So the output never holds a
// lone CR, a lone LF or a NUL, and never ends the data early, whatever the input.
// Deliberately not done: splitting lines longer than 998 octets (Postfix's smtp_line_length_limit);
// our server keeps long lines, and splitting changes the message.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed class DotEncoder
    {
        /// <summary>Finish writes at most this many bytes: CR LF "." CR LF.</summary>
        public const int FinishBytes = 5;

        private bool _lineStart = true;
        private bool _afterCR;

        /// <summary>Bare CRs, bare LFs and NULs repaired since Reset.</summary>
        public int Repairs { get; private set; }

        public void Reset()
        {
            _lineStart = true;
            _afterCR = false;
            Repairs = 0;
        }

        /// <summary>
        /// Encodes from src into dst until the input is used up or dst has fewer than 2 free bytes
        /// (one input byte makes at most two). Returns the number of input bytes consumed.
        /// </summary>
        public int Encode(byte[] src, int offset, int count, byte[] dst, int dstOffset, int dstMax, out int produced)
        {
            produced = 0;
            int i = 0;
            while (i < count && dstMax - produced >= 2)
            {
                byte b = src[offset + i];
                i++;
                if (b == Ascii.Nul)
                {
                    // Dropped as if it had never been there: "CR NUL LF" is one line end.
                    Repairs++;
                    continue;
                }
                if (_afterCR)
                {
                    _afterCR = false;
                    if (b == Ascii.LF) continue;   // the LF of a CR LF already written
                    Repairs++;                     // that CR was bare; its CR LF is written
                }
                if (b == Ascii.CR)
                {
                    // Written at once as CR LF, so a CR at the end of a chunk is never held back.
                    dst[dstOffset + produced++] = Ascii.CR;
                    dst[dstOffset + produced++] = Ascii.LF;
                    _afterCR = true;
                    _lineStart = true;
                }
                else if (b == Ascii.LF)
                {
                    dst[dstOffset + produced++] = Ascii.CR;
                    dst[dstOffset + produced++] = Ascii.LF;
                    _lineStart = true;
                    Repairs++;
                }
                else
                {
                    // RFC 5321 §4.5.2: a line starting with "." gets one more.
                    if (_lineStart && b == (byte)'.') dst[dstOffset + produced++] = b;
                    dst[dstOffset + produced++] = b;
                    _lineStart = false;
                }
            }
            return i;
        }

        /// <summary>Ends the data: CR LF if the last line is unterminated, then ".CRLF". Needs FinishBytes of room; returns bytes written.</summary>
        public int Finish(byte[] dst, int dstOffset)
        {
            int n = 0;
            if (_afterCR)
            {
                _afterCR = false;
                Repairs++;   // the message ended in a bare CR, written as CR LF
            }
            if (!_lineStart)
            {
                dst[dstOffset + n++] = Ascii.CR;
                dst[dstOffset + n++] = Ascii.LF;
            }
            dst[dstOffset + n++] = (byte)'.';
            dst[dstOffset + n++] = Ascii.CR;
            dst[dstOffset + n++] = Ascii.LF;
            _lineStart = true;
            return n;
        }
    }
}
