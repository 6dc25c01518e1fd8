// mailgw-bench: the gateway beside Postfix, under the same loads, in one run on one machine.
//
//   mailgw-bench --mailgw PATH --postfix-script tests/bench/postfix-relay.sh [--quick] [--out FILE]
//                [--storage-floor PATH]
//   mailgw-bench --mailgw PATH --gateway-only [--quick] [--only LOAD]   (while working on the gateway)
//
// For each load (1 KiB and 100 KiB messages, 1 and 10 sessions) it starts each system fresh (the
// gateway, Postfix as a loopback relay, and nothing at all: source straight to sink), warms it up,
// measures, and stops it. Both relay to the same sink. Then, for the gateway alone: managed bytes
// allocated per message at three sizes, resident memory over a long run, and one 10 MiB message
// with the managed heap capped at 4 MiB. It ends with the machine's ceiling and floor (Ceiling.cs:
// Postfix's own smtp-source → smtp-sink, the same through the gateway, and the storage floor), and
// the targets of issue 9 judged against the figures of this run.
// tests/bench/run.sh builds everything and runs it; see tests/bench/README.md.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Text.RegularExpressions;

namespace MailGateway.Bench
{
    public static class Program
    {
        private static readonly IPEndPoint GatewayAt = IPEndPoint.Parse("127.0.0.61:2525");
        private static readonly IPEndPoint PostfixAt = IPEndPoint.Parse("127.0.0.62:2525");
        private static readonly IPEndPoint SinkAt = IPEndPoint.Parse("127.0.0.63:2626");
        private static readonly IPEndPoint PostfixSinkAt = IPEndPoint.Parse("127.0.0.64:2727");

        public static int Main(string[] args)
        {
            string mailgw = null, script = null, output = null, storageFloor = null;
            bool quick = false, gatewayOnly = false;
            string only = null;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--mailgw": mailgw = args[++i]; break;
                    case "--postfix-script": script = args[++i]; break;
                    case "--out": output = args[++i]; break;
                    case "--storage-floor": storageFloor = args[++i]; break;
                    case "--quick": quick = true; break;
                    case "--gateway-only": gatewayOnly = true; break;
                    case "--only": only = args[++i]; break;
                    default:
                        Console.Error.WriteLine("usage: mailgw-bench --mailgw PATH --postfix-script FILE [--quick] [--gateway-only] [--only LOAD] [--out FILE] [--storage-floor PATH]");
                        return 2;
                }
            }
            if (mailgw == null || (script == null && !gatewayOnly))
            {
                Console.Error.WriteLine("usage: mailgw-bench --mailgw PATH --postfix-script FILE [--quick] [--gateway-only] [--only LOAD] [--out FILE] [--storage-floor PATH]");
                return 2;
            }
            string work = Path.Combine(Path.GetTempPath(), "mailgw-bench-" + Environment.ProcessId);
            Directory.CreateDirectory(work);
            try
            {
                Report report = Run(mailgw, gatewayOnly ? null : script, work, quick, only, storageFloor);
                string page = report.Markdown(string.Join(" ", Environment.GetCommandLineArgs()[1..]));
                Console.WriteLine(page);
                if (output != null) File.WriteAllText(output, page);
                return 0;
            }
            finally
            {
                try { Directory.Delete(work, true); } catch (IOException) { }
            }
        }

        private static Report Run(string mailgw, string script, string work, bool quick, string only, string storageFloor)
        {
            int scale = quick ? 5 : 1;
            Load[] loads =
            {
                new Load { Name = "1 KiB, 10 sessions", Size = 1024, Sessions = 10, Count = 5000 / scale, WarmUp = 500 / scale },
                new Load { Name = "1 KiB, 1 session", Size = 1024, Sessions = 1, Count = 2000 / scale, WarmUp = 200 / scale },
                new Load { Name = "100 KiB, 10 sessions", Size = 100 * 1024, Sessions = 10, Count = 1000 / scale, WarmUp = 100 / scale },
                new Load { Name = "100 KiB, 1 session", Size = 100 * 1024, Sessions = 1, Count = 500 / scale, WarmUp = 50 / scale },
            };
            int soakCount = quick ? 20_000 : 100_000;
            using CountingSink sink = new CountingSink(SinkAt, 400_000);
            Runner runner = new Runner(sink, 400_000);
            string[] command = mailgw.EndsWith(".dll", StringComparison.Ordinal) ? new[] { "dotnet", mailgw } : new[] { mailgw };
            Gateway gateway = new Gateway(command, Path.Combine(work, "gateway"), GatewayAt, SinkAt);
            List<IContender> systems = new List<IContender> { gateway, new Direct(SinkAt) };
            if (script != null) systems.Insert(1, new Postfix(script, Path.Combine(work, "postfix"), PostfixAt, SinkAt));

            Report report = new Report { GatewayBuild = Describe(mailgw), Quick = quick };
            foreach (Load load in loads)
            {
                if (only != null && !load.Name.StartsWith(only, StringComparison.Ordinal)) continue;
                foreach (IContender system in systems)
                {
                    Console.Error.WriteLine("bench: " + load.Name + ", " + system.Name + " ...");
                    report.Results.Add(runner.Measure(system, load));
                }
            }
            if (only != null) return report; // one load only: the loads' figures and nothing else
            Console.Error.WriteLine("bench: managed allocations per message ...");
            foreach (int size in new[] { 1024, 100 * 1024, 1024 * 1024 })
            {
                int n = size >= 1024 * 1024 ? 40 / (quick ? 2 : 1) : size >= 100 * 1024 ? 300 / scale : 1000 / scale;
                long few = AllocatedBytes(runner, gateway, size, 20);
                long many = AllocatedBytes(runner, gateway, size, 20 + n);
                report.AllocationsPerMessage[size] = (many - few) / (double)n;
            }
            Console.Error.WriteLine("bench: resident memory over " + soakCount + " messages ...");
            report.Soak = Soak(runner, gateway, soakCount);
            Console.Error.WriteLine("bench: 10 MiB with the managed heap capped at 4 MiB ...");
            report.CappedHeap = CappedHeap(runner, gateway);
            Console.Error.WriteLine("bench: smtp-source → smtp-sink, and through MailGateway ...");
            Gateway toSmtpSink = new Gateway(command, Path.Combine(work, "gateway"), GatewayAt, PostfixSinkAt);
            report.Ceiling = Ceiling.Measure(toSmtpSink, PostfixSinkAt, quick ? 2000 : 10000, storageFloor, work);
            return report;
        }

        // Total managed bytes the gateway allocated in a run of 'count' messages of 'size' bytes
        // (from its own last log line).
        private static long AllocatedBytes(Runner runner, Gateway gateway, int size, int count)
        {
            gateway.Start();
            try
            {
                runner.Send(gateway, size, count, 1, out _, out _);
            }
            finally
            {
                gateway.Stop();
            }
            Match m = Regex.Match(File.ReadAllText(gateway.LogPath), @"managed heap: (\d+) bytes allocated");
            if (!m.Success) throw new InvalidOperationException("the gateway's log has no 'managed heap' line");
            return long.Parse(m.Groups[1].Value);
        }

        private static List<(int Messages, double MiB)> Soak(Runner runner, Gateway gateway, int total)
        {
            List<(int, double)> samples = new List<(int, double)>();
            gateway.Start();
            try
            {
                int step = total / 10;
                for (int sent = step; sent <= total; sent += step)
                {
                    runner.Send(gateway, 1024, step, 10, out _, out bool arrived);
                    if (!arrived) throw new InvalidOperationException("soak: messages did not arrive");
                    samples.Add((sent, gateway.Tree.PssKiB() / 1024.0));
                }
            }
            finally
            {
                gateway.Stop();
            }
            return samples;
        }

        private static (bool Arrived, long Bytes, double PeakMiB) CappedHeap(Runner runner, Gateway gateway)
        {
            const int size = 10 * 1024 * 1024;
            gateway.HeapLimit = 4 * 1024 * 1024;
            try
            {
                gateway.Start();
                try
                {
                    int id = runner.Send(gateway, size, 1, 1, out LoadSource source, out bool arrived);
                    return (arrived && source.Failures == 0, runner.Sink.BytesOf(id), gateway.Tree.PeakMiB);
                }
                finally
                {
                    gateway.Stop();
                }
            }
            finally
            {
                gateway.HeapLimit = 0;
            }
        }

        private static string Describe(string mailgw)
        {
            if (mailgw.EndsWith(".dll", StringComparison.Ordinal)) return "JIT (`dotnet " + Path.GetFileName(mailgw) + "`)";
            return "NativeAOT (`" + Path.GetFileName(mailgw) + "`, " + (new FileInfo(mailgw).Length / (1024.0 * 1024)).ToString("0.0") + " MiB)";
        }
    }
}
