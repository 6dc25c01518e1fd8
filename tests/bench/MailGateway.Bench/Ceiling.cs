// The machine's ceiling and floor, measured with Postfix's own C tools so that the comparison uses
// one load tool on both sides:
//   - smtp-source → smtp-sink directly (1 KiB, 10 sessions): the most SMTP this machine carries,
//     and smtp-sink's CPU per message: what merely receiving a message costs a small C server;
//   - smtp-source → gateway → smtp-sink, the relay setup of issue 9: end-to-end messages per
//     second (smtp-sink's own counter, -c, tells when the last one arrived) and the gateway's CPU;
//   - optionally the storage floor: tests/bench/storage-floor.c does a spool's work per message
//     (create, write 1 KiB, fsync, close, rename, unlink; a folder sync per ten) from ten threads
//     and prints its CPU per message.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading;

namespace MailGateway.Bench
{
    public sealed class CeilingResult
    {
        public double DirectPerSecond = double.NaN;
        public double SinkCpuMsPerMessage = double.NaN;
        public double ThroughGatewayPerSecond = double.NaN;
        public double GatewayCpuMsPerMessage = double.NaN;
        public double StorageFloorCpuMs = double.NaN;
    }

    public static class Ceiling
    {
        private static readonly string[] Load = { "-s", "10", "-l", "1024", "-f", "a@lan.test", "-t", "b@far.test" };

        public static CeilingResult Measure(Gateway gateway, IPEndPoint sinkAt, int count, string storageFloor, string work)
        {
            CeilingResult result = new CeilingResult();
            using (SmtpSink sink = new SmtpSink(sinkAt))
            {
                double cpu0 = sink.CpuSeconds();
                Stopwatch clock = Stopwatch.StartNew();
                SmtpSource(sinkAt, count);
                result.DirectPerSecond = count / clock.Elapsed.TotalSeconds;
                result.SinkCpuMsPerMessage = (sink.CpuSeconds() - cpu0) * 1000 / count;
            }
            using (SmtpSink sink = new SmtpSink(sinkAt))
            {
                gateway.Start();
                try
                {
                    SmtpSource(gateway.Endpoint, 500);
                    if (!sink.WaitForMessages(500, TimeSpan.FromSeconds(60))) return result;
                    double cpu0 = gateway.Tree.CpuSeconds();
                    Stopwatch clock = Stopwatch.StartNew();
                    SmtpSource(gateway.Endpoint, count);
                    if (!sink.WaitForMessages(500 + count, TimeSpan.FromSeconds(120))) return result;
                    result.ThroughGatewayPerSecond = count / clock.Elapsed.TotalSeconds;
                    result.GatewayCpuMsPerMessage = (gateway.Tree.CpuSeconds() - cpu0) * 1000 / count;
                }
                finally
                {
                    gateway.Stop();
                }
            }
            if (storageFloor != null)
            {
                string folder = Path.Combine(work, "storage-floor");
                Directory.CreateDirectory(folder);
                Match m = Regex.Match(Shell.Run(storageFloor, folder, "4000"), @"cpu ([0-9.]+) ms per message");
                if (m.Success) result.StorageFloorCpuMs = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            return result;
        }

        private static void SmtpSource(IPEndPoint to, int count)
        {
            string[] args = new string[Load.Length + 3];
            args[0] = "-m";
            args[1] = count.ToString(CultureInfo.InvariantCulture);
            Load.CopyTo(args, 2);
            args[^1] = to.ToString();
            Shell.Run("/usr/sbin/smtp-source", args);
        }

        // smtp-sink with its running counter (-c): it rewrites "sess=N quit=N mesg=N" on standard
        // output after every event; the last mesg= is the number of messages received.
        private sealed class SmtpSink : IDisposable
        {
            private readonly Process _process;
            private readonly Thread _reader;
            private long _messages;

            public SmtpSink(IPEndPoint at)
            {
                ProcessStartInfo start = new ProcessStartInfo("/usr/sbin/smtp-sink") { UseShellExecute = false, RedirectStandardOutput = true };
                start.ArgumentList.Add("-c");
                if (Environment.UserName == "root") { start.ArgumentList.Add("-u"); start.ArgumentList.Add("nobody"); }
                start.ArgumentList.Add(at.ToString());
                start.ArgumentList.Add("256");
                _process = Process.Start(start);
                _reader = new Thread(Read) { IsBackground = true };
                _reader.Start();
                Ports.WaitListening(at, _process, null);
            }

            public double CpuSeconds() => ProcessTree.CpuSecondsOf(_process.Id);

            public bool WaitForMessages(long count, TimeSpan limit)
            {
                Stopwatch clock = Stopwatch.StartNew();
                while (Interlocked.Read(ref _messages) < count)
                {
                    if (clock.Elapsed > limit) return false;
                    Thread.Sleep(2);
                }
                return true;
            }

            public void Dispose()
            {
                _process.Kill();
                _process.WaitForExit();
                _reader.Join();
                _process.Dispose();
            }

            private void Read()
            {
                TextReader output = _process.StandardOutput;
                char[] buffer = new char[4096];
                string tail = "";
                int n;
                while ((n = output.Read(buffer, 0, buffer.Length)) > 0)
                {
                    tail += new string(buffer, 0, n);
                    int mark = tail.LastIndexOf("mesg=", StringComparison.Ordinal);
                    if (mark < 0) continue;
                    int end = mark + 5;
                    while (end < tail.Length && char.IsDigit(tail[end])) end++;
                    if (end < tail.Length && long.TryParse(tail.AsSpan(mark + 5, end - mark - 5), out long seen))
                        Interlocked.Exchange(ref _messages, seen);
                    tail = tail.Substring(mark);
                }
            }
        }
    }
}
