// The results page: the machine, the command, a table per load with every system's figures, the
// gateway's own measurements, and each target of issue 9 judged on this run's figures.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace MailGateway.Bench
{
    public sealed class Report
    {
        public string GatewayBuild;
        public bool Quick;
        public readonly List<Result> Results = new List<Result>();
        public readonly SortedDictionary<int, double> AllocationsPerMessage = new SortedDictionary<int, double>();
        public List<(int Messages, double MiB)> Soak;
        public (bool Arrived, long Bytes, double PeakMiB) CappedHeap;
        public CeilingResult Ceiling = new CeilingResult();

        public string Markdown(string arguments)
        {
            StringBuilder page = new StringBuilder();
            page.AppendLine("# Benchmark: MailGateway beside Postfix");
            page.AppendLine();
            page.AppendLine("- date: " + DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
            page.AppendLine("- machine: " + Machine());
            page.AppendLine("- gateway build: " + GatewayBuild + (Quick ? " — quick run (a fifth of the messages)" : ""));
            page.AppendLine("- command: `tests/bench/run.sh" + (Quick ? " --quick" : "") + "`" + (arguments.Contains("--gateway-only") ? " (mailgw-bench --gateway-only)" : ""));
            page.AppendLine("- each system relays to the same sink, one SMTP session per message, durable queues (fsync before `250`)");
            page.AppendLine();
            foreach (IGrouping<string, Result> load in Results.GroupBy(r => r.Load.Name))
            {
                Result first = load.First();
                page.AppendLine("## " + load.Key + " (" + first.Load.Count + " messages after " + first.Load.WarmUp + " to warm up)");
                page.AppendLine();
                page.AppendLine("| system | accepted msg/s | end-to-end msg/s | accept p50 / p99 ms | end-to-end p50 / p99 ms | CPU ms/msg | peak memory MiB | delivered |");
                page.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
                foreach (Result r in load)
                {
                    page.AppendLine("| " + r.System + " | " + F(r.AcceptedPerSecond, "0") + " | " + F(r.EndToEndPerSecond, "0") + " | " +
                                    F(r.AcceptP50Ms, "0.00") + " / " + F(r.AcceptP99Ms, "0.00") + " | " +
                                    F(r.EndToEndP50Ms, "0.00") + " / " + F(r.EndToEndP99Ms, "0.00") + " | " +
                                    F(r.CpuMsPerMessage, "0.000") + " | " + F(r.PeakMiB, "0.0") + " | " +
                                    r.Delivered + "/" + r.Load.Count + (r.Failures > 0 ? " (" + r.Failures + " failed: " + r.FirstFailure + ")" : "") + " |");
                }
                Result gw = Find(load.Key, "MailGateway"), pf = Find(load.Key, "Postfix");
                if (gw != null && pf != null)
                {
                    page.AppendLine();
                    page.AppendLine("MailGateway ÷ Postfix: accepted " + F(gw.AcceptedPerSecond / pf.AcceptedPerSecond, "0.00") +
                                    "×, end-to-end " + F(gw.EndToEndPerSecond / pf.EndToEndPerSecond, "0.00") +
                                    "×, CPU per message " + F(gw.CpuMsPerMessage / pf.CpuMsPerMessage, "0.00") + "×.");
                }
                page.AppendLine();
            }
            page.AppendLine("## The gateway alone");
            page.AppendLine();
            page.AppendLine("- Postfix's smtp-source → smtp-sink directly (1 KiB, 10 sessions): " + F(Ceiling.DirectPerSecond, "0") +
                            " msg/s; smtp-sink's CPU per message received: " + F(Ceiling.SinkCpuMsPerMessage, "0.000") + " ms");
            page.AppendLine("- smtp-source → MailGateway → smtp-sink, end to end (1 KiB, 10 sessions): " + F(Ceiling.ThroughGatewayPerSecond, "0") +
                            " msg/s; the gateway's CPU per message relayed: " + F(Ceiling.GatewayCpuMsPerMessage, "0.000") + " ms");
            if (!double.IsNaN(Ceiling.StorageFloorCpuMs))
            {
                page.AppendLine("- the storage floor (`storage-floor.c`: create, write 1 KiB, fsync, rename, unlink; ten threads): " +
                                F(Ceiling.StorageFloorCpuMs, "0.000") + " ms CPU per message. With smtp-sink's, what receiving and " +
                                "storing alone cost in C on this machine: " + F(Ceiling.StorageFloorCpuMs + Ceiling.SinkCpuMsPerMessage, "0.000") + " ms");
            }
            page.AppendLine("- managed bytes allocated per relayed message (1 session; from the gateway's own count): " +
                            string.Join(", ", AllocationsPerMessage.Select(a => Size(a.Key) + ": " + F(a.Value, "0") + " B")));
            if (Soak != null)
            {
                page.AppendLine("- resident memory (Pss) over " + Soak[^1].Messages + " messages of 1 KiB, 10 sessions: " +
                                string.Join(", ", Soak.Select(s => s.Messages / 1000 + "k " + F(s.MiB, "0.0"))) + " MiB");
            }
            page.AppendLine("- one 10 MiB message with `DOTNET_GCHeapHardLimit` = 4 MiB: " +
                            (CappedHeap.Arrived ? "relayed, " + CappedHeap.Bytes + " bytes of data at the sink" : "NOT relayed") +
                            ", peak memory " + F(CappedHeap.PeakMiB, "0.0") + " MiB");
            page.AppendLine();
            page.AppendLine("## Targets (issue 9), judged on this run");
            page.AppendLine();
            page.AppendLine("| target | measured | |");
            page.AppendLine("|---|---|---|");
            foreach ((string target, string measured, bool met) in Targets()) page.AppendLine("| " + target + " | " + measured + " | " + (met ? "met" : "**not met**") + " |");
            return page.ToString();
        }

        private IEnumerable<(string, string, bool)> Targets()
        {
            Result gw1 = Find("1 KiB, 10 sessions", "MailGateway"), pf1 = Find("1 KiB, 10 sessions", "Postfix");
            Result gw100 = Find("100 KiB, 10 sessions", "MailGateway"), pf100 = Find("100 KiB, 10 sessions", "Postfix");
            if (gw1 == null || gw100 == null || AllocationsPerMessage.Count == 0) yield break; // a partial run (--only)
            if (pf1 != null && pf100 != null)
            {
                double e2e = gw1.EndToEndPerSecond / pf1.EndToEndPerSecond;
                yield return ("end-to-end, 1 KiB, 10 sessions ≥ 3× Postfix", F(e2e, "0.00") + "×", e2e >= 3);
                double ofCeiling = Ceiling.ThroughGatewayPerSecond / Ceiling.DirectPerSecond;
                yield return ("end-to-end, 1 KiB, 10 sessions ≥ 30% of smtp-source → smtp-sink (smtp-source → MailGateway → smtp-sink)", F(ofCeiling * 100, "0") + "%", ofCeiling >= 0.30);
                double e2e100 = gw100.EndToEndPerSecond / pf100.EndToEndPerSecond;
                yield return ("end-to-end, 100 KiB, 10 sessions ≥ 2× Postfix", F(e2e100, "0.00") + "×", e2e100 >= 2);
                double accepted = gw1.AcceptedPerSecond / pf1.AcceptedPerSecond;
                yield return ("accepted, 1 KiB, 10 sessions ≥ 4× Postfix", F(accepted, "0.00") + "×", accepted >= 4);
            }
            yield return ("CPU per relayed 1 KiB message ≤ 0.3 ms (10 sessions)", F(gw1.CpuMsPerMessage, "0.000") + " ms", gw1.CpuMsPerMessage <= 0.3);
            double small = AllocationsPerMessage.First().Value, large = AllocationsPerMessage.Last().Value;
            yield return ("allocations per message independent of its size (1 MiB ≤ 1 KiB + 25%)",
                          F(small, "0") + " B → " + F(large, "0") + " B", large <= small * 1.25);
            if (Soak != null && Soak.Count >= 3)
            {
                double settled = Soak[1].MiB, highest = Soak.Skip(1).Max(s => s.MiB);
                yield return ("resident memory flat after warm-up (≤ +10% from the 2nd sample on)",
                              F(settled, "0.0") + " → at most " + F(highest, "0.0") + " MiB", highest <= settled * 1.10);
            }
            yield return ("10 MiB relays with the managed heap capped at 4 MiB", CappedHeap.Arrived ? CappedHeap.Bytes + " bytes arrived" : "did not arrive",
                          CappedHeap.Arrived && CappedHeap.Bytes >= 10 * 1024 * 1024);
            yield return ("NativeAOT build at most 24 MiB resident under the 10-session load", GatewayBuild.StartsWith("NativeAOT", StringComparison.Ordinal)
                              ? F(Math.Max(gw1.PeakMiB, gw100.PeakMiB), "0.0") + " MiB" : "not a NativeAOT build",
                          GatewayBuild.StartsWith("NativeAOT", StringComparison.Ordinal) && Math.Max(gw1.PeakMiB, gw100.PeakMiB) <= 24);
        }

        private Result Find(string load, string systemPrefix) =>
            Results.FirstOrDefault(r => r.Load.Name == load && r.System.StartsWith(systemPrefix, StringComparison.Ordinal));

        private static string Size(int bytes) => bytes >= 1024 * 1024 ? bytes / (1024 * 1024) + " MiB" : bytes / 1024 + " KiB";

        private static string F(double value, string format) =>
            double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

        private static string Machine()
        {
            string model = "?";
            try
            {
                model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            }
            catch (IOException) { }
            return model + ", " + Environment.ProcessorCount + " cores, " + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() +
                   ", Linux, " + RuntimeInformation.FrameworkDescription;
        }
    }
}
