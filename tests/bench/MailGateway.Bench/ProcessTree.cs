// CPU and memory of a system under test, read from /proc: a process and all its descendants
// (Postfix is a master with smtpd, cleanup, qmgr, smtp, ... children). CPU is utime+stime of the
// live processes plus cutime+cstime (children that exited and were reaped), so the total only
// grows. Memory is the sum of Pss (proportional set size: shared pages split between the
// processes that share them), which for a single process is its resident size less what it
// shares; sampled every 100 ms by a background thread, keeping the peak.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace MailGateway.Bench
{
    public sealed class ProcessTree : IDisposable
    {
        private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
        private readonly int _root;
        private readonly Thread _sampler;
        private volatile bool _stopped;
        private long _peakPssKiB;

        public ProcessTree(int root)
        {
            _root = root;
            _sampler = new Thread(Sample) { IsBackground = true };
            _sampler.Start();
        }

        public double PeakMiB => Interlocked.Read(ref _peakPssKiB) / 1024.0;

        public void ResetPeak() => Interlocked.Exchange(ref _peakPssKiB, 0);

        /// <summary>CPU seconds used by the tree so far.</summary>
        public double CpuSeconds()
        {
            long ticks = 0;
            foreach (int pid in Members())
            {
                string[] f = StatFields(pid);
                if (f == null) continue;
                // fields after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
                ticks += long.Parse(f[11]) + long.Parse(f[12]) + long.Parse(f[13]) + long.Parse(f[14]);
            }
            return ticks / TicksPerSecond;
        }

        /// <summary>CPU seconds one process has used so far (utime + stime; 0 when it is gone).</summary>
        public static double CpuSecondsOf(int pid)
        {
            string[] f = StatFields(pid);
            return f == null ? 0 : (long.Parse(f[11]) + long.Parse(f[12])) / TicksPerSecond;
        }

        /// <summary>Resident KiB of the tree now (sum of Pss).</summary>
        public long PssKiB()
        {
            long total = 0;
            foreach (int pid in Members())
            {
                try
                {
                    foreach (string line in File.ReadLines("/proc/" + pid + "/smaps_rollup"))
                    {
                        if (!line.StartsWith("Pss:", StringComparison.Ordinal)) continue;
                        total += long.Parse(line.Substring(4).Trim().Split(' ')[0]);
                        break;
                    }
                }
                catch (IOException)
                {
                    // the process ended meanwhile
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return total;
        }

        public void Dispose()
        {
            _stopped = true;
            _sampler.Join();
        }

        private void Sample()
        {
            while (!_stopped)
            {
                long now = PssKiB();
                if (now > Interlocked.Read(ref _peakPssKiB)) Interlocked.Exchange(ref _peakPssKiB, now);
                Thread.Sleep(100);
            }
        }

        // The root and every process whose parent chain reaches it.
        private List<int> Members()
        {
            Dictionary<int, int> parents = new Dictionary<int, int>();
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                string[] f = StatFields(pid);
                if (f != null) parents[pid] = int.Parse(f[1]);
            }
            List<int> members = new List<int>();
            foreach (KeyValuePair<int, int> p in parents)
            {
                int at = p.Key;
                for (int depth = 0; depth < 16 && at > 1; depth++)
                {
                    if (at == _root) { members.Add(p.Key); break; }
                    if (!parents.TryGetValue(at, out at)) break;
                }
            }
            return members;
        }

        // /proc/PID/stat split after the command name (which may hold spaces), or null if gone.
        private static string[] StatFields(int pid)
        {
            string stat;
            try
            {
                stat = File.ReadAllText("/proc/" + pid + "/stat");
            }
            catch (IOException)
            {
                return null;
            }
            int close = stat.LastIndexOf(')');
            return close < 0 ? null : stat.Substring(close + 2).Split(' ');
        }
    }
}
