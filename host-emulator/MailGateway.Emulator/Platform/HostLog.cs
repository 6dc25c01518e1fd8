// ILog for the host: one line per event on a TextWriter (stdout by default, which journald or a
// file redirect picks up), prefixed the way Postfix prefixes its own log lines with a time and
// program[pid], here with an ISO-8601 UTC time:
//   2025-03-01T12:00:00.123Z mailgw[4242]: 4F2A1: to=<b@bbb.test>, status=sent
// Under systemd, when standard output is the journal (JOURNAL_STREAM names it), journald adds the
// time and the program itself, so a line is only its text after a severity prefix that journald
// reads (sd-daemon(3)): <3> for "error:"/"fatal:", <4> for "warning:", <6> for the rest, so
// `journalctl -p warning -u mailgw` shows what needs a look.
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

        /// <summary>Lines for the journal: a severity prefix, no time or tag (journald adds them).</summary>
        public bool Journal { get; init; }

        /// <summary>Standard output, written by Flush (the loop calls it before it waits); journal lines when it is the journal.</summary>
        public static HostLog Buffered()
        {
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
            return new HostLog(stdout, null) { _buffered = true, Journal = IsJournal(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), StdoutLink()) };
        }

        /// <summary>
        /// True when JOURNAL_STREAM ("device:inode", set by systemd for a service whose output goes
        /// to the journal) names the stream standard output is (its /proc/self/fd/1 link,
        /// "socket:[inode]"): a child whose output was redirected elsewhere keeps the variable but
        /// not the stream.
        /// </summary>
        public static bool IsJournal(string journalStream, string stdoutLink)
        {
            if (string.IsNullOrEmpty(journalStream) || stdoutLink == null) return false;
            int colon = journalStream.IndexOf(':');
            if (colon < 0) return false;
            return stdoutLink == "socket:[" + journalStream.Substring(colon + 1) + "]";
        }

        private static string StdoutLink()
        {
            try
            {
                return new FileInfo("/proc/self/fd/1").LinkTarget;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>The journal's severity prefix for a line (sd-daemon(3)).</summary>
        public static string Severity(string text)
        {
            if (text.Contains("error:", StringComparison.Ordinal) || text.Contains("fatal:", StringComparison.Ordinal)) return "<3>";
            if (text.Contains("warning:", StringComparison.Ordinal)) return "<4>";
            return "<6>";
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
            if (Journal)
            {
                string entry = Severity(text ?? "") + OneLine(text);
                lock (_gate)
                {
                    _writer.WriteLine(entry);
                    if (!_buffered) _writer.Flush();
                }
                return;
            }
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
