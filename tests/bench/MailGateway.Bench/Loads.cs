// One measured load on one system: warm it up, then send 'count' messages of 'size' bytes over
// 'sessions' connections and wait until the sink has every one. Throughput runs from the first
// connect to the last 250 (accepted) or to the last arrival at the sink (end-to-end); latency is per
// message from its connect; CPU is the system's, from the first connect to the last arrival.
using System;
using System.Diagnostics;
using System.Linq;

namespace MailGateway.Bench
{
    public sealed class Load
    {
        public string Name;
        public int Size;
        public int Sessions;
        public int Count;
        public int WarmUp;
    }

    public sealed class Result
    {
        public string System;
        public Load Load;
        public int Delivered;
        public int Failures;
        public string FirstFailure;
        public double AcceptedPerSecond;
        public double EndToEndPerSecond;
        public double AcceptP50Ms, AcceptP99Ms, EndToEndP50Ms, EndToEndP99Ms;
        public double CpuMsPerMessage = double.NaN;
        public double PeakMiB = double.NaN;
    }

    public sealed class Runner
    {
        private readonly CountingSink _sink;
        private readonly long[] _started;
        private readonly long[] _accepted;
        private int _nextId = 1;

        public Runner(CountingSink sink, int maxId)
        {
            _sink = sink;
            _started = new long[maxId + 1];
            _accepted = new long[maxId + 1];
        }

        public CountingSink Sink => _sink;

        /// <summary>Sends count messages and waits for them at the sink; returns the first ID used.</summary>
        public int Send(IContender system, int size, int count, int sessions, out LoadSource source, out bool arrived)
        {
            int first = _nextId;
            _nextId += count;
            source = new LoadSource(system.Endpoint, size) { Started = _started, Accepted = _accepted };
            source.Run(first, count, sessions);
            arrived = _sink.WaitFor(first, count, TimeSpan.FromSeconds(60 + count * (size / (1024.0 * 1024)) * 2));
            return first;
        }

        public Result Measure(IContender system, Load load)
        {
            system.Start();
            try
            {
                if (load.WarmUp > 0) Send(system, load.Size, load.WarmUp, load.Sessions, out _, out _);
                double cpuBefore = system.Tree?.CpuSeconds() ?? double.NaN;
                system.Tree?.ResetPeak();
                int first = Send(system, load.Size, load.Count, load.Sessions, out LoadSource source, out _);
                double cpuAfter = system.Tree?.CpuSeconds() ?? double.NaN;
                return Summarize(system.Name, load, first, source, cpuAfter - cpuBefore, system.Tree?.PeakMiB ?? double.NaN);
            }
            finally
            {
                system.Stop();
            }
        }

        private Result Summarize(string name, Load load, int first, LoadSource source, double cpuSeconds, double peakMiB)
        {
            long start = long.MaxValue, lastAccepted = 0, lastArrived = 0;
            int delivered = 0;
            double[] accept = new double[load.Count];
            double[] endToEnd = new double[load.Count];
            int accepts = 0, ends = 0;
            for (int id = first; id < first + load.Count; id++)
            {
                start = Math.Min(start, _started[id]);
                if (_accepted[id] != 0)
                {
                    lastAccepted = Math.Max(lastAccepted, _accepted[id]);
                    accept[accepts++] = Ms(_accepted[id] - _started[id]);
                }
                long arrivedAt = _sink.ArrivedAt(id);
                if (arrivedAt != 0)
                {
                    delivered++;
                    lastArrived = Math.Max(lastArrived, arrivedAt);
                    endToEnd[ends++] = Ms(arrivedAt - _started[id]);
                }
            }
            Array.Sort(accept, 0, accepts);
            Array.Sort(endToEnd, 0, ends);
            return new Result
            {
                System = name,
                Load = load,
                Delivered = delivered,
                Failures = source.Failures,
                FirstFailure = source.FirstFailure,
                AcceptedPerSecond = accepts / Seconds(lastAccepted - start),
                EndToEndPerSecond = ends / Seconds(lastArrived - start),
                AcceptP50Ms = Percentile(accept, accepts, 0.50),
                AcceptP99Ms = Percentile(accept, accepts, 0.99),
                EndToEndP50Ms = Percentile(endToEnd, ends, 0.50),
                EndToEndP99Ms = Percentile(endToEnd, ends, 0.99),
                CpuMsPerMessage = cpuSeconds * 1000 / load.Count,
                PeakMiB = peakMiB,
            };
        }

        private static double Percentile(double[] sorted, int n, double p) =>
            n == 0 ? double.NaN : sorted[Math.Min(n - 1, (int)Math.Ceiling(p * n) - 1)];

        private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        private static double Seconds(long ticks) => ticks <= 0 ? double.NaN : ticks / (double)Stopwatch.Frequency;
    }
}
