// The console's "log [N]": the last lines the gateway logged, kept on their way to the platform's own
// log in one ring of console.log_bytes bytes (UTF-8, each line ended by '\n'; a line longer than
// the ring's quarter is cut). One array made at start: its memory is what the budget counts, and a
// board's heap never fragments on log strings. Positions are counted from the start of the run, so
// a reader (the console writing "log 50" while the gateway logs on) can tell which lines the ring
// has overwritten meanwhile.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Console
{
    public sealed class RecentLog : ILog
    {
        private readonly ILog _inner;
        private readonly byte[] _ring;
        private long _written;

        public RecentLog(ILog inner, int bytes)
        {
            _inner = inner;
            _ring = new byte[bytes < 64 ? 64 : bytes];
        }

        /// <summary>The last line that holds "warning:" or "error:" while the ring still has it, else null (read from the ring, newest first).</summary>
        public string LastWarning
        {
            get
            {
                string found = null;
                long at = StartOfLast(int.MaxValue);
                while (at < _written)
                {
                    string line = LineAt(at, out at);
                    if (line == null) break;
                    if (line.IndexOf("warning:") >= 0 || line.IndexOf("error:") >= 0) found = line;
                }
                return found;
            }
        }

        /// <summary>Bytes written since start: the position after the last line.</summary>
        public long End { get { return _written; } }

        public void Line(string text)
        {
            _inner.Line(text);
            byte[] bytes = Text.Utf8.GetBytes(text);
            int n = bytes.Length;
            int most = _ring.Length / 4;
            if (n > most) n = most;
            for (int i = 0; i < n; i++) Put(bytes[i] == (byte)'\n' ? (byte)' ' : bytes[i]);
            Put((byte)'\n');
        }

        private void Put(byte b)
        {
            _ring[(int)(_written % _ring.Length)] = b;
            _written++;
        }

        /// <summary>Where the line starts that is 'lines' lines before End (or the oldest kept line when fewer are kept).</summary>
        public long StartOfLast(int lines)
        {
            long oldest = Oldest;
            long at = _written;
            int found = 0;
            // Step back over the last line's '\n', then to the start of each line.
            while (at > oldest && found < lines)
            {
                long p = at - 1;
                while (p > oldest && _ring[(int)((p - 1) % _ring.Length)] != (byte)'\n') p--;
                at = p;
                found++;
            }
            // The oldest bytes may be the end of a line whose start is overwritten: not shown.
            if (at == oldest && oldest > 0) at = AfterNextBreak(oldest);
            return at;
        }

        /// <summary>The line starting at position 'at' and where the next starts; null when the ring no longer holds it.</summary>
        public string LineAt(long at, out long next)
        {
            next = at;
            if (at < Oldest || at >= _written) return null;
            long end = at;
            while (end < _written && _ring[(int)(end % _ring.Length)] != (byte)'\n') end++;
            byte[] bytes = new byte[(int)(end - at)];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = _ring[(int)((at + i) % _ring.Length)];
            next = end + 1;
            return Text.Utf8.GetString(bytes, 0, bytes.Length);
        }

        private long Oldest { get { return _written > _ring.Length ? _written - _ring.Length : 0; } }

        // The position after the first '\n' at or after 'at'.
        private long AfterNextBreak(long at)
        {
            while (at < _written && _ring[(int)(at % _ring.Length)] != (byte)'\n') at++;
            return at < _written ? at + 1 : _written;
        }
    }
}
