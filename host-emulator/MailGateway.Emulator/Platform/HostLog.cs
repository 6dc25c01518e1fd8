// ILog for the host: one line per event on a TextWriter (stdout by default, which journald or a
// file redirect picks up), prefixed the way Postfix prefixes its own log lines with a time and
// program[pid], here with an ISO-8601 UTC time:
//   2025-03-01T12:00:00.123Z mailgw[4242]: 4F2A1: to=<b@bbb.test>, status=sent
// Each line is flushed at once so that nothing is lost when the process dies; the daemon's log
// (Buffered) instead gathers a loop pass's lines and writes them in one go when the loop is about to
// wait (Flush), so a busy gateway makes one write a pass, not one a line: a process killed in the
// middle of a pass loses that pass's lines, never mail.
using System;
using System.Globalization;
using System.IO;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostLog : ILog
    {
        private readonly TextWriter _writer;
        private readonly IClock _clock;
        private readonly string _tag;
        private readonly object _gate = new object();

        public HostLog()
            : this(Console.Out, null)
        {
        }

        public HostLog(TextWriter writer)
            : this(writer, null)
        {
        }

        /// <summary>writer null means Console.Out; clock null means the system clock (its UnixMs is the timestamp).</summary>
        public HostLog(TextWriter writer, IClock clock)
        {
            _writer = writer ?? Console.Out;
            _clock = clock;
            _tag = "mailgw[" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "]: ";
        }

        private bool _buffered;

        /// <summary>Standard output, written by Flush (the loop calls it before it waits).</summary>
        public static HostLog Buffered()
        {
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
            return new HostLog(stdout, null) { _buffered = true };
        }

        /// <summary>Writes the gathered lines (Buffered); does nothing otherwise.</summary>
        public void Flush()
        {
            if (!_buffered) return;
            lock (_gate)
            {
                _writer.Flush();
            }
        }

        public void Line(string text)
        {
            long unixMs = _clock != null ? _clock.UnixMs() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            string time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
                .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            string line = time + " " + _tag + OneLine(text);
            // A helper thread inside an adapter may log too; keep lines whole.
            lock (_gate)
            {
                _writer.WriteLine(line);
                if (!_buffered) _writer.Flush();
            }
        }

        // Text can carry peer-supplied bytes (a HELO name, an address); a CR or LF in it would
        // forge a second log line, so each becomes a space (Postfix's printable() makes it '?').
        private static string OneLine(string text)
        {
            if (text == null) return string.Empty;
            if (text.IndexOf('\r') < 0 && text.IndexOf('\n') < 0) return text;
            return text.Replace('\r', ' ').Replace('\n', ' ');
        }
    }
}
